"""Pictures of handwriting: lines as PNG, and the window `phi` over time.

Matplotlib draws off-screen (the Agg backend), so no display is needed.
Strokes are stroke-3 in data units (`datasets/strokes.py`), `y` downward.
"""

import numpy as np

from datasets import strokes as stroke_format

# Pen width, in standard deviations of the offsets (of SVG and PNG).
STROKE_WIDTH_PER_STD = 0.5


def stroke_width(stats) -> float:
    """The pen width in data units for data with these `NormalizationStats`."""
    return STROKE_WIDTH_PER_STD * 0.5 * (stats.std[0] + stats.std[1])


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    return pyplot


def draw_lines(lines, titles, path, line_width: float = 1.5) -> None:
    """Writes a PNG with one handwritten line per row.

    Args:
        lines: list of stroke-3 arrays in data units.
        titles: list of str shown above each line (e.g. text and bias).
        path: where to write the PNG.
        line_width: float, pen width in points. Defaults to `1.5`.
    """
    pyplot = _pyplot()
    figure, axes = pyplot.subplots(
        len(lines), 1, figsize=(10, 1.6 * len(lines)), squeeze=False)
    for axis, line, title in zip(axes[:, 0], lines, titles):
        for polyline in stroke_format.strokes_to_polylines(line):
            axis.plot(polyline[:, 0], -polyline[:, 1], "k-",
                      linewidth=line_width, solid_capstyle="round")
        axis.set_aspect("equal")
        axis.set_title(title, fontsize=9, loc="left")
        axis.axis("off")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)


def draw_window(phi, text: str, path) -> None:
    """Writes a PNG of the window weights `phi(t, u)` of one written line.

    Args:
        phi: float `(steps, len(text) + 1)`: per step, the weight of each
            character and of the position past the end.
        text: str, the characters (the last column is the end).
        path: where to write the PNG.
    """
    pyplot = _pyplot()
    phi = np.asarray(phi, dtype=np.float64)
    figure, axis = pyplot.subplots(figsize=(10, 3))
    axis.imshow(phi.T, aspect="auto", origin="lower", cmap="Greys",
                interpolation="nearest")
    axis.set_yticks(range(len(text) + 1))
    axis.set_yticklabels(list(text.replace(" ", "\u2423")) + ["end"],
                         fontsize=7)
    axis.set_xlabel("pen point")
    axis.set_ylabel("character")
    axis.set_title("window weights phi(t, u)", fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
