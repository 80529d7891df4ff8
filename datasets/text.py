"""Text corpora for language models: real data sets and embedded defaults.

A corpus is a `TextCorpus`: the raw text of its `train`, `validation` and
(when the data set has one) `test` splits, plus the `level` its models read
(`"char"`: Unicode characters; `"word"`: whitespace-separated words where a
line break is the end-of-sentence token `<eos>`, as in Mikolov's PTB).

| name | level | source | splits |
|---|---|---|---|
| `tinyshakespeare` | char | `input.txt` of karpathy/char-rnn (1,115,394 chars) | nanoGPT's: first 90% train, last 10% validation; no test (evaluation reports validation) |
| `ptb` | word | Mikolov's `ptb.{train,valid,test}.txt` (see `datasets/ptb.py`) | the official three |
| `tang_poetry` | char | 全唐诗, one poem per line (see `datasets/tang_poetry.py`) | whole poems, 1 in 20 to validation, 1 in 20 to test |
| `python_docs` | char | embedded: the English help topics that ship with Python (`pydoc_data.topics`, about 465k chars) | 90/5/5 by position |
| `python_code` | char | embedded: `EMBEDDED_CODE_MODULES` of the standard library's own source (the seeds' "generate Linux kernel code" example) | 90/5/5 by position |

The embedded corpora need no network and no `../shared`; they are
deterministic for a given Python version.
"""

import dataclasses
import os
import pathlib

from datasets import files, ptb, tang_poetry
from datasets.downloads import resolve_file

# karpathy/char-rnn at the commit of ../shared/data/tinyshakespeare/SOURCE.md
# (git blob 7dcb3a2d), 1,115,394 bytes.
TINYSHAKESPEARE_URL = (
    "https://raw.githubusercontent.com/karpathy/char-rnn/"
    "6f9487a6fe5b420b7ca9afb0d7c078e37c1d1b4e/data/tinyshakespeare/input.txt"
)
TINYSHAKESPEARE_SHA256 = (
    "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
)
# nanoGPT's shakespeare_char split: first 90% of the characters train.
TINYSHAKESPEARE_TRAIN_FRACTION = 0.9
# Standard-library modules whose source forms the `python_code` corpus.
EMBEDDED_CODE_MODULES = (
    "argparse", "ast", "calendar", "collections/__init__", "dataclasses",
    "difflib", "enum", "fractions", "functools", "heapq", "inspect",
    "json/decoder", "json/encoder", "pathlib", "pprint", "shlex", "string",
    "textwrap", "tokenize", "typing",
)
CORPORA = ("python_docs", "python_code", "tinyshakespeare", "ptb", "tang_poetry")


@dataclasses.dataclass(frozen=True)
class TextCorpus:
    """The splits of a text corpus.

    Args:
        name: str, the corpus name (one of `CORPORA`).
        level: str, `"char"` or `"word"`.
        train: str, the training text.
        validation: str, the validation text.
        test: str, the test text (`""` when the corpus has no test split).
    """

    name: str  # one of CORPORA
    level: str  # "char" or "word"
    train: str  # training text
    validation: str  # validation text
    test: str = ""  # test text; "" when there is none

    def __post_init__(self):
        if self.level not in ("char", "word"):
            raise ValueError(
                f"Received `level={self.level!r}`; expected 'char' or 'word'."
            )


def split_by_position(
    text: str, train_fraction: float, validation_fraction: float = None
) -> tuple[str, str, str]:
    """Splits text in order: the first part trains, the rest validates/tests.

    Args:
        text: str.
        train_fraction: float in (0, 1), share of characters for training.
        validation_fraction: float or `None`; share for validation, the rest
            is test. `None` gives all the rest to validation and no test.

    Returns:
        `(train, validation, test)` strings.
    """
    if not 0 < train_fraction < 1:
        raise ValueError(
            f"Received `train_fraction={train_fraction}`; expected 0 < x < 1."
        )
    n = int(len(text) * train_fraction)
    if validation_fraction is None:
        return text[:n], text[n:], ""
    m = n + int(len(text) * validation_fraction)
    return text[:n], text[n:m], text[m:]


def load_tinyshakespeare(
    data_dir: os.PathLike | None = None, download: bool = True
) -> TextCorpus:
    """tinyshakespeare with nanoGPT's split (first 90% train, last 10% val).

    Args:
        data_dir: folder holding `input.txt`, or `None` to download it.
        download: bool, whether a missing file may be downloaded.

    Returns:
        `TextCorpus` at char level, no test split.

    Raises:
        FileNotFoundError: if `input.txt` is absent and cannot be fetched.
        files.CorruptFileError: if it is not UTF-8 text.
    """
    path = resolve_file(
        "tinyshakespeare", "input.txt", data_dir, TINYSHAKESPEARE_URL,
        TINYSHAKESPEARE_SHA256,
        source="karpathy/char-rnn: data/tinyshakespeare/input.txt",
        download=download,
    )
    text = files.read_text(path)
    train, validation, _ = split_by_position(
        text, TINYSHAKESPEARE_TRAIN_FRACTION
    )
    return TextCorpus("tinyshakespeare", "char", train, validation)


def python_docs_text() -> str:
    """The English help topics shipped with Python, sorted by topic name."""
    from pydoc_data import topics

    return "\n\n".join(
        topics.topics[name].strip() for name in sorted(topics.topics)
    ) + "\n"


def python_code_text() -> str:
    """The source of `EMBEDDED_CODE_MODULES` from the running Python."""
    stdlib = pathlib.Path(os.__file__).parent
    parts = []
    for module in EMBEDDED_CODE_MODULES:
        path = stdlib / f"{module}.py"
        if path.is_file():
            parts.append(path.read_text(encoding="utf-8"))
    return "\n".join(parts)


def load_embedded(name: str = "python_docs") -> TextCorpus:
    """An embedded corpus (no network, no files): split 90/5/5 in order.

    Args:
        name: `"python_docs"` or `"python_code"`. Defaults to
            `"python_docs"`.

    Returns:
        `TextCorpus` at char level.

    Example:

    >>> corpus = load_embedded("python_docs")
    >>> corpus.level, len(corpus.train) > 100_000
    ('char', True)
    """
    texts = {"python_docs": python_docs_text, "python_code": python_code_text}
    if name not in texts:
        raise ValueError(
            f"Received `name={name!r}`; expected one of {sorted(texts)}."
        )
    train, validation, test = split_by_position(texts[name](), 0.9, 0.05)
    return TextCorpus(name, "char", train, validation, test)


def load_corpus(
    name: str,
    data_dir: os.PathLike | None = None,
    download: bool = True,
    script: str = "simplified",
    poems: str = "all",
) -> TextCorpus:
    """Loads any corpus of `CORPORA` by name.

    Args:
        name: str, one of `CORPORA`.
        data_dir: folder with the data set's files (e.g.
            `../shared/data/ptb`); ignored by the embedded corpora.
        download: bool, whether missing files may be downloaded.
        script: `"simplified"` or `"traditional"`, for `tang_poetry`.
        poems: `"all"` or `"regular"` (only quatrains and regulated verse,
            `tang_poetry.regular_poems`), for `tang_poetry`.

    Returns:
        `TextCorpus`.

    Raises:
        ValueError: for an unknown name.
        FileNotFoundError: if a data set's files are absent (the message
            says which file to put where).
        files.CorruptFileError: if one is truncated or corrupt (naming it).
    """
    if name in ("python_docs", "python_code"):
        return load_embedded(name)
    if name == "tinyshakespeare":
        return load_tinyshakespeare(data_dir, download)
    if name == "ptb":
        train, validation, test = ptb.load_ptb(data_dir, download)
        return TextCorpus("ptb", "word", train, validation, test)
    if name == "tang_poetry":
        if poems not in tang_poetry.POEM_SETS:
            raise ValueError(
                f"Received `poems={poems!r}`; expected one of "
                f"{tang_poetry.POEM_SETS}."
            )
        texts = tang_poetry.load_tang_poems(data_dir, script, download)
        if poems == "regular":
            texts = tang_poetry.regular_poems(texts)
        train, validation, test = tang_poetry.split_poems(texts)
        return TextCorpus(
            "tang_poetry",
            "char",
            tang_poetry.poems_to_text(train),
            tang_poetry.poems_to_text(validation),
            tang_poetry.poems_to_text(test),
        )
    raise ValueError(f"Received `name={name!r}`; expected one of {CORPORA}.")
