"""sketch-rnn drawings: stroke-3 sequences without text (Ha & Eck 2017).

Files of hardmaru/sketch-rnn-datasets (`../shared/data/sketch_rnn/`, see
its SOURCE.md): `aaron_sheep.npz` (CC BY-NC 4.0) and `short_kanji.npz`
(CC BY-SA 3.0), each with keys `train`, `valid` and `test` holding object
arrays of int16 `(T, 3)` stroke-3 drawings (`datasets/strokes.py`), pickled
under Python 2. They feed the unconditional handwriting model, whose
`(dx, dy, pen_up)` points are the same format.
"""

import os
import pickle
import zipfile
import zlib

import numpy as np

from datasets.files import CorruptFileError
from datasets.files import require_file

SPLITS = ("train", "valid", "test")
FIX = (
    "pass a sketch-rnn .npz such as ../shared/data/sketch_rnn/"
    "aaron_sheep.npz (see its SOURCE.md)"
)


def load_sketches(
    path: os.PathLike,
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Reads the three splits of a sketch-rnn `.npz`.

    The files hold Python 2 pickles, so they are loaded with
    `allow_pickle=True, encoding="latin1"`: open only files you trust.

    Args:
        path: the `.npz` file.

    Returns:
        `(train, valid, test)` lists of int16 `(T, 3)` arrays.

    Raises:
        FileNotFoundError: if the file is missing.
        CorruptFileError: if it is not such an npz.
    """
    path = require_file(path, FIX)
    try:
        with np.load(path, allow_pickle=True, encoding="latin1") as data:
            missing = [key for key in SPLITS if key not in data.files]
            if missing:
                raise CorruptFileError(
                    f"datasets: {path} lacks the splits {missing}; {FIX}."
                )
            splits = tuple(
                [np.asarray(d, dtype=np.int16) for d in data[key]]
                for key in SPLITS
            )
    except (OSError, ValueError, pickle.UnpicklingError, zipfile.BadZipFile,
            zlib.error, EOFError) as error:
        if isinstance(error, CorruptFileError):
            raise
        raise CorruptFileError(
            f"datasets: {path} is not a readable sketch-rnn npz ({error}); "
            f"{FIX}."
        ) from None
    for split in splits:
        for drawing in split:
            if drawing.ndim != 2 or drawing.shape[1] != 3:
                raise CorruptFileError(
                    f"datasets: {path} holds a drawing of shape "
                    f"{drawing.shape}; expected stroke-3 (T, 3). {FIX}."
                )
    return splits
