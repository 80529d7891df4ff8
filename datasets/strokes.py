"""Pen strokes: the stroke-3 and stroke-5 formats and pure converters.

Formats (used by every stroke loader in `datasets/`, by `apps/handwriting`
and by its exported SavedModel):

- **stroke-3** (Graves 2013, "Generating Sequences With Recurrent Neural
  Networks", section 4: the IAM-OnDB input; Ha & Eck 2017, "A Neural
  Representation of Sketch Drawings", section 3.1): an array `(T, 3)` of
  points `(dx, dy, pen_up)`. `(dx, dy)` is the offset of the point from the
  previous one; the first row is the offset from the origin `(0, 0)`, so
  `cumsum` of the offsets gives absolute points. `pen_up = 1` on the last
  point of a stroke: the pen lifts after it and the next offset is a move,
  not a line. `y` grows downward, as in the IAM-OnDB XML files and in SVG.
- **stroke-5** (Ha & Eck 2017, section 3.1; `to_big_strokes` in
  magenta/magenta: models/sketch_rnn/utils.py): an array `(N_max, 5)` of
  `(dx, dy, p1, p2, p3)` with one-hot pen states: `p1` pen down after the
  point, `p2` pen up after it, `p3` the drawing has ended (every padding row
  is `(0, 0, 0, 0, 1)`).
- **polylines**: a list of `(n_i, 2)` arrays of absolute points, one per
  stroke; what fonts and plots use.

Every function here is pure numpy. Normalisation divides the offsets by
their standard deviation (Graves normalises the inputs to unit variance);
`NormalizationStats` is saved with a trained model so generated offsets can
be mapped back. SVG uses one `<path>` with `M`/`L` commands per stroke and a
`viewBox` around the points, so `svg_to_strokes(strokes_to_svg(s))` gives
`s` back up to the printed precision.
"""

import dataclasses
import json
import os
import pathlib
import re

import numpy as np

STROKE3_WIDTH = 3
STROKE5_WIDTH = 5
# Significant digits written to SVG coordinates.
SVG_DECIMALS = 3


def _check_stroke3(strokes, name="strokes") -> np.ndarray:
    strokes = np.asarray(strokes)
    if strokes.ndim != 2 or strokes.shape[1] != STROKE3_WIDTH:
        raise ValueError(
            f"Received `{name}` of shape {strokes.shape}; expected stroke-3 "
            "points of shape (T, 3): (dx, dy, pen_up)."
        )
    return strokes


def to_absolute(strokes) -> np.ndarray:
    """Stroke-3 offsets to absolute points `(T, 3)`: `(x, y, pen_up)`.

    Example:

    >>> to_absolute([[1, 2, 0], [3, 4, 1]]).tolist()
    [[1.0, 2.0, 0.0], [4.0, 6.0, 1.0]]
    """
    strokes = _check_stroke3(strokes).astype(np.float64)
    points = np.cumsum(strokes[:, :2], axis=0)  # (T, 2)
    return np.concatenate([points, strokes[:, 2:]], axis=1)


def to_offsets(points) -> np.ndarray:
    """Absolute points `(x, y, pen_up)` to stroke-3 offsets (`to_absolute`'s
    inverse).

    Example:

    >>> to_offsets([[1, 2, 0], [4, 6, 1]]).tolist()
    [[1.0, 2.0, 0.0], [3.0, 4.0, 1.0]]
    """
    points = _check_stroke3(points, "points").astype(np.float64)
    offsets = np.diff(points[:, :2], axis=0, prepend=np.zeros((1, 2)))
    return np.concatenate([offsets, points[:, 2:]], axis=1)


def polylines_to_strokes(polylines) -> np.ndarray:
    """Polylines (absolute points per stroke) to stroke-3 offsets.

    Args:
        polylines: list of `(n_i, 2)` arrays; empty ones are skipped.

    Returns:
        float64 `(sum n_i, 3)` stroke-3 array, `pen_up = 1` on the last
        point of every polyline.

    Example:

    >>> polylines_to_strokes([[[0, 0], [1, 0]], [[1, 1]]]).tolist()
    [[0.0, 0.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]
    """
    rows = []
    for line in polylines:
        line = np.asarray(line, dtype=np.float64).reshape(-1, 2)
        if not len(line):
            continue
        pen = np.zeros((len(line), 1))
        pen[-1] = 1.0
        rows.append(np.concatenate([line, pen], axis=1))
    if not rows:
        return np.zeros((0, STROKE3_WIDTH))
    return to_offsets(np.concatenate(rows))


def strokes_to_polylines(strokes) -> list[np.ndarray]:
    """Stroke-3 offsets to polylines, splitting after every `pen_up`.

    Example:

    >>> [p.tolist() for p in strokes_to_polylines([[0, 0, 0], [1, 0, 1],
    ...                                            [0, 1, 1]])]
    [[[0.0, 0.0], [1.0, 0.0]], [[1.0, 1.0]]]
    """
    points = to_absolute(strokes)
    ends = np.flatnonzero(points[:, 2] > 0.5) + 1
    pieces = np.split(points[:, :2], ends)
    return [piece for piece in pieces if len(piece)]


def to_stroke5(strokes, max_length: int) -> np.ndarray:
    """Stroke-3 to stroke-5 padded to `max_length` rows (sketch-rnn).

    Args:
        strokes: stroke-3 `(T, 3)` with `T <= max_length`.
        max_length: int, `N_max`.

    Returns:
        float64 `(max_length, 5)`.

    Raises:
        ValueError: if the drawing is longer than `max_length`.

    Example:

    >>> to_stroke5([[1, 2, 0], [3, 4, 1]], 3).astype(int).tolist()
    [[1, 2, 1, 0, 0], [3, 4, 0, 1, 0], [0, 0, 0, 0, 1]]
    """
    strokes = _check_stroke3(strokes)
    if len(strokes) > max_length:
        raise ValueError(
            f"Received {len(strokes)} points with `max_length={max_length}`;"
            " expected at most `max_length` points. Raise `max_length`."
        )
    big = np.zeros((max_length, STROKE5_WIDTH))
    big[:, 4] = 1.0
    count = len(strokes)
    big[:count, :2] = strokes[:, :2]
    big[:count, 3] = strokes[:, 2]
    big[:count, 2] = 1.0 - strokes[:, 2]
    big[:count, 4] = 0.0
    return big


def to_stroke3(big) -> np.ndarray:
    """Stroke-5 to stroke-3, dropping the rows from the first `p3` on.

    Example:

    >>> to_stroke3(to_stroke5([[1, 2, 0], [3, 4, 1]], 4)).tolist()
    [[1.0, 2.0, 0.0], [3.0, 4.0, 1.0]]
    """
    big = np.asarray(big, dtype=np.float64)
    if big.ndim != 2 or big.shape[1] != STROKE5_WIDTH:
        raise ValueError(
            f"Received `big` of shape {big.shape}; expected stroke-5 rows "
            "of shape (N_max, 5): (dx, dy, p1, p2, p3)."
        )
    ended = np.flatnonzero(big[:, 4] > 0.5)
    count = int(ended[0]) if len(ended) else len(big)
    return np.concatenate([big[:count, :2], big[:count, 3:4]], axis=1)


def clip_offsets(strokes, limit: float) -> np.ndarray:
    """Clips `|dx|` and `|dy|` at `limit` (outlier jumps of the pen tracker).

    Args:
        strokes: stroke-3 `(T, 3)`.
        limit: positive float, in the units of the offsets.

    Returns:
        A clipped float copy; `pen_up` untouched.

    Example:

    >>> clip_offsets([[500, -3, 0], [-900, 2, 1]], 100).tolist()
    [[100.0, -3.0, 0.0], [-100.0, 2.0, 1.0]]
    """
    if not limit > 0:
        raise ValueError(
            f"Received `limit={limit!r}`; expected a positive float."
        )
    strokes = _check_stroke3(strokes).astype(np.float64)
    strokes[:, :2] = np.clip(strokes[:, :2], -limit, limit)
    return strokes


def downsample(strokes, factor: int) -> np.ndarray:
    """Keeps each stroke's first and last point and every `factor`-th.

    The offsets of the dropped points are added to the next kept point, so
    the kept points lie exactly where they were, every pen lift stays and
    each move lands where the stroke starts: a line drawn with 20 points
    per character is drawn with a little over `20 / factor`.

    Args:
        strokes: stroke-3 `(T, 3)`.
        factor: positive int; `1` returns a float copy.

    Returns:
        Float stroke-3 `(T', 3)`, `T' <= T`.

    Example:

    >>> downsample([[1, 0, 0], [1, 0, 0], [1, 0, 0], [1, 0, 0], [0, 5, 1]],
    ...            2).tolist()
    [[1.0, 0.0, 0.0], [2.0, 0.0, 0.0], [1.0, 5.0, 1.0]]
    """
    if not isinstance(factor, int) or isinstance(factor, bool) or factor < 1:
        raise ValueError(
            f"Received `factor={factor!r}`; expected a positive integer."
        )
    strokes = _check_stroke3(strokes).astype(np.float64)
    if factor == 1 or not len(strokes):
        return strokes
    pen_up = strokes[:, 2] > 0.5
    # Index of each point within its stroke: strokes start after a lift.
    starts = np.concatenate([[True], pen_up[:-1]])
    stroke_start = np.maximum.accumulate(
        np.where(starts, np.arange(len(strokes)), 0))
    within = np.arange(len(strokes)) - stroke_start
    keep = pen_up | (within % factor == 0)
    keep[-1] = True
    points = np.cumsum(strokes[:, :2], axis=0)[keep]
    offsets = np.diff(points, axis=0, prepend=np.zeros((1, 2)))
    return np.concatenate([offsets, strokes[keep, 2:]], axis=1)


@dataclasses.dataclass(frozen=True)
class NormalizationStats:
    """Per-axis scale of the offsets: `normalized = (dx, dy) / std`.

    Offsets are divided but not centred, so a zero offset stays zero and
    the pen state keeps its meaning.

    Args:
        std: tuple `(std_x, std_y)` of positive floats.
    """

    std: tuple[float, float]

    def __post_init__(self):
        if len(self.std) != 2 or not all(
            np.isfinite(s) and s > 0 for s in self.std
        ):
            raise ValueError(
                f"Received `std={self.std!r}`; expected two positive finite "
                "floats."
            )

    def log_scale(self) -> float:
        """`log(std_x * std_y)`: add it per point to turn an NLL in
        normalised units into one in the data's own units."""
        return float(np.log(self.std[0]) + np.log(self.std[1]))

    def to_json(self) -> str:
        """`{"std": [std_x, std_y]}` as JSON text."""
        return json.dumps({"std": list(self.std)})

    @classmethod
    def from_json(cls, text: str) -> "NormalizationStats":
        """The stats of `to_json` text."""
        return cls(tuple(float(s) for s in json.loads(text)["std"]))

    def save(self, path: os.PathLike) -> None:
        """Writes `to_json()` to `path`."""
        pathlib.Path(path).write_text(self.to_json() + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: os.PathLike) -> "NormalizationStats":
        """Reads a `save` file.

        Raises:
            ValueError: if the file is not such a file (the message names
                it).
        """
        try:
            return cls.from_json(pathlib.Path(path).read_text("utf-8"))
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(
                f"{path} is not a stroke normalisation file ({error}); "
                "retrain, or restore it from a backup."
            ) from None


def normalization_stats(sequences) -> NormalizationStats:
    """The root mean square of all offsets of a list of stroke-3 arrays.

    (Their standard deviation about zero: the scale `normalize` divides by,
    without centring.)

    Example:

    >>> normalization_stats([[[2, 4, 0], [-2, -4, 1]]]).std
    (2.0, 4.0)
    """
    offsets = np.concatenate(
        [_check_stroke3(s)[:, :2] for s in sequences]
    ).astype(np.float64)
    std = np.sqrt(np.mean(np.square(offsets), axis=0))  # about zero
    std = np.where(std > 0, std, 1.0)
    return NormalizationStats((float(std[0]), float(std[1])))


def normalize(strokes, stats: NormalizationStats) -> np.ndarray:
    """Divides the offsets by `stats.std`; float32 copy."""
    strokes = _check_stroke3(strokes).astype(np.float32)
    strokes[:, :2] /= np.asarray(stats.std, np.float32)
    return strokes


def denormalize(strokes, stats: NormalizationStats) -> np.ndarray:
    """Multiplies the offsets by `stats.std`; `normalize`'s inverse."""
    strokes = _check_stroke3(strokes).astype(np.float32)
    strokes[:, :2] *= np.asarray(stats.std, np.float32)
    return strokes


def _format(value: float) -> str:
    text = f"{value:.{SVG_DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def svg_path_data(strokes) -> str:
    """The `d` attribute of one `<path>` drawing the strokes: `M x y L x y ...`.

    A stroke of one point is drawn as a zero-length line so it shows as a dot.

    Example:

    >>> svg_path_data([[0, 0, 0], [1, 0, 1], [0, 1, 1]])
    'M0 0 L1 0 M1 1 L1 1'
    """
    commands = []
    for line in strokes_to_polylines(strokes):
        coords = [f"{_format(x)} {_format(y)}" for x, y in line]
        if len(coords) == 1:
            coords.append(coords[0])
        commands.append("M" + coords[0] + "".join(" L" + c for c in coords[1:]))
    return " ".join(commands)


def strokes_to_svg(
    strokes, stroke_width: float = 1.0, padding: float = 5.0,
    colour: str = "black",
) -> str:
    """An SVG document drawing stroke-3 points as one path.

    Args:
        strokes: stroke-3 `(T, 3)`, in any units (say raw tablet units).
        stroke_width: float, line width in the same units. Defaults to `1.0`.
        padding: float, margin around the points. Defaults to `5.0`.
        colour: str, SVG stroke colour. Defaults to `"black"`.

    Returns:
        str, a standalone SVG whose `viewBox` frames the points, so path
        coordinates are the absolute points themselves.

    Example:

    >>> svg = strokes_to_svg([[0, 0, 0], [10, 0, 1]], padding=1)
    >>> 'viewBox="-1 -1 12 2"' in svg and 'd="M0 0 L10 0"' in svg
    True
    """
    points = to_absolute(strokes)
    if len(points):
        low = points[:, :2].min(axis=0) - padding
        size = points[:, :2].max(axis=0) + padding - low
    else:
        low, size = np.zeros(2), np.full(2, 2 * padding)
    box = " ".join(_format(v) for v in (*low, *size))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="{box}" width="{_format(size[0])}" '
        f'height="{_format(size[1])}">'
        f'<path d="{svg_path_data(strokes)}" fill="none" stroke="{colour}" '
        f'stroke-width="{_format(stroke_width)}" stroke-linecap="round" '
        'stroke-linejoin="round"/></svg>'
    )


_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
_PATH_D = re.compile(r'<path[^>]*\sd="([^"]*)"')
_COMMAND = re.compile(rf"([ML])\s*({_NUMBER})[\s,]+({_NUMBER})")


def svg_to_strokes(svg: str) -> np.ndarray:
    """Reads back the stroke-3 points of every `<path>` of `strokes_to_svg`.

    Only absolute `M` and `L` commands are understood (what
    `strokes_to_svg` writes); a zero-length `L` after a lone `M` (a dot) is
    read as one point.

    Args:
        svg: str, an SVG document.

    Returns:
        float64 stroke-3 `(T, 3)`.

    Raises:
        ValueError: if a path holds commands other than `M`/`L`.

    Example:

    >>> svg_to_strokes(strokes_to_svg([[1, 2, 0], [3, 4, 1]])).tolist()
    [[1.0, 2.0, 0.0], [3.0, 4.0, 1.0]]
    """
    polylines = []
    for data in _PATH_D.findall(svg):
        leftover = _COMMAND.sub("", data).strip()
        if leftover:
            raise ValueError(
                f"Received an SVG path with {leftover[:40]!r}; expected only "
                "absolute M and L commands, as `strokes_to_svg` writes."
            )
        for command, x, y in _COMMAND.findall(data):
            point = [float(x), float(y)]
            if command == "M":
                polylines.append([point])
            else:
                polylines[-1].append(point)
    polylines = [
        line[:1] if len(line) == 2 and line[0] == line[1] else line
        for line in polylines
    ]
    return polylines_to_strokes(polylines)
