"""Training-step time of every app on TensorFlow and on JAX, on CPU.

For each app (`apps.framework.app.declared_apps`), the model and the batch
are the ones `python -m apps.<name>.train` builds with its defaults: the
default `ModelConfig`, compiled by the app's `train` (loss, optimizer,
schedule, clipping), and the middle batch of its first epoch (the default
`TrainConfig`'s batch size and sequence length; drawn from the run's seed,
so both backends get the same numbers). The app's `train` runs with its
`fit` replaced by one that only keeps the model and the batches; the batch
is then fed to `model.train_on_batch`: one step is forward, backward and the optimizer
update, compiled as `fit` compiles it (TensorFlow: a `tf.function`,
without XLA on CPU; JAX: `jax.jit`). The first step (tracing and
compilation) is reported apart; two warm-up steps follow, then `--steps`
timed ones, or as many as fill `MIN_TIMED_SECONDS` (a step of a few
milliseconds is timed over hundreds).

Each backend runs in its own subprocess (`KERAS_BACKEND=tensorflow`, then
`KERAS_BACKEND=jax`), the two alternating for `--rounds` rounds so that the
machine's noise hits both alike; the table quotes the medians over rounds
and the per-round ratios JAX/TensorFlow (< 1: JAX is faster), their median
and the backend faster in every round (`neither` when rounds disagree).

Usage:
    python -m benchmarks.backend_speed
    taskset -c 1 python -m benchmarks.backend_speed --apps addition chatbot
    python -m benchmarks.backend_speed --tiny     # seconds: contract models

`--tiny` times the apps' contract models (`APP.contract_train_flags`) in
one round of at least two steps (and a second), a smoke run. It prints a Markdown table and writes
benchmarks/results/backend_speed.csv (one row per app).
"""

import argparse
import importlib
import json
import math
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
from unittest import mock

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")  # CPU numbers

import keras  # noqa: E402
import pandas as pd  # noqa: E402

from apps.framework.app import declared_apps  # noqa: E402
from apps.framework.cli import parse_configs  # noqa: E402
from benchmarks.reporting import cpu_description  # noqa: E402
from benchmarks.reporting import save_table  # noqa: E402

RESULTS = pathlib.Path(__file__).resolve().parent / "results"
REPOSITORY = RESULTS.parents[1]
BACKENDS = ("tensorflow", "jax")
WARMUP_STEPS = 2
MIN_TIMED_SECONDS = 1.0  # small steps are timed this long, not `--steps` only
COLUMNS = ["app", "batch", "tensorflow ms", "jax ms", "jax/tf",
           "jax/tf per round", "faster", "tensorflow first step ms",
           "jax first step ms", "rounds"]


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--apps", nargs="+", default=(),
                        help="app names to time (default: every app)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="rounds of both backends, interleaved "
                        "(default: 3, or 1 with --tiny)")
    parser.add_argument("--steps", type=int, default=None,
                        help="least timed training steps per app per round; "
                        f"more fill {MIN_TIMED_SECONDS:g} s "
                        "(default: 10, or 2 with --tiny)")
    parser.add_argument("--tiny", action="store_true",
                        help="time the apps' contract models instead of "
                        "their defaults (a smoke run of seconds)")
    parser.add_argument("--output", default=str(RESULTS /
                                                "backend_speed.csv"),
                        help="CSV path (default: "
                        "benchmarks/results/backend_speed.csv)")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    return parser


def chosen_apps(names=()) -> list:
    """The declared apps named in `names` (all of them for none)."""
    apps = declared_apps()
    unknown = sorted(set(names) - {app.name for app in apps})
    if unknown:
        raise SystemExit(
            f"Received `--apps {' '.join(unknown)}`; expected names among "
            f"{', '.join(app.name for app in apps)}.")
    return [app for app in apps if not names or app.name in names]


def captured_training(app, flags, run_dir):
    """`(model, training)` that the app's `train` hands to `fit`.

    Runs `apps.<name>.train.train` with the flags (plus one epoch, no
    validation, no export, `run_dir`) and its `fit` replaced by one that
    keeps its arguments: the model is compiled, `training` is the epoch's
    batches (a `keras.utils.PyDataset` or a `tf.data.Dataset`).
    """
    module = importlib.import_module(f"apps.{app.name}.train")
    argv = [*flags, "--epochs", "1", "--validation_examples", "0",
            "--run_dir", str(run_dir), "--export_dir", ""]
    configs = parse_configs(module.build_parser(), argv, app.model_config,
                            app.train_config, skip=app.derived_fields)
    captured = {}

    def fit(model, train_config, training, *args, **kwargs):
        captured.update(model=model, training=training)

    with mock.patch.object(module, "fit", fit):
        module.train(*configs)
    return captured["model"], captured["training"]


def middle_batch(training):
    """Batch `len(training) // 2` of a `PyDataset` or a `tf.data.Dataset`,
    as a tuple `(x, y[, sample_weight])` of numpy structures."""
    index = len(training) // 2
    if isinstance(training, keras.utils.PyDataset):
        batch = training[index]
    else:
        batch = next(iter(training.skip(index)))
    return tuple(keras.tree.map_structure(keras.ops.convert_to_numpy,
                                          tuple(batch)))


def shape_text(x) -> str:
    """The shapes of a batch's inputs, e.g. `"strokes 32x380x3, text
    32x16"`."""
    if isinstance(x, dict):
        return ", ".join(f"{name} {shape_text(value)}"
                         for name, value in x.items())
    if isinstance(x, (list, tuple)):
        return ", ".join(shape_text(value) for value in x)
    return "x".join(str(size) for size in x.shape)


def time_app(app, tiny: bool, steps: int) -> dict:
    """One app's batch shapes, first-step and mean step time (ms) here."""
    keras.utils.set_random_seed(0)
    flags = app.contract_train_flags if tiny else ()
    with tempfile.TemporaryDirectory() as run_dir:
        model, training = captured_training(app, flags, run_dir)
    batch = middle_batch(training)

    def run(count):
        start = time.perf_counter()
        for _ in range(count):
            model.train_on_batch(*batch)  # returns floats: waits for JAX
        return (time.perf_counter() - start) / count

    first = run(1)
    estimate = run(WARMUP_STEPS)
    count = max(steps, math.ceil(MIN_TIMED_SECONDS / estimate))
    return {"batch": shape_text(batch[0]), "step_ms": 1000 * run(count),
            "first_ms": 1000 * first}


def run_worker(args) -> None:
    """The subprocess side: times each app on this backend, writes JSON."""
    results = {app.name: time_app(app, args.tiny, args.steps)
               for app in chosen_apps(args.apps)}
    pathlib.Path(args.worker).write_text(json.dumps(results))


def time_backend(backend: str, args) -> dict:
    """`{app: {"batch", "step_ms", "first_ms"}}` from one subprocess."""
    with tempfile.TemporaryDirectory() as tmp:
        output = pathlib.Path(tmp) / "times.json"
        command = [sys.executable, "-m", "benchmarks.backend_speed",
                   "--worker", str(output), "--steps", str(args.steps),
                   *(["--tiny"] if args.tiny else []),
                   *(["--apps", *args.apps] if args.apps else [])]
        result = subprocess.run(
            command, cwd=REPOSITORY, capture_output=True, text=True,
            env={**os.environ, "KERAS_BACKEND": backend}, check=False)
        if result.returncode:
            raise SystemExit(
                f"The {backend} worker failed (exit code "
                f"{result.returncode}):\n{result.stderr[-3000:]}")
        return json.loads(output.read_text())


def faster(ratios) -> str:
    """`"jax"` or `"tensorflow"` when every round agrees, else `"neither"`."""
    if max(ratios) < 1:
        return "jax"
    return "tensorflow" if min(ratios) > 1 else "neither"


def summarize(rounds: list[dict]) -> pd.DataFrame:
    """One row per app: medians over rounds and the JAX/TF ratios.

    The ratio divides each round's JAX step time by the same round's
    TensorFlow one; the table quotes their median, every round's, and the
    backend faster in every round (`faster`).
    """
    rows = []
    for name, first in rounds[0]["tensorflow"].items():
        times = {backend: [r[backend][name] for r in rounds]
                 for backend in BACKENDS}
        if {t["batch"] for t in times["jax"]} != {first["batch"]}:
            raise SystemExit(
                f"{name}: the backends timed different batches "
                f"({first['batch']} and {times['jax'][0]['batch']}); "
                "expected the same seeded data.")
        ratios = [jax["step_ms"] / tf["step_ms"]
                  for tf, jax in zip(times["tensorflow"], times["jax"])]
        rows.append({
            "app": name, "batch": first["batch"],
            **{f"{backend} ms": statistics.median(
                t["step_ms"] for t in times[backend])
               for backend in BACKENDS},
            "jax/tf": statistics.median(ratios),
            "jax/tf per round": " ".join(f"{r:.2f}" for r in ratios),
            "faster": faster(ratios),
            **{f"{backend} first step ms": statistics.median(
                t["first_ms"] for t in times[backend])
               for backend in BACKENDS},
            "rounds": len(rounds),
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def main(argv=None) -> pd.DataFrame:
    """Measures, prints the table, writes the CSV; returns the table."""
    args = build_parser().parse_args(argv)
    args.rounds = args.rounds or (1 if args.tiny else 3)
    args.steps = args.steps or (2 if args.tiny else 10)
    if args.rounds < 1 or args.steps < 1:
        raise SystemExit("--rounds and --steps must be >= 1.")
    if args.worker:
        return run_worker(args)
    chosen_apps(args.apps)  # fails early on a bad name
    print(f"CPU: {cpu_description()}", flush=True)
    rounds = []
    for number in range(args.rounds):
        rounds.append({})
        for backend in BACKENDS:
            rounds[-1][backend] = time_backend(backend, args)
            print(f"round {number + 1}/{args.rounds}: {backend} done",
                  flush=True)
    table = summarize(rounds)
    print(f"\nTraining step on CPU, at least {args.steps} steps and "
          f"{MIN_TIMED_SECONDS:g} s per round, medians of {args.rounds} "
          "interleaved rounds (jax/tf < 1: JAX is faster):\n")
    save_table(table, args.output)
    return table


if __name__ == "__main__":
    main()
