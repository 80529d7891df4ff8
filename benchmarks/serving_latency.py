"""Latency percentiles of exported signatures at 1 and 8 concurrent clients.

For each model folder under `--saved_models` (its newest version), the
SavedModel is loaded with `tf.saved_model.load` and every signature that has
a warm-up request (`assets.extra/tf_serving_warmup_requests`, read with
`saved_models.warmup`) is called with that request from 1 and 8 client
threads at once, `--calls` calls per client, each call timed on its own
(outputs copied to numpy, as a server must before answering). The rounds
interleave (1, 8, 1, 8, ...) and repeat `--repeats` times, so the machine's
noise hits both alike; the table quotes, per app, signature and client
count, the median over rounds of each round's p50/p95/p99 and of its
throughput (calls finished / round wall-clock), and the median per-round
ratio of that throughput to the 1-client one. The first call after loading
is reported apart.

This times the model in process: the floor under what a TF Serving client
sees, without the network, the protobuf (de)serialization and server-side
batching.

Usage:
    KERAS_BACKEND=tensorflow python -m benchmarks.serving_latency
    KERAS_BACKEND=tensorflow python -m benchmarks.serving_latency --tiny

`--tiny` first exports every app (or `--apps`) from its few-second contract
training (`apps.framework.serve_check.export_every_app`) into a temporary
folder. It prints a Markdown table and writes one CSV row per round to
benchmarks/results/serving_latency.csv.
"""

import argparse
import os
import pathlib
import tempfile
import threading
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")  # CPU numbers

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from benchmarks.reporting import cpu_description  # noqa: E402
from benchmarks.reporting import save_csv  # noqa: E402
from saved_models.export import list_versions  # noqa: E402
from saved_models.serving import exported_models  # noqa: E402
from saved_models.warmup import WARMUP_FILE, read_warmup_inputs  # noqa: E402

RESULTS = pathlib.Path(__file__).resolve().parent / "results"
TABLE_COLUMNS = ["app", "signature", "batch", "clients", "p50 ms", "p95 ms",
                 "p99 ms", "calls/s", "calls/s ratio to 1 client",
                 "first call ms", "rounds"]



def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--saved_models", default=None,
                        help="folder of exported models, <name>/<version>/ "
                        "(default: 'saved_models', or a temporary folder "
                        "with --tiny)")
    parser.add_argument("--tiny", action="store_true",
                        help="export every app (or --apps) from its "
                        "few-second contract training first")
    parser.add_argument("--apps", nargs="+", default=(),
                        help="app names to measure (default: all found)")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8],
                        help="concurrent client threads, interleaved per "
                        "round (default: 1 8)")
    parser.add_argument("--calls", type=int, default=100,
                        help="timed calls per client per round")
    parser.add_argument("--repeats", type=int, default=3,
                        help="rounds of every client count (interleaved)")
    parser.add_argument("--output", default=str(RESULTS /
                                                "serving_latency.csv"),
                        help="CSV path (default: "
                        "benchmarks/results/serving_latency.csv)")
    return parser


def newest_versions(saved_models, names=()) -> dict[str, pathlib.Path]:
    """The newest version folder of each exported model (or of `names`)."""
    found = exported_models(saved_models)
    if not found:
        raise SystemExit(
            f"Received `--saved_models {saved_models}`, which holds no "
            "export; train an app first or pass --tiny.")
    unknown = sorted(set(names) - set(found))
    if unknown:
        raise SystemExit(
            f"Received `--apps {' '.join(unknown)}`; exports found under "
            f"{saved_models}: {', '.join(found)}.")
    base = pathlib.Path(saved_models)
    return {name: base / name / str(max(list_versions(base / name)))
            for name in found if not names or name in names}


def warmup_inputs(version: pathlib.Path) -> dict[str, dict]:
    """The first warm-up request of each signature, as input tensors."""
    import tensorflow as tf

    requests = {}
    for record in read_warmup_inputs(version / WARMUP_FILE):
        signature = str(record["__signature_name__"])
        requests.setdefault(signature, {
            name: tf.constant(value) for name, value in record.items()
            if not name.startswith("__")})
    return requests


def time_clients(fn, inputs, clients: int, calls: int):
    """Runs `calls` timed calls in each of `clients` threads started at once.

    Returns:
        `(latencies, wall)`: every call's seconds, and seconds from the
        first thread's start to the last one's end.
    """
    latencies, spans = [], []
    barrier = threading.Barrier(clients)

    def client():
        barrier.wait()
        start, mine = time.perf_counter(), []
        for _ in range(calls):
            begin = time.perf_counter()
            for tensor in fn(**inputs).values():
                tensor.numpy()
            mine.append(time.perf_counter() - begin)
        spans.append((start, time.perf_counter()))
        latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = max(end for _, end in spans) - min(start for start, _ in spans)
    return latencies, wall


def measure_version(app, version, clients, calls, repeats) -> list[dict]:
    """One row per (signature, round, client count) for one version."""
    import tensorflow as tf

    loaded = tf.saved_model.load(str(version))
    requests = warmup_inputs(version)
    skipped = sorted(set(loaded.signatures) - set(requests))
    if skipped:
        print(f"{app}: no warm-up request for {', '.join(skipped)}; skipped")
    rows = []
    for signature, inputs in sorted(requests.items()):
        fn = loaded.signatures[signature]
        first, _ = time_clients(fn, inputs, 1, 1)  # tracing, first buffers
        batch = _batch_size(inputs)
        for repeat in range(repeats):
            for count in clients:
                latencies, wall = time_clients(fn, inputs, count, calls)
                p50, p95, p99 = 1000 * np.percentile(latencies, [50, 95, 99])
                rows.append({
                    "app": app, "version": version.name,
                    "signature": signature, "batch": batch,
                    "clients": count, "repeat": repeat,
                    "calls": len(latencies), "p50_ms": float(p50),
                    "p95_ms": float(p95), "p99_ms": float(p99),
                    "calls_per_s": len(latencies) / wall,
                    "first_call_ms": 1000 * first[0],
                })
        print(f"{app} {signature}: p50 {rows[-1]['p50_ms']:.2f} ms at "
              f"{clients[-1]} clients (last round)", flush=True)
    return rows


def _batch_size(inputs) -> int:
    """Examples per request: the longest leading dimension (scalars: 1)."""
    return max([int(t.shape[0]) for t in inputs.values() if t.shape.rank]
               or [1])


def summarize(rows: list[dict]) -> pd.DataFrame:
    """Medians over rounds per app, signature and client count.

    The throughput ratio divides each round's calls/s by the same round's
    calls/s at the fewest clients (1 by default), then takes the median.
    """
    frame = pd.DataFrame(rows)
    round_keys = ["app", "signature", "repeat"]
    fewest = frame[frame["clients"] == frame["clients"].min()]
    frame = frame.merge(
        fewest[round_keys + ["calls_per_s"]].rename(
            columns={"calls_per_s": "baseline"}),
        on=round_keys, how="left")
    frame["ratio"] = frame["calls_per_s"] / frame["baseline"]
    table = frame.groupby(["app", "signature", "clients"], sort=False).agg(
        batch=("batch", "first"), p50=("p50_ms", "median"),
        p95=("p95_ms", "median"), p99=("p99_ms", "median"),
        rate=("calls_per_s", "median"), ratio=("ratio", "median"),
        first=("first_call_ms", "first"), rounds=("repeat", "count"),
    ).reset_index()
    table.columns = ["app", "signature", "clients", "batch", "p50 ms",
                     "p95 ms", "p99 ms", "calls/s",
                     "calls/s ratio to 1 client", "first call ms", "rounds"]
    return table[TABLE_COLUMNS]


def main(argv=None) -> pd.DataFrame:
    """Measures, prints the table, writes the CSV; returns the table."""
    args = build_parser().parse_args(argv)
    if min(args.clients) < 1 or args.calls < 1 or args.repeats < 1:
        raise SystemExit("--clients, --calls and --repeats must be >= 1.")
    print(f"CPU: {cpu_description()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.saved_models or (tmp if args.tiny else "saved_models")
        if args.tiny:
            from apps.framework.serve_check import export_every_app

            export_every_app(folder, tuple(args.apps))
        rows = []
        for app, version in newest_versions(folder, args.apps).items():
            rows += measure_version(app, version, args.clients, args.calls,
                                    args.repeats)
    if not rows:
        raise SystemExit(f"No warm-up request found under {folder}.")
    table = summarize(rows)
    print(f"\nIn-process SavedModel latency, {args.calls} calls per client "
          f"per round, medians of {args.repeats} interleaved rounds:\n")
    print(table.to_markdown(index=False, floatfmt=".2f"))
    save_csv(pd.DataFrame(rows), args.output)
    print(f"\nwrote {args.output}")
    return table


if __name__ == "__main__":
    main()
