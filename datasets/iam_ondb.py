"""IAM-OnDB handwritten lines as stroke-3 points with their transcriptions.

IAM On-Line Handwriting Database (M. Liwicki and H. Bunke, "IAM-OnDB - an
On-Line English Sentence Database Acquired from Handwritten Text on a
Whiteboard", ICDAR 2005): text lines written on a whiteboard, the data of
Graves 2013, section 4. Licence: non-commercial research use only; read the
files where they are, never copy them into this repository.

Two sources are read:

- `iam_ondb_lines.npz` (`../shared/data/iam_ondb_strokes/`, see its
  SOURCE.md): 12,178 lines; keys `offsets_xy` int16 `(P, 2)` (all lines'
  offsets concatenated, the first point of a line `(0, 0)`), `pen_up` uint8
  `(P,)`, `seq_start` int64 `(lines + 1,)`, `line_ids` (`"a01-000u-01"`)
  and `texts`. No pickles: loaded with `allow_pickle=False`.
- the original distribution's files: `lineStrokes/**/<form>-NN.xml`
  (`<StrokeSet><Stroke><Point x=".." y=".."/>...`) paired, in order, with
  the lines after `CSR:` in `ascii/**/<form>.txt`, as that npz was made.

Points are stroke-3 (`datasets/strokes.py`) in whiteboard units, `y`
downward.

Split: the data names no writers (IAM-OnDB keeps writer ids in separate
form metadata that neither source has), so a writer-disjoint split is not
possible here. `split_by_form` keeps every form (one page written in one
session by one writer, e.g. `a01-000u`) on one side, so validation lines
never share a page with training lines; one writer's other forms may still
fall on both sides.
"""

import dataclasses
import os
import pathlib
import re
import xml.etree.ElementTree as ElementTree
import zipfile
import zlib

import numpy as np

from datasets.files import CorruptFileError
from datasets.files import read_text
from datasets.files import require_file

NPZ_FILE = "iam_ondb_lines.npz"
NPZ_KEYS = ("offsets_xy", "pen_up", "seq_start", "line_ids", "texts")
FIX = (
    "pass the folder of IAM-OnDB's iam_ondb_lines.npz (see "
    "../shared/data/iam_ondb_strokes/SOURCE.md) or of its original "
    "lineStrokes/ and ascii/ folders"
)
_LINE_FILE = re.compile(r"^(?P<form>[a-z0-9]+-[a-z0-9]+)-(?P<line>\d+)\.xml$")


@dataclasses.dataclass(frozen=True)
class StrokeLines:
    """Handwritten lines: stroke-3 points, transcriptions and line ids.

    Args:
        strokes: list of int or float `(T_i, 3)` stroke-3 arrays.
        texts: list of str, the transcription of each line.
        ids: list of str, e.g. `"a01-000u-01"` (form `a01-000u`, line 1).
    """

    strokes: list
    texts: list
    ids: list

    def __post_init__(self):
        if not len(self.strokes) == len(self.texts) == len(self.ids):
            raise ValueError(
                f"Received {len(self.strokes)} strokes, {len(self.texts)} "
                f"texts and {len(self.ids)} ids; expected one of each per "
                "line."
            )

    def __len__(self) -> int:
        return len(self.strokes)

    def subset(self, indices) -> "StrokeLines":
        """The lines at `indices`, in that order."""
        return StrokeLines(
            [self.strokes[i] for i in indices],
            [self.texts[i] for i in indices],
            [self.ids[i] for i in indices],
        )


def form_id(line_id: str) -> str:
    """The form of a line id: `"a01-000u-01"` -> `"a01-000u"`."""
    return line_id.rsplit("-", 1)[0]


def load_npz(path: os.PathLike) -> StrokeLines:
    """Reads `iam_ondb_lines.npz` (layout in the module docstring).

    Args:
        path: the `.npz` file.

    Returns:
        `StrokeLines` with int16 stroke-3 arrays.

    Raises:
        FileNotFoundError: if the file is missing.
        CorruptFileError: if it is not such an npz (truncated, other keys).
    """
    path = require_file(path, FIX)
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [key for key in NPZ_KEYS if key not in data.files]
            if missing:
                raise CorruptFileError(
                    f"datasets: {path} lacks the arrays {missing}; {FIX}."
                )
            arrays = {key: data[key] for key in NPZ_KEYS}
    except (OSError, ValueError, zipfile.BadZipFile, zlib.error,
            EOFError) as error:
        if isinstance(error, CorruptFileError):
            raise
        raise CorruptFileError(
            f"datasets: {path} is not a readable npz ({error}); {FIX}."
        ) from None
    starts = arrays["seq_start"]
    if len(starts) != len(arrays["texts"]) + 1 or starts[-1] != len(
        arrays["pen_up"]
    ):
        raise CorruptFileError(
            f"datasets: {path} has inconsistent `seq_start`; {FIX}."
        )
    points = np.column_stack(
        [arrays["offsets_xy"], arrays["pen_up"].astype(np.int16)]
    )  # (P, 3) int16
    strokes = np.split(points, starts[1:-1])
    return StrokeLines(
        strokes, [str(t) for t in arrays["texts"]],
        [str(i) for i in arrays["line_ids"]],
    )


def read_line_xml(path: os.PathLike) -> np.ndarray:
    """Stroke-3 points of one IAM-OnDB `lineStrokes` XML file.

    The first point becomes `(0, 0)`; the pen lifts after each `<Stroke>`.

    Args:
        path: a `<form>-NN.xml` file.

    Returns:
        int32 `(T, 3)`.

    Raises:
        CorruptFileError: if the file is not XML or has no points.
    """
    path = require_file(path, FIX)
    try:
        root = ElementTree.parse(path).getroot()
        rows = []
        for stroke in root.iter("Stroke"):
            points = [(int(float(p.get("x"))), int(float(p.get("y"))))
                      for p in stroke.iter("Point")]
            rows.extend((x, y, 0) for x, y in points)
            if points:
                rows[-1] = (*rows[-1][:2], 1)
    except (ElementTree.ParseError, TypeError, ValueError) as error:
        raise CorruptFileError(
            f"datasets: {path} is not an IAM-OnDB stroke file ({error}); "
            f"{FIX}."
        ) from None
    if not rows:
        raise CorruptFileError(f"datasets: {path} has no points; {FIX}.")
    points = np.array(rows, dtype=np.int32)  # absolute (x, y, pen_up)
    points[:, :2] -= points[0, :2]
    points[1:, :2] = np.diff(points[:, :2], axis=0)
    return points


def read_form_text(path: os.PathLike) -> list[str]:
    """The non-empty lines after `CSR:` of an IAM-OnDB `ascii` form file."""
    text = read_text(path, FIX)
    _, found, tail = text.partition("CSR:")
    if not found:
        raise CorruptFileError(
            f"datasets: {path} has no 'CSR:' section; {FIX}."
        )
    return [line.strip() for line in tail.splitlines() if line.strip()]


def load_xml(root: os.PathLike) -> StrokeLines:
    """Reads the original `lineStrokes/` and `ascii/` folders under `root`.

    A form is used when its transcription has as many lines as it has
    stroke files, numbered 1..N; other forms are skipped, as in the npz.

    Args:
        root: folder holding `lineStrokes/` and `ascii/`.

    Returns:
        `StrokeLines` with int32 stroke-3 arrays, forms in sorted order.

    Raises:
        FileNotFoundError: if either folder is missing or no form pairs up.
    """
    root = pathlib.Path(root)
    for name in ("lineStrokes", "ascii"):
        if not (root / name).is_dir():
            raise FileNotFoundError(
                f"datasets: {root / name} not found; {FIX}."
            )
    forms: dict[str, dict[int, pathlib.Path]] = {}
    for path in (root / "lineStrokes").rglob("*.xml"):
        match = _LINE_FILE.match(path.name)
        if match:
            forms.setdefault(match["form"], {})[int(match["line"])] = path
    texts = {p.stem: p for p in (root / "ascii").rglob("*.txt")}
    strokes, line_texts, ids = [], [], []
    for form in sorted(forms):
        files = forms[form]
        if form not in texts or sorted(files) != list(
            range(1, len(files) + 1)
        ):
            continue
        lines = read_form_text(texts[form])
        if len(lines) != len(files):
            continue
        for number, text in enumerate(lines, start=1):
            strokes.append(read_line_xml(files[number]))
            line_texts.append(text)
            ids.append(f"{form}-{number:02d}")
    if not strokes:
        raise FileNotFoundError(
            f"datasets: no form under {root} pairs a transcription with its "
            f"stroke files; {FIX}."
        )
    return StrokeLines(strokes, line_texts, ids)


def load_iam_ondb(data_dir: os.PathLike) -> StrokeLines:
    """The lines under `data_dir`: its `iam_ondb_lines.npz`, else its XML.

    Args:
        data_dir: folder with `iam_ondb_lines.npz`, or with the original
            `lineStrokes/` and `ascii/` folders.

    Returns:
        `StrokeLines`.

    Raises:
        FileNotFoundError: if neither is there.
    """
    data_dir = pathlib.Path(data_dir)
    if (data_dir / NPZ_FILE).is_file():
        return load_npz(data_dir / NPZ_FILE)
    return load_xml(data_dir)


def split_by_form(
    lines: StrokeLines, validation_fraction: float = 0.05
) -> tuple[StrokeLines, StrokeLines]:
    """Splits lines into training and validation, whole forms at a time.

    A form goes to validation when the CRC-32 of its id falls in the first
    `validation_fraction` of the range, so the split is fixed for every
    run and machine and does not move when lines are added.

    Args:
        lines: `StrokeLines`.
        validation_fraction: float in [0, 1). Defaults to `0.05`.

    Returns:
        `(train, validation)` `StrokeLines`.

    Example:

    >>> lines = StrokeLines([np.zeros((1, 3))] * 2, ["a", "b"],
    ...                     ["a01-000u-01", "a01-000u-02"])
    >>> [len(part) for part in split_by_form(lines, 0.5)] in ([2, 0], [0, 2])
    True
    """
    if not 0 <= validation_fraction < 1:
        raise ValueError(
            f"Received `validation_fraction={validation_fraction}`; expected"
            " 0 <= fraction < 1."
        )
    threshold = validation_fraction * 2**32
    held_out = [
        zlib.crc32(form_id(line_id).encode()) < threshold
        for line_id in lines.ids
    ]
    train = [i for i, held in enumerate(held_out) if not held]
    validation = [i for i, held in enumerate(held_out) if held]
    return lines.subset(train), lines.subset(validation)
