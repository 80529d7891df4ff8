"""Tables and CSV files for the benchmark scripts."""

import csv
import os
import statistics


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
