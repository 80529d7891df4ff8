"""Vanishing and exploding gradients, measured: ||dh_T/dx_t|| against T - t.

For each recurrent layer (SimpleRNN, LSTM, GRU and the LSTM/GRU variants) the
script measures how strongly the last hidden state depends on each input
step, the norm of the Jacobian dh_T/dx_t averaged over a batch, at
initialization and again after a short training on the adding problem
(Hochreiter & Schmidhuber, 1997: add the two marked numbers of a long
sequence, a long-range dependency). A plain tanh RNN's curve falls
exponentially with the lag (the seed notes' 梯度消失), gated cells keep it up.

It then shows gradient clipping (the seed's 梯度截断): a ReLU SimpleRNN with
recurrent weights of gain 2 has exploding gradients; plain SGD diverges to
NaN after one step, while `clipnorm=1.0` keeps the loss finite and falling.

Writes benchmarks/results/gradient_flow.csv, gradient_clipping.csv and
gradient_flow.png, and copies the PNG to docs/gradient_flow.png.

Usage:
    KERAS_BACKEND=jax python -m benchmarks.gradient_flow
    KERAS_BACKEND=tensorflow python -m benchmarks.gradient_flow --time 100
"""

import argparse
import os
import shutil

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from keras import ops  # noqa: E402

import rnn_layers  # noqa: E402
from benchmarks.reporting import cpu_description  # noqa: E402
from benchmarks.reporting import save_csv  # noqa: E402

CELLS = {
    "SimpleRNN": lambda units: rnn_layers.SimpleRNNCell(units),
    "LSTM": lambda units: rnn_layers.LSTMCell(units),
    "GRU": lambda units: rnn_layers.GRUCell(units),
    "PeepholeLSTM": lambda units: rnn_layers.PeepholeLSTMCell(units),
    "CIFGLSTM": lambda units: rnn_layers.CIFGLSTMCell(units),
    "NoForgetGateLSTM": lambda units: rnn_layers.NoForgetGateLSTMCell(units),
    "LayerNormLSTM": lambda units: rnn_layers.LayerNormLSTMCell(units),
    "LayerNormGRU": lambda units: rnn_layers.LayerNormGRUCell(units),
    "IndRNN": lambda units: rnn_layers.IndRNNCell(units),
}


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cells", nargs="+", default=list(CELLS),
                        help="recurrent cells to measure")
    parser.add_argument("--time", type=int, default=60,
                        help="sequence length T of the adding problem")
    parser.add_argument("--units", type=int, default=16,
                        help="hidden units of every cell")
    parser.add_argument("--batch", type=int, default=16,
                        help="sequences over which the norms are averaged")
    parser.add_argument("--train_steps", type=int, default=150,
                        help="Adam steps of the short training")
    parser.add_argument("--clip_steps", type=int, default=60,
                        help="SGD steps of the clipping demonstration")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--out_dir", default="benchmarks/results",
                        help="folder of the CSV files and the PNG")
    parser.add_argument("--docs_png", default="docs/gradient_flow.png",
                        help="where to copy the PNG for the README "
                        "('' to skip)")
    return parser


def adding_problem(rng, batch, time):
    """Inputs `(batch, time, 2)`: values in [0, 1] and a 0/1 marker on two
    steps, one in each half; targets `(batch, 1)`: the sum of the marked
    values."""
    values = rng.uniform(size=(batch, time))
    markers = np.zeros((batch, time))
    first = rng.integers(0, time // 2, size=batch)
    second = rng.integers(time // 2, time, size=batch)
    markers[np.arange(batch), first] = 1.0
    markers[np.arange(batch), second] = 1.0
    inputs = np.stack([values, markers], axis=-1).astype("float32")
    targets = (values * markers).sum(axis=1, keepdims=True)
    return inputs, targets.astype("float32")


def jacobian_norms(layer, inputs):
    """||dh_T/dx_t||_F for every t, averaged over the batch: `(time,)`.

    Samples are independent, so the Jacobian of the batch-summed last state
    with respect to the inputs holds every sample's own Jacobian.
    """
    trainable = [v.value for v in layer.trainable_variables]
    non_trainable = [v.value for v in layer.non_trainable_variables]

    def last_state(x):
        outputs, _ = layer.stateless_call(trainable, non_trainable, x)
        return ops.sum(outputs, axis=0)  # (units,)

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        jacobian = jax.jit(jax.jacrev(last_state))(inputs)
    elif backend == "tensorflow":
        import tensorflow as tf

        x = tf.convert_to_tensor(inputs)
        with tf.GradientTape() as tape:
            tape.watch(x)
            h = last_state(x)
        jacobian = tape.jacobian(h, x)
    else:
        raise SystemExit(f"gradient_flow needs jax or tensorflow, not "
                         f"KERAS_BACKEND={backend}.")
    jacobian = np.asarray(jacobian)  # (units, batch, time, features)
    norms = np.sqrt((jacobian ** 2).sum(axis=(0, 3)))  # (batch, time)
    return norms.mean(axis=0)


def measure_cell(name, args, rng):
    """Rows of norms by lag for one cell, at init and after training."""
    layer = rnn_layers.RNN(CELLS[name](args.units), name=name.lower())
    inputs = keras.Input((args.time, 2))
    model = keras.Model(inputs, keras.layers.Dense(1)(layer(inputs)))
    probe, _ = adding_problem(rng, args.batch, args.time)
    rows = []
    init = jacobian_norms(layer, probe)
    x, y = adding_problem(rng, args.train_steps * 32, args.time)
    model.compile(optimizer=keras.optimizers.Adam(3e-3, clipnorm=1.0),
                  loss="mse")
    history = model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    trained = jacobian_norms(layer, probe)
    for stage, norms in (("init", init), ("trained", trained)):
        for t, norm in enumerate(norms):
            rows.append({"cell": name, "stage": stage,
                         "lag": args.time - 1 - t, "norm": float(norm)})
    summary = {
        "cell": name,
        "init T-t=0": float(init[-1]),
        "init T-t=max": float(init[0]),
        "trained T-t=0": float(trained[-1]),
        "trained T-t=max": float(trained[0]),
        "final mse": float(history.history["loss"][-1]),
    }
    return rows, summary


def clipping_demo(args, rng):
    """Loss per SGD step of an exploding ReLU RNN, with and without
    clipnorm."""
    x, y = adding_problem(rng, args.clip_steps * 16, 30)
    rows = []
    for clipnorm in (None, 1.0):
        keras.utils.set_random_seed(args.seed)
        model = keras.Sequential([
            keras.Input((30, 2)),
            rnn_layers.SimpleRNN(
                args.units, activation="relu",
                recurrent_initializer=keras.initializers.Orthogonal(gain=2.0),
            ),
            keras.layers.Dense(1),
        ])
        model.compile(
            optimizer=keras.optimizers.SGD(0.01, clipnorm=clipnorm),
            loss="mse",
        )
        for step in range(args.clip_steps):
            batch = slice(16 * step, 16 * (step + 1))
            loss = float(model.train_on_batch(x[batch], y[batch]))
            rows.append({"clipnorm": str(clipnorm), "step": step,
                         "loss": loss})
    return rows


def plot(flow_rows, clip_rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    colors = plt.get_cmap("tab10")
    cells = list(dict.fromkeys(row["cell"] for row in flow_rows))
    for index, cell in enumerate(cells):
        for stage, style in (("init", "--"), ("trained", "-")):
            rows = [r for r in flow_rows
                    if r["cell"] == cell and r["stage"] == stage]
            left.plot([r["lag"] for r in rows], [r["norm"] for r in rows],
                      style, color=colors(index),
                      label=cell if stage == "trained" else None)
    left.set_yscale("log")
    left.set_xlabel("T - t (steps back from the last state)")
    left.set_ylabel("||dh_T / dx_t||  (batch mean)")
    left.set_title("Gradient flow: dashed at init, solid after training")
    left.legend(fontsize=8)
    for clipnorm, label in (("None", "SGD"), ("1.0", "SGD, clipnorm=1.0")):
        rows = [r for r in clip_rows if r["clipnorm"] == clipnorm]
        losses = np.array([r["loss"] for r in rows])
        finite = np.isfinite(losses)
        if not finite.all():
            label += f" (NaN from step {int(np.argmin(finite))})"
        right.plot([r["step"] for r in rows], np.where(finite, losses, np.nan),
                   "o-", markersize=3, label=label)
    right.set_yscale("log")
    right.set_xlabel("SGD step")
    right.set_ylabel("MSE (gaps: NaN/inf)")
    right.set_title("ReLU SimpleRNN, recurrent gain 2: clipping")
    right.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv=None):
    args = build_parser().parse_args(argv)
    unknown = sorted(set(args.cells) - set(CELLS))
    if unknown:
        raise SystemExit(f"Unknown --cells {unknown}; choose from "
                         f"{sorted(CELLS)}.")
    keras.utils.set_random_seed(args.seed)
    print(f"CPU: {cpu_description()}")
    rng = np.random.default_rng(args.seed)
    flow_rows, summaries = [], []
    for name in args.cells:
        rows, summary = measure_cell(name, args, rng)
        flow_rows.extend(rows)
        summaries.append(summary)
        print(f"{name}: done", flush=True)
    clip_rows = clipping_demo(args, rng)
    save_csv(pd.DataFrame(flow_rows),
             os.path.join(args.out_dir, "gradient_flow.csv"))
    save_csv(pd.DataFrame(clip_rows),
             os.path.join(args.out_dir, "gradient_clipping.csv"))
    png = os.path.join(args.out_dir, "gradient_flow.png")
    plot(flow_rows, clip_rows, png)
    if args.docs_png:
        os.makedirs(os.path.dirname(args.docs_png), exist_ok=True)
        shutil.copyfile(png, args.docs_png)
    # Norms in scientific notation (they span decades), the loss fixed.
    print(pd.DataFrame(summaries).to_markdown(
        index=False, floatfmt=("", ".2e", ".2e", ".2e", ".2e", ".3f")))
    for clipnorm in ("None", "1.0"):
        losses = [r["loss"] for r in clip_rows if r["clipnorm"] == clipnorm]
        print(f"clipnorm={clipnorm}: first loss {losses[0]:.3g}, "
              f"last loss {losses[-1]:.3g}")


if __name__ == "__main__":
    main()
