"""Training-step time of rnn_layers LSTM/GRU against keras.layers, side by side.

One step = forward, backward and an Adam update of
`Input -> LSTM/GRU(return_sequences=True) -> Dense(units)` under MSE, compiled
the way `model.fit` compiles it. The contenders run interleaved (A B A B ...)
in one process so that the machine's noise hits both alike; the table quotes
medians and the ratio keras/ours (> 1 means ours is faster).

Beside the ratio, each row gives the multiply-add FLOPs of the step
(`step_flops`), the GFLOP/s each layer achieves and that rate as a percentage
of the matmul roofline: the best float32 GFLOP/s of a `--roofline_size`
cubed `keras.ops.matmul`, compiled in the same process and timed once in
every interleaved round of the row (`matmul_roofline`), so a busy machine
lowers the roofline and the contenders alike.
Mixed-bfloat16 rows are compared against that float32 roofline too.

With `--variants`, times each cell-variant layer instead, against
`rnn_layers.LSTM` at one shape: all contenders interleaved in one process,
the ratio is variant/LSTM (> 1 means the variant is slower).

Usage:
    KERAS_BACKEND=tensorflow python -m benchmarks.rnn_speed
    KERAS_BACKEND=jax python -m benchmarks.rnn_speed --repeats 10
    KERAS_BACKEND=tensorflow python -m benchmarks.rnn_speed --variants
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import rnn_layers  # noqa: E402
from benchmarks.reporting import cpu_description  # noqa: E402
from benchmarks.reporting import median_ms  # noqa: E402
from benchmarks.reporting import save_table  # noqa: E402

SHAPES = ((32, 100, 128, 256), (64, 200, 128, 256))
LAYERS = {
    "lstm": (keras.layers.LSTM, rnn_layers.LSTM),
    "gru": (keras.layers.GRU, rnn_layers.GRU),
}
GATES = {"lstm": 4, "gru": 3}  # weight blocks of the input/recurrent kernels
VARIANT_SHAPE = (32, 100, 128, 256)
VARIANTS = {
    "peephole_lstm": rnn_layers.PeepholeLSTM,
    "cifg_lstm": rnn_layers.CIFGLSTM,
    "no_forget_gate_lstm": rnn_layers.NoForgetGateLSTM,
    "layer_norm_lstm": rnn_layers.LayerNormLSTM,
    "layer_norm_gru": rnn_layers.LayerNormGRU,
    "ind_rnn": rnn_layers.IndRNN,
}


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--layers", nargs="+", default=list(LAYERS),
                        choices=list(LAYERS),
                        help="recurrent layers to time (lstm, gru)")
    parser.add_argument("--dtypes", nargs="+",
                        default=["float32", "mixed_bfloat16"],
                        help="Keras dtype policies to time")
    parser.add_argument("--shapes", nargs="+", default=None,
                        help="shapes as B,T,D,H (default: the two of "
                        "BENCHMARKS.md)")
    parser.add_argument("--repeats", type=int, default=7,
                        help="timed rounds per contender (interleaved)")
    parser.add_argument("--steps", type=int, default=5,
                        help="training steps per timed round")
    parser.add_argument("--roofline_size", type=int, default=2048,
                        help="side n of the n x n x n float32 matmul whose "
                        "GFLOP/s is the roofline")
    parser.add_argument("--variants", nargs="*", default=None,
                        choices=list(VARIANTS),
                        help="time these cell-variant layers against "
                        "rnn_layers.LSTM at B,T,D,H = 32,100,128,256 "
                        "(float32) instead; no names: all of them")
    parser.add_argument("--output", default=None,
                        help="CSV path, {backend} filled in (default: "
                        "benchmarks/results/rnn_speed_{backend}.csv, or "
                        "rnn_speed_variants_{backend}.csv with --variants)")
    return parser


def compiled(fn):
    """`fn` compiled for the running backend; a call returns when done.

    TensorFlow: a `tf.function` (on CPU it returns once computed); JAX:
    `jax.jit`, waiting for the result; other backends: `fn` itself.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(fn)
    if backend == "jax":
        import jax

        jitted = jax.jit(fn)
        return lambda *args: jax.block_until_ready(jitted(*args))
    return fn


def matmul_roofline(size):
    """A timer of a float32 `size`-cubed `keras.ops.matmul`.

    The matmul is compiled (`compiled`) and run once first. Each call of the
    returned timer runs it once more and returns that call's GFLOP/s;
    `time_pair` calls it once per round between the contenders, and the best
    rate seen in a row is that row's roofline (the rate the machine reached
    under the same load).

    Args:
        size: int, the side n of the n x n by n x n product.

    Returns:
        a callable `() -> float`, `2 * size**3 / seconds / 1e9` of one call.

    Example:

    >>> timer = matmul_roofline(512)
    >>> max(timer() for _ in range(3))  # doctest: +SKIP
    310.4
    """
    rng = np.random.default_rng(0)
    a, b = (keras.ops.convert_to_tensor(
        rng.normal(size=(size, size)).astype("float32")) for _ in range(2))
    matmul = compiled(keras.ops.matmul)
    matmul(a, b)  # tracing and compilation

    def timer():
        start = time.perf_counter()
        matmul(a, b)
        return 2 * size ** 3 / (time.perf_counter() - start) / 1e9

    return timer


def step_flops(name, shape):
    """Multiply-add FLOPs of one training step of a recurrent layer.

    Counts the input and recurrent matmuls of `G = GATES[name]` gate blocks
    (LSTM 4, GRU 3), as BENCHMARKS.md does: the forward pass costs
    `2·B·T·(D+H)·G·H` FLOPs (a multiply-add is 2), the backward pass about
    twice that (the gradients with respect to the activations and to the
    kernels), so a step costs `3 · 2·B·T·(D+H)·G·H`. Element-wise gate math,
    the Dense head and the optimizer update are left out.

    Args:
        name: str, a key of `GATES` (`"lstm"` or `"gru"`).
        shape: tuple `(B, T, D, H)`: batch, time steps, input features and
            units.

    Returns:
        int, the FLOPs of one step.

    Example:

    >>> step_flops("lstm", (2, 3, 4, 5))  # 3 * 2*2*3*(4+5)*4*5
    6480
    """
    batch, steps, features, units = shape
    return 3 * 2 * batch * steps * (features + units) * GATES[name] * units


def roofline_columns(flops, times_ms, roofline):
    """GFLOP/s and percentage of the roofline of each contender's step time.

    Args:
        flops: int, FLOPs of one step (`step_flops`).
        times_ms: dict of contender name to its median step milliseconds.
        roofline: float, the matmul roofline in GFLOP/s.

    Returns:
        dict of columns: `GFLOP per step`, `<name> GFLOP/s` and
        `<name> % of roofline` for each contender, and `roofline GFLOP/s`.
    """
    columns = {"GFLOP per step": flops / 1e9}
    rates = {name: flops / ms / 1e6 for name, ms in times_ms.items()}
    columns.update((f"{name} GFLOP/s", rate) for name, rate in rates.items())
    columns.update((f"{name} % of roofline", 100 * rate / roofline)
                   for name, rate in rates.items())
    columns["roofline GFLOP/s"] = roofline
    return columns


def make_step(layer_cls, shape, dtype):
    """A compiled train-step callable for one layer class and shape."""
    batch, steps, features, units = shape
    keras.config.set_dtype_policy(dtype)
    inputs = keras.Input((steps, features), batch_size=batch)
    hidden = layer_cls(units, return_sequences=True)(inputs)
    outputs = keras.layers.Dense(units, dtype="float32")(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    keras.config.set_dtype_policy("float32")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(batch, steps, features)).astype("float32")
    y = rng.normal(size=(batch, steps, units)).astype("float32")

    def run(count):
        start = time.perf_counter()
        for _ in range(count):
            model.train_on_batch(x, y)
        return (time.perf_counter() - start) / count

    first = run(1)  # tracing and compilation
    run(2)
    return run, first


def time_pair(name, shape, dtype, repeats, steps, roofline):
    """One row: step times of keras.layers and ours, interleaved, and their
    ratio, FLOPs, GFLOP/s and fraction of the roofline: the best rate of the
    `roofline` timer (`matmul_roofline`), called once in every round."""
    keras_cls, ours_cls = LAYERS[name]
    keras_run, keras_first = make_step(keras_cls, shape, dtype)
    ours_run, ours_first = make_step(ours_cls, shape, dtype)
    keras_times, ours_times, rates = [], [], []
    for _ in range(repeats):
        keras_times.append(keras_run(steps))
        rates.append(roofline())
        ours_times.append(ours_run(steps))
    keras_ms, ours_ms = median_ms(keras_times), median_ms(ours_times)
    ratios = [k / o for k, o in zip(keras_times, ours_times)]
    return {
        "layer": name,
        "backend": keras.backend.backend(),
        "dtype": dtype,
        "shape (B,T,D,H)": ",".join(map(str, shape)),
        "keras ms": keras_ms,
        "rnn_layers ms": ours_ms,
        "speedup": float(np.median(ratios)),
        **roofline_columns(step_flops(name, shape),
                           {"keras": keras_ms, "rnn_layers": ours_ms},
                           max(rates)),
        "keras first step ms": 1000 * keras_first,
        "rnn_layers first step ms": 1000 * ours_first,
        "repeats": repeats,
    }


def time_variants(names, shape, repeats, steps):
    """Rows of each variant's step time and its ratio to `rnn_layers.LSTM`.

    All contenders are built first, then timed round-robin (LSTM, variant
    1, variant 2, ... per round) so that the machine's noise hits all alike.
    """
    contenders = {"lstm": rnn_layers.LSTM}
    contenders.update((name, VARIANTS[name]) for name in names)
    runs, firsts = {}, {}
    for name, layer_cls in contenders.items():
        runs[name], firsts[name] = make_step(layer_cls, shape, "float32")
    times = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, run in runs.items():
            times[name].append(run(steps))
    rows = []
    for name in names:
        ratios = [v / b for v, b in zip(times[name], times["lstm"])]
        rows.append({
            "layer": name,
            "backend": keras.backend.backend(),
            "dtype": "float32",
            "shape (B,T,D,H)": ",".join(map(str, shape)),
            "lstm ms": median_ms(times["lstm"]),
            "variant ms": median_ms(times[name]),
            "ratio to lstm": float(np.median(ratios)),
            "variant first step ms": 1000 * firsts[name],
            "repeats": repeats,
        })
    return rows


def main(argv=None):
    """Measures, prints the table and writes the CSV; returns the table."""
    args = build_parser().parse_args(argv)
    backend = keras.backend.backend()
    print(f"CPU: {cpu_description()}; backend: {backend}", flush=True)
    if args.variants is not None:
        table = pd.DataFrame(time_variants(
            args.variants or list(VARIANTS), VARIANT_SHAPE, args.repeats,
            args.steps))
        save_table(table, (args.output or "benchmarks/results/"
                           "rnn_speed_variants_{backend}.csv"
                           ).format(backend=backend))
        return table
    roofline = matmul_roofline(args.roofline_size)
    print(f"Roofline: float32 {args.roofline_size}^3 matmul "
          f"{max(roofline() for _ in range(args.repeats)):.1f} GFLOP/s now "
          "(each row re-measures it between its timed rounds)", flush=True)
    shapes = (
        [tuple(int(v) for v in s.split(",")) for s in args.shapes]
        if args.shapes
        else SHAPES
    )
    rows = []
    for shape in shapes:
        for dtype in args.dtypes:
            for name in args.layers:
                rows.append(time_pair(name, shape, dtype, args.repeats,
                                      args.steps, roofline))
                print(f"{name} {dtype} {rows[-1]['shape (B,T,D,H)']}: "
                      f"speedup {rows[-1]['speedup']:.2f}", flush=True)
    print()
    table = pd.DataFrame(rows)
    save_table(table, (args.output or "benchmarks/results/"
                       "rnn_speed_{backend}.csv").format(backend=backend))
    return table


if __name__ == "__main__":
    main()
