"""Vocabularies: token lists with reserved ids, built from token counts.

A vocabulary is a list of distinct strings; a token's id is its index.
The first entries are the reserved tokens (`RESERVED`: `<pad>` = 0 fills
unused positions, `<unk>` = 1 stands for any token not in the list); the
others follow by decreasing count, ties broken by the token itself, so the
same text always gives the same ids. Stored as a JSON list (a character
vocabulary contains the line break, so one token per line would not do).
"""

import collections
import json
import os
from typing import Iterable

PAD = "<pad>"
UNK = "<unk>"
RESERVED = (PAD, UNK)


def build_vocabulary(
    tokens: Iterable[str], max_size: int | None = None, min_count: int = 1
) -> list[str]:
    """Builds a vocabulary from a token stream.

    Args:
        tokens: iterable of str tokens (characters or words).
        max_size: int or `None`; the most entries, reserved ones included.
            Defaults to `None` (no limit).
        min_count: int, drop tokens seen fewer times. Defaults to `1`.

    Returns:
        list of str, `RESERVED` first.

    Example:

    >>> build_vocabulary("abracadabra")
    ['<pad>', '<unk>', 'a', 'b', 'r', 'c', 'd']
    """
    counts = collections.Counter(tokens)
    for token in RESERVED:
        counts.pop(token, None)
    ranked = sorted(
        (t for t, c in counts.items() if c >= min_count),
        key=lambda t: (-counts[t], t),
    )
    vocabulary = list(RESERVED) + ranked
    if max_size is not None:
        if max_size <= len(RESERVED):
            raise ValueError(
                f"Received `max_size={max_size}`; expected more than "
                f"{len(RESERVED)} (the reserved tokens)."
            )
        vocabulary = vocabulary[:max_size]
    return vocabulary


def save_vocabulary(path: os.PathLike, vocabulary: list[str]) -> None:
    """Writes the vocabulary as a JSON list (atomically)."""
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(list(vocabulary), handle, ensure_ascii=False)
    os.replace(tmp, path)


def load_vocabulary(path: os.PathLike) -> list[str]:
    """Reads a vocabulary written by `save_vocabulary`."""
    with open(path, encoding="utf-8") as handle:
        vocabulary = json.load(handle)
    if list(vocabulary[: len(RESERVED)]) != list(RESERVED):
        raise ValueError(
            f"Vocabulary {path} does not start with {RESERVED}; write it "
            "with `datasets.vocabulary.save_vocabulary`."
        )
    return vocabulary
