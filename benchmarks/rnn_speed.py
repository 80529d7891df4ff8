"""Training-step time of rnn_layers LSTM/GRU against keras.layers, side by side.

One step = forward, backward and an Adam update of
`Input -> LSTM/GRU(return_sequences=True) -> Dense(units)` under MSE, compiled
the way `model.fit` compiles it. The contenders run interleaved (A B A B ...)
in one process so that the machine's noise hits both alike; the table quotes
medians and the ratio keras/ours (> 1 means ours is faster).

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

import rnn_layers  # noqa: E402
from benchmarks.reporting import cpu_description  # noqa: E402
from benchmarks.reporting import markdown_table  # noqa: E402
from benchmarks.reporting import median_ms  # noqa: E402
from benchmarks.reporting import write_csv  # noqa: E402

SHAPES = ((32, 100, 128, 256), (64, 200, 128, 256))
LAYERS = {
    "lstm": (keras.layers.LSTM, rnn_layers.LSTM),
    "gru": (keras.layers.GRU, rnn_layers.GRU),
}
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


def time_pair(name, shape, dtype, repeats, steps):
    keras_cls, ours_cls = LAYERS[name]
    keras_run, keras_first = make_step(keras_cls, shape, dtype)
    ours_run, ours_first = make_step(ours_cls, shape, dtype)
    keras_times, ours_times = [], []
    for _ in range(repeats):
        keras_times.append(keras_run(steps))
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
    args = build_parser().parse_args(argv)
    backend = keras.backend.backend()
    print(f"CPU: {cpu_description()}; backend: {backend}")
    if args.variants is not None:
        rows = time_variants(args.variants or list(VARIANTS), VARIANT_SHAPE,
                             args.repeats, args.steps)
        print(markdown_table(rows, list(rows[0])))
        path = (args.output or "benchmarks/results/"
                "rnn_speed_variants_{backend}.csv").format(backend=backend)
        write_csv(rows, path)
        print(f"\nwrote {path}")
        return
    shapes = (
        [tuple(int(v) for v in s.split(",")) for s in args.shapes]
        if args.shapes
        else SHAPES
    )
    rows = []
    for shape in shapes:
        for dtype in args.dtypes:
            for name in args.layers:
                row = time_pair(name, shape, dtype, args.repeats, args.steps)
                print(markdown_table([row], list(row)).splitlines()[-1],
                      flush=True)
                rows.append(row)
    print()
    print(markdown_table(rows, list(rows[0])))
    path = (args.output or "benchmarks/results/rnn_speed_{backend}.csv"
            ).format(backend=backend)
    write_csv(rows, path)
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
