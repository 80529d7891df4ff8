"""Tables, CSV files and the machine line for the benchmark scripts."""

import csv
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
    return f"{model}, {os.cpu_count()} cores, flags: {' '.join(present)}"


def median_ms(samples):
    """Median of a list of seconds, in milliseconds."""
    return 1000.0 * statistics.median(samples)


def write_csv(rows, path):
    """Writes a list of dicts (same keys) to `path`, creating its folder."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def markdown_table(rows, columns):
    """Formats dict rows as a Markdown table with the given columns."""
    lines = [
        "| " + " | ".join(columns) + " |",
        "|" + "|".join("---" for _ in columns) + "|",
    ]
    for row in rows:
        cells = []
        for column in columns:
            value = row[column]
            cells.append(f"{value:.2f}" if isinstance(value, float) else
                         str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
