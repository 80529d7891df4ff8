"""The machine line, medians and table output of the benchmark scripts.

Every benchmark keeps its results in a `pandas.DataFrame`, prints it with
`DataFrame.to_markdown` and writes it with `DataFrame.to_csv` (through
`save_csv` or `save_table` below).
"""

import os
import platform
import statistics

# CPU features that decide TensorFlow's and XLA's kernels on x86 (see
# BENCHMARKS.md: bfloat16 is only a lever with avx512_bf16 or AMX).
CPU_FLAGS = ("avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni",
             "amx_bf16", "amx_tile")


def cpu_description() -> str:
    """The CPU model, core count and its x86 vector flags, on one line.

    Example:

    >>> cpu_description()  # doctest: +SKIP
    'AMD EPYC, 2 cores, flags: avx2 fma avx512f avx512_bf16 avx512_vnni'
    """
    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    model = value.strip()
                elif key.strip() == "flags":
                    flags = set(value.split())
                    break
    except OSError:
        pass
    present = [flag for flag in CPU_FLAGS if flag in flags] or ["none known"]
    line = f"{model}, {os.cpu_count()} cores, flags: {' '.join(present)}"
    usable = len(os.sched_getaffinity(0))
    if usable < os.cpu_count():  # e.g. under `taskset -c 0`
        line += f" (this process pinned to {usable})"
    return line


def median_ms(samples):
    """Median of a list of seconds, in milliseconds."""
    return 1000.0 * statistics.median(samples)


def save_csv(frame, path) -> None:
    """Writes a table to `path` as CSV (no index), all at once.

    Creates the folder, writes a temporary file beside `path` and renames it
    over `path`, so a reader never sees a half-written file.

    Args:
        frame: `pandas.DataFrame`, the rows to write.
        path: str, the CSV file.

    Example:

    >>> save_csv(pandas.DataFrame({"a": [1]}), "/tmp/a.csv")  # doctest: +SKIP
    """
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    partial = f"{path}.{os.getpid()}.tmp"
    try:
        frame.to_csv(partial, index=False)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def save_table(frame, path, floatfmt=".2f") -> None:
    """Prints a table in Markdown and writes the same rows to a CSV file.

    Args:
        frame: `pandas.DataFrame`, the rows, one per measurement.
        path: str, the CSV file (see `save_csv`).
        floatfmt: str or sequence of str, the format of float cells, one for
            all columns or one per column (tabulate's `floatfmt`). Defaults
            to `".2f"`.

    Example:

    >>> save_table(pandas.DataFrame({"ms": [1.5]}), "t.csv")  # doctest: +SKIP
    |   ms |
    |-----:|
    | 1.50 |
    <BLANKLINE>
    wrote t.csv
    """
    print(frame.to_markdown(index=False, floatfmt=floatfmt))
    save_csv(frame, path)
    print(f"\nwrote {path}")
