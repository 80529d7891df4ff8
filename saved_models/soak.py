"""Soak test: every exported version called many times from many threads.

`python -m saved_models.soak <dir> --calls 10000 --threads 8` takes a version
folder, a model folder (its newest version) or a whole `saved_models/` tree
(as `saved_models.check` does) and, for each version, in this process:

1. loads it with `tf.saved_model.load`;
2. builds a mix of requests: the valid ones are its warm-up records
   (`assets.extra/tf_serving_warmup_requests`); the hostile ones are made
   from them, for every signature and input they reach: a wrong dtype, a
   wrong rank, an empty batch, a batch of `OVERSIZED_ROWS` rows (above
   every app's per-request bound), invalid UTF-8 and 1 MiB strings where
   strings go, NaN and infinity where floats go, and a missing input (a
   signature that no warm-up record calls is not soaked; the table names
   it);
3. warms up: replays the warm-up records one at a time, as TF Serving
   does before it serves a version, then every request of the mix once
   per thread;
4. reads the resident memory, makes `calls` calls drawn at random from
   the mix (half valid, half hostile) from `threads` threads within a
   wall-clock `time_limit`, reading the resident memory again halfway
   (memory that levels off reads about the same at half and end; a leak
   keeps growing) and at the end.

A call passes when it answers, or when it fails cleanly: a TensorFlow
`InvalidArgumentError`, a `ValueError` or a `TypeError` raised by the
signature. A valid request must answer. Any other exception, a call
running longer than `call_timeout` (a hang) or resident memory growing by
`max_growth` percent or more fails the version; a crash ends the process
itself. The command prints one table row per version and exits with code
1 when any version fails.

Example:

```
python -m saved_models.soak saved_models --calls 10000 --threads 8
python -m saved_models.soak saved_models/addition/1 --calls 500
```
"""

import argparse
import concurrent.futures
import dataclasses
import gc
import os
import pathlib
import sys
import threading
import time
from collections.abc import Callable, Sequence

import numpy as np

from saved_models.check import find_versions
from saved_models.warmup import WARMUP_FILE, read_warmup_inputs

# Rows of the oversized batch: above every app's per-request bound (the
# largest, the adder's MAX_PROBLEMS, is 4096).
OVERSIZED_ROWS = 4097
HUGE_STRING_BYTES = 2 ** 20
INVALID_UTF8 = b"\xff\xfe\xc3\x28 \xed\xa0\x80"
VALID = "valid"


@dataclasses.dataclass(frozen=True)
class Request:
    """One call of the mix.

    Args:
        kind: str, `"valid"` or the hostile change, e.g. `"wrong_rank"`.
        signature: str, the signature called.
        inputs: dict, input name -> `tf.Tensor`.
    """

    kind: str
    signature: str
    inputs: dict


@dataclasses.dataclass
class SoakReport:
    """What `soak_version` measured.

    Args:
        path: the version folder.
        calls: int, calls made (fewer than asked when the time ran out).
        answered: int, calls that returned outputs.
        clean_errors: int, calls that failed cleanly.
        failures: list of str, each a failed call (a valid request that
            errored, another exception, a hang); empty when all passed.
        latencies_ms: list of float, the duration of every call.
        rss_warm: int, resident bytes after the warm-up.
        rss_half: int, resident bytes after half the calls: close to
            `rss_end` when memory levels off, halfway when it leaks.
        rss_end: int, resident bytes after the last call.
        max_growth: float, the allowed growth in percent.
        kinds: dict, request kind -> `{"answered": n, "clean": n,
            "failed": n}`.
        timed_out: bool, whether `time_limit` or a hang stopped the calls
            early.
        hung: int, calls still running when the soak ended (their threads
            are left behind).
        unsoaked: list of str, signatures no warm-up record calls.
    """

    path: pathlib.Path
    calls: int = 0
    answered: int = 0
    clean_errors: int = 0
    failures: list = dataclasses.field(default_factory=list)
    latencies_ms: list = dataclasses.field(default_factory=list)
    rss_warm: int = 0
    rss_half: int = 0
    rss_end: int = 0
    max_growth: float = 5.0
    kinds: dict = dataclasses.field(default_factory=dict)
    timed_out: bool = False
    hung: int = 0
    unsoaked: list = dataclasses.field(default_factory=list)

    @property
    def growth(self) -> float:
        """Resident-memory growth from warm-up to the end, in percent."""
        return 100.0 * (self.rss_end - self.rss_warm) / max(self.rss_warm, 1)

    @property
    def ok(self) -> bool:
        return not self.failures and self.growth < self.max_growth

    def percentile_ms(self, q: float) -> float:
        """The `q`-th percentile of the call latencies, in milliseconds."""
        return float(np.percentile(self.latencies_ms, q)) if (
            self.latencies_ms) else float("nan")


def resident_bytes() -> int:
    """This process's resident memory, from `psutil` or `/proc/self/statm`.

    Raises:
        RuntimeError: where neither is available.
    """
    try:
        import psutil
    except ImportError:
        statm = pathlib.Path("/proc/self/statm")
        if not statm.is_file():
            raise RuntimeError(
                "Cannot read resident memory: no psutil and no "
                "/proc/self/statm; `pip install psutil`.") from None
        return int(statm.read_text().split()[1]) * os.sysconf("SC_PAGESIZE")
    return psutil.Process().memory_info().rss


def valid_requests(version: os.PathLike) -> list[Request]:
    """The version's warm-up records as requests.

    Raises:
        FileNotFoundError: if the version has no warm-up record.
    """
    import tensorflow as tf

    path = pathlib.Path(version) / WARMUP_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing; the soak calls the warm-up records: export "
            "the version again with `python -m apps.<name>.export`.")
    requests = [
        Request(VALID, str(record["__signature_name__"]),
                {name: tf.constant(value) for name, value in record.items()
                 if not name.startswith("__")})
        for record in read_warmup_inputs(path)
    ]
    if not requests:
        raise FileNotFoundError(
            f"{path} holds no warm-up record; export the version again with "
            "`python -m apps.<name>.export`.")
    return requests


def hostile_requests(valid: Sequence[Request], signatures) -> list[Request]:
    """Bad variants of the first valid request of each signature.

    Args:
        valid: the valid requests (`valid_requests`).
        signatures: the loaded version's `signatures`.

    Returns:
        list of `Request`: one per input for the per-input changes
        (`wrong_dtype`, `wrong_rank`, `missing_input`, and for strings
        `invalid_utf8` and `huge_string`, for floats `nan` and `inf`), one
        per signature for `empty_batch` and `oversized_batch`.
    """
    firsts = {}
    for request in valid:
        firsts.setdefault(request.signature, request)
    hostile = []
    for name, request in firsts.items():
        specs = signatures[name].structured_input_signature[1]
        for kind, change in _CHANGES.items():
            hostile += [Request(kind, name, inputs)
                        for inputs in change(request.inputs, specs)]
    return hostile


def _replaced(inputs: dict, name: str, value) -> dict:
    return {**inputs, name: value}


def _wrong_dtype(inputs, specs):
    import tensorflow as tf

    for name, tensor in inputs.items():
        other = tf.zeros_like(tensor, tf.int32) if tensor.dtype == tf.string \
            else tf.fill(tf.shape(tensor), "1")
        yield _replaced(inputs, name, other)


def _wrong_rank(inputs, specs):
    import tensorflow as tf

    for name, tensor in inputs.items():
        yield _replaced(inputs, name, tf.expand_dims(tensor, 0))


def _missing_input(inputs, specs):
    for name in inputs:
        yield {k: v for k, v in inputs.items() if k != name}


def _strings(value: bytes):
    import tensorflow as tf

    def change(inputs, specs):
        for name, tensor in inputs.items():
            if tensor.dtype == tf.string:
                yield _replaced(inputs, name, tf.fill(tf.shape(tensor), value))
    return change


def _floats(value: float):
    import tensorflow as tf

    def change(inputs, specs):
        for name, tensor in inputs.items():
            if tensor.dtype.is_floating:
                yield _replaced(inputs, name, tf.fill(
                    tf.shape(tensor), tf.constant(value, tensor.dtype)))
    return change


def _batched(inputs, specs) -> list[str]:
    """The inputs whose first axis is the batch (`None` in the signature)."""
    return [name for name in inputs
            if name in specs and specs[name].shape.rank
            and specs[name].shape[0] is None and inputs[name].shape[0]]


def _empty_batch(inputs, specs):
    batched = _batched(inputs, specs)
    if batched:
        yield {k: v[:0] if k in batched else v for k, v in inputs.items()}


def _oversized_batch(inputs, specs):
    import tensorflow as tf

    batched = _batched(inputs, specs)
    if batched:
        def tiled(tensor):
            rows = np.arange(OVERSIZED_ROWS) % tensor.shape[0]
            return tf.gather(tensor, rows)
        yield {k: tiled(v) if k in batched else v for k, v in inputs.items()}


_CHANGES: dict[str, Callable] = {
    "wrong_dtype": _wrong_dtype,
    "wrong_rank": _wrong_rank,
    "missing_input": _missing_input,
    "invalid_utf8": _strings(INVALID_UTF8),
    "huge_string": _strings(b"9" * HUGE_STRING_BYTES),
    "nan": _floats(float("nan")),
    "inf": _floats(float("inf")),
    "empty_batch": _empty_batch,
    "oversized_batch": _oversized_batch,
}


def _clean_errors() -> tuple:
    import tensorflow as tf

    return (tf.errors.InvalidArgumentError, ValueError, TypeError)


class _Caller:
    """Calls requests on a loaded version and keeps the tally."""

    def __init__(self, loaded, report: SoakReport, call_timeout: float):
        self.loaded = loaded
        self.report = report
        self.call_timeout = call_timeout
        self.clean = _clean_errors()
        self.lock = threading.Lock()
        self.running = {}  # call index -> (start time, request)
        self.stop = threading.Event()

    def call(self, index: int, request: Request, count: bool) -> None:
        """Makes one call; with `count`, adds it to the report."""
        if self.stop.is_set():
            return
        start = time.perf_counter()
        with self.lock:
            self.running[index] = (start, request)
        outcome, detail = "answered", ""
        try:
            self.loaded.signatures[request.signature](**request.inputs)
        except self.clean as error:
            outcome, detail = "clean", _one_line(error)
        except Exception as error:  # noqa: BLE001 (the soak reports all)
            outcome = "failed"
            detail = f"{type(error).__name__}: {_one_line(error)}"
        elapsed = time.perf_counter() - start
        if request.kind == VALID and outcome == "clean":
            outcome, detail = "failed", f"valid request errored: {detail}"
        with self.lock:
            del self.running[index]
            if count:
                self._tally(request, outcome, detail, elapsed)

    def _tally(self, request, outcome, detail, elapsed) -> None:
        report = self.report
        report.calls += 1
        report.latencies_ms.append(1000.0 * elapsed)
        kind = report.kinds.setdefault(
            request.kind, {"answered": 0, "clean": 0, "failed": 0})
        kind[outcome] += 1
        if outcome == "answered":
            report.answered += 1
        elif outcome == "clean":
            report.clean_errors += 1
        else:
            report.failures.append(
                f"{request.kind} call to {request.signature}: {detail}")

    def hung(self) -> list[Request]:
        """The requests of calls running longer than `call_timeout`."""
        now = time.perf_counter()
        with self.lock:
            return [request for start, request in self.running.values()
                    if now - start > self.call_timeout]


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:200] or type(error).__name__


def _run_calls(pool, caller: _Caller, requests: Sequence[Request],
               count: bool, deadline: float) -> bool:
    """Runs `requests` on `pool`; returns whether all ran before the end.

    Stops issuing calls at `deadline` or at the first hang (recorded as a
    failure; the hung thread is left behind).
    """
    futures = {pool.submit(caller.call, i, r, count)
               for i, r in enumerate(requests)}
    while futures:
        done, futures = concurrent.futures.wait(futures, timeout=0.5)
        for future in done:
            future.result()
        hung = caller.hung()
        for request in hung:
            caller.report.failures.append(
                f"{request.kind} call to {request.signature} still running "
                f"after {caller.call_timeout:.0f} s (a hang)")
        if hung or time.perf_counter() > deadline:
            caller.stop.set()
            return False
    return True


def _warm_up(pool, caller: _Caller, valid: Sequence[Request],
             mix: Sequence[Request], deadline: float) -> bool:
    """TF Serving's warm-up, then every request of `mix`, uncounted.

    The warm-up records are replayed one at a time first, as TF Serving
    does before it serves a version: a first call initialises the graph,
    and several first calls at once each take many times as long. Returns
    whether it all ran before `deadline`.
    """
    for request in valid:
        if not _run_calls(pool, caller, [request], False, deadline):
            return False
    return _run_calls(pool, caller, mix, False, deadline)


def soak_version(
    version: os.PathLike,
    calls: int = 10_000,
    threads: int = 8,
    time_limit: float = 600.0,
    call_timeout: float = 60.0,
    max_growth: float = 5.0,
    seed: int = 0,
) -> SoakReport:
    """Soaks one version folder (see the module docstring).

    Args:
        version: the version folder.
        calls: int, calls after the warm-up. Defaults to `10000`.
        threads: int, calling threads. Defaults to `8`.
        time_limit: float, seconds the warm-up and calls may take; no call
            starts later. Defaults to `600.0`.
        call_timeout: float, seconds after which a call counts as hung.
            Defaults to `60.0`.
        max_growth: float, allowed resident-memory growth in percent from
            the end of the warm-up to the end. Defaults to `5.0`.
        seed: int, seeds the order of the calls. Defaults to `0`.

    Returns:
        A `SoakReport`.

    Example:

    >>> report = soak_version("saved_models/addition/1", calls=500)
    >>> report.ok, report.calls
    (True, 500)
    """
    import tensorflow as tf

    version = pathlib.Path(version)
    report = SoakReport(version, max_growth=max_growth)
    loaded = tf.saved_model.load(str(version))
    valid = valid_requests(version)
    hostile = hostile_requests(valid, loaded.signatures)
    report.unsoaked = sorted(
        set(loaded.signatures.keys()) - {r.signature for r in valid})
    rng = np.random.default_rng(seed)
    schedule = [valid[rng.integers(len(valid))] if rng.random() < 0.5
                else hostile[rng.integers(len(hostile))]
                for _ in range(calls)]
    caller = _Caller(loaded, report, call_timeout)
    deadline = time.perf_counter() + time_limit
    pool = concurrent.futures.ThreadPoolExecutor(threads)
    try:
        warmed = _warm_up(pool, caller, valid, (valid + hostile) * threads,
                          deadline)
        report.rss_warm = resident_bytes()
        half = len(schedule) // 2
        ran = warmed and _run_calls(pool, caller, schedule[:half], True,
                                    deadline)
        report.rss_half = resident_bytes()
        ran = ran and _run_calls(pool, caller, schedule[half:], True,
                                 deadline)
        report.timed_out = not ran
        report.rss_end = resident_bytes()
    finally:
        report.hung = len(caller.hung())
        pool.shutdown(wait=not report.hung, cancel_futures=True)
    return report


def soak(paths: Sequence[os.PathLike], **options) -> list[SoakReport]:
    """Soaks every version `find_versions` finds under `paths`.

    Args:
        paths: version folders, model folders or `saved_models/` trees.
        **options: `soak_version` arguments.

    Returns:
        list of `SoakReport`, one per version.
    """
    versions = [v for path in paths for v in find_versions(path)]
    reports = []
    for version in versions:
        gc.collect()  # frees the last version before the next is measured
        reports.append(soak_version(version, **options))
    return reports


def format_table(reports: Sequence[SoakReport]) -> str:
    """One row per version, then each failure.

    Example:

    >>> print(format_table([report]))
    model           calls  answered  clean err  failed  p50 ms  p99 ms ...
    """
    header = (f"{'model':<20} {'calls':>6} {'answered':>8} {'clean err':>9} "
              f"{'failed':>6} {'p50 ms':>8} {'p99 ms':>8} "
              f"{'RSS MB warm/half/end':>20} {'growth %':>8}  result")
    lines = [header]
    for r in reports:
        name = f"{r.path.parent.name}/{r.path.name}"
        result = "OK" if r.ok else "FAILED"
        if r.timed_out:
            result += " (time limit)"
        lines.append(
            f"{name:<20} {r.calls:>6} {r.answered:>8} {r.clean_errors:>9} "
            f"{len(r.failures):>6} {r.percentile_ms(50):>8.1f} "
            f"{r.percentile_ms(99):>8.1f} {_megabytes(r):>20} "
            f"{r.growth:>8.2f}  {result}")
    for r in reports:
        if r.unsoaked:
            lines.append(f"{r.path}: not soaked (no warm-up record calls "
                         f"them): {', '.join(r.unsoaked)}")
        if r.growth >= r.max_growth:
            lines.append(f"{r.path}: resident memory grew {r.growth:.2f}% "
                         f"(allowed < {r.max_growth}%)")
        for failure in sorted(set(r.failures))[:5]:
            lines.append(f"{r.path}: {failure}")
    return "\n".join(lines)


def _megabytes(report: SoakReport) -> str:
    return "/".join(f"{size / 2**20:.0f}" for size in (
        report.rss_warm, report.rss_half, report.rss_end))


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m saved_models.soak`."""
    parser = argparse.ArgumentParser(
        prog="python -m saved_models.soak",
        description="Call every exported version many times from many "
        "threads with valid and hostile requests; check that each call "
        "answers or errors cleanly and that memory stays flat.")
    parser.add_argument(
        "paths", nargs="+",
        help="version folders, model folders or a saved_models/ tree")
    parser.add_argument("--calls", type=int, default=10_000,
                        help="calls per version after the warm-up")
    parser.add_argument("--threads", type=int, default=8,
                        help="calling threads")
    parser.add_argument("--time_limit", type=float, default=600.0,
                        help="seconds per version; no call starts later")
    parser.add_argument("--call_timeout", type=float, default=60.0,
                        help="seconds after which a call counts as hung")
    parser.add_argument("--max_growth", type=float, default=5.0,
                        help="allowed resident-memory growth, percent")
    parser.add_argument("--seed", type=int, default=0,
                        help="seeds the order of the calls")
    return parser


def main(argv=None) -> int:
    """Soaks every version found; returns 1 when any fails."""
    parser = build_parser()
    args = parser.parse_args(argv)
    for name in ("calls", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"Received `--{name} {getattr(args, name)}`; "
                         "expected a positive integer.")
    options = {k: v for k, v in vars(args).items() if k != "paths"}
    try:
        reports = soak(args.paths, **options)
    except FileNotFoundError as error:
        parser.error(str(error))
    print(format_table(reports), flush=True)
    code = 0 if all(report.ok for report in reports) else 1
    if any(report.hung for report in reports):
        os._exit(code)  # a hung call's thread would keep the process alive
    return code


if __name__ == "__main__":
    sys.exit(main())
