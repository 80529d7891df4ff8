"""Vocabularies: built from text, and the vocabulary files of a run.

A vocabulary is a list of distinct strings; a token's id is its index.
The first entries are the reserved tokens, the tokenizer's special tokens
(`datasets.tokenizers`: `<pad>` = 0 fills unused positions, `<unk>` = 1
stands for any token not in the list, then e.g. the start token); the
others follow by decreasing count, ties broken by the token itself, so the
same text always gives the same ids (`build_vocabulary`,
`build_tokenizer`).

Vocabulary files, UTF-8 JSON (a character vocabulary contains the line
break, so one token per line would not do):

- format 2 (`save_tokenizer`, `load_tokenizer`): the tokens with the level,
  special tokens and normalisation they were built with, so a run is
  restored without guessing, e.g.

  ```
  {"format": 2, "level": "word", "normalization": "none",
   "special_tokens": {"pad": "<pad>", "unk": "<unk>", "start": "<eos>",
                      "line_break": "<eos>"},
   "tokens": ["<pad>", "<unk>", "<eos>", "the", ...]}
  ```

  A role set to `null` is switched off (it would otherwise get its
  default from `datasets.tokenizers.default_special_tokens`).
- format 1 (`save_vocabulary`, `load_vocabulary`, older run directories):
  a bare JSON list of the tokens. It does not record the level, so
  `load_tokenizer` needs the caller to give it.
"""

import collections
import os
from typing import Iterable

from datasets import files
from datasets.tokenizers import (
    LEVELS, PAD, REPLACEMENT, SUFFIX_INDICATOR, UNK, Tokenizer,
    default_special_tokens, resolve_special_tokens, split_text)

RESERVED = (PAD, UNK)  # the reserved tokens of a format-1 vocabulary
FORMAT = 2  # vocabulary file format written by `save_tokenizer`
# Where a vocabulary file comes from, for the messages.
VOCABULARY_FIX = (
    "training writes it: restore it from a copy of the run directory or "
    "train again with a new --run_dir"
)


def build_vocabulary(
    tokens: Iterable[str],
    max_size: int | None = None,
    min_count: int = 1,
    reserved: tuple[str, ...] = RESERVED,
) -> list[str]:
    """Builds a vocabulary from a token stream.

    Args:
        tokens: iterable of str tokens (characters or words).
        max_size: int or `None`; the most entries, reserved ones included.
            Defaults to `None` (no limit).
        min_count: int, drop tokens seen fewer times. Defaults to `1`.
        reserved: tuple of distinct str, the first entries whatever their
            counts. Defaults to `RESERVED`.

    Returns:
        list of str, `reserved` first.

    Example:

    >>> build_vocabulary("abracadabra")
    ['<pad>', '<unk>', 'a', 'b', 'r', 'c', 'd']
    """
    if max_size is not None and max_size <= len(reserved):
        raise ValueError(
            f"Received `max_size={max_size}`; expected more than "
            f"{len(reserved)} (the reserved tokens {list(reserved)})."
        )
    counts = collections.Counter(tokens)
    for token in reserved:
        counts.pop(token, None)
    ranked = sorted(
        (t for t, c in counts.items() if c >= min_count),
        key=lambda t: (-counts[t], t),
    )
    vocabulary = list(reserved) + ranked
    if max_size is not None:
        vocabulary = vocabulary[:max_size]
    return vocabulary


def save_vocabulary(path: os.PathLike, vocabulary: list[str]) -> None:
    """Writes a format-1 vocabulary, a JSON list (atomically)."""
    files.write_json(path, list(vocabulary))


def load_vocabulary(path: os.PathLike) -> list[str]:
    """Reads a vocabulary written by `save_vocabulary`.

    Raises:
        FileNotFoundError: if the file is missing.
        files.CorruptFileError: if it is not a JSON list of strings that
            starts with `RESERVED`.
    """
    vocabulary = files.read_json(path, VOCABULARY_FIX)
    if not isinstance(vocabulary, list) or not all(
            isinstance(t, str) for t in vocabulary) or (
            vocabulary[: len(RESERVED)] != list(RESERVED)):
        raise files.CorruptFileError(
            f"datasets: {path} is not a vocabulary (expected a JSON list of "
            f"strings starting with {list(RESERVED)}); {VOCABULARY_FIX}."
        )
    return vocabulary


def build_tokenizer(
    texts: str | bytes | Iterable[str | bytes],
    level: str,
    max_size: int | None = None,
    special_tokens: dict | None = None,
    normalization: str = "none",
    min_count: int = 1,
) -> Tokenizer:
    """Builds a tokenizer from training text.

    The vocabulary holds the special tokens first (`pad`, `unk`, then the
    others in role order), then: at char and word level the tokens of
    `texts` by decreasing count, ties broken by the token itself; at
    subword level the WordPiece vocabulary that tensorflow-text's learner
    (`tensorflow_text.tools.wordpiece_vocab`, the core of
    `bert_vocab_from_dataset`) finds for the words of `texts` split as
    `Tokenizer.split` splits them: every character seen, alone and as a
    `##` piece, then the pieces by count.

    Args:
        texts: str, bytes or an iterable of them (e.g. one caption each).
        level: `"char"`, `"word"` or `"subword"`.
        max_size: int or `None`; the most entries, special tokens included.
            Required at subword level. Defaults to `None` (no limit).
        special_tokens: dict, as for `Tokenizer`. Defaults to `None`.
        normalization: `"none"` or `"lower_words"`. Defaults to `"none"`.
        min_count: int, drop tokens (subword: pieces) seen fewer times.
            Defaults to `1`.

    Returns:
        `Tokenizer`.

    Raises:
        ValueError: for a bad argument; subword level also needs
            `tensorflow_text`.

    Example:

    >>> build_tokenizer("abracadabra\\n", "char").vocabulary
    ['<pad>', '<unk>', '\\n', 'a', 'b', 'r', 'c', 'd']
    """
    roles = resolve_special_tokens(level, normalization, special_tokens)
    reserved = tuple(dict.fromkeys(roles.values()))  # pad, unk first
    if isinstance(texts, (str, bytes)):
        texts = [texts]
    line_break = roles.get("line_break")
    tokens = (token for text in texts for token in split_text(
        text, level, normalization, line_break))
    if level == "char":  # invalid bytes are <unk>, never a token
        tokens = (token for token in tokens if token != REPLACEMENT)
    if level != "subword":
        vocabulary = build_vocabulary(tokens, max_size, min_count, reserved)
        return Tokenizer(vocabulary, level, special_tokens, normalization)
    if max_size is None:
        raise ValueError(
            "Received `max_size=None` with `level='subword'`; WordPiece needs "
            "a target vocabulary size, e.g. 8000.")
    from tensorflow_text.tools.wordpiece_vocab import (
        wordpiece_tokenizer_learner_lib as learner)

    counts = collections.Counter(t for t in tokens if t not in reserved)
    vocabulary = learner.learn(
        counts, vocab_size=max_size, reserved_tokens=list(reserved),
        lower_thresh=min_count, joiner=SUFFIX_INDICATOR)
    return Tokenizer(_cut_wordpieces(vocabulary, max_size, reserved), level,
                     special_tokens, normalization)


def _cut_wordpieces(vocabulary: list[str], max_size: int, reserved) -> list:
    """At most `max_size` tokens, dropping longer pieces before characters.

    The learner may overshoot its target; it lists the `##` characters,
    which every word needs, last, so a plain cut would lose them.
    """
    if len(vocabulary) <= max_size:
        return vocabulary
    first = [t for t in vocabulary if t in reserved
             or len(t.removeprefix(SUFFIX_INDICATOR)) == 1]
    first_set = set(first)
    rest = [t for t in vocabulary if t not in first_set]
    kept = set(first[:max_size] + rest[: max(max_size - len(first), 0)])
    return [t for t in vocabulary if t in kept]


def save_tokenizer(path: os.PathLike, tokenizer: Tokenizer) -> None:
    """Writes the vocabulary file (format 2, see the module docstring).

    Atomic: the file is written next to `path` and renamed over it, so a
    reader never sees half a file.
    """
    roles = {role: None for role in default_special_tokens(
        tokenizer.level, tokenizer.normalization)}  # off unless set below
    files.write_json(path, {
        "format": FORMAT,
        "level": tokenizer.level,
        "normalization": tokenizer.normalization,
        "special_tokens": {**roles, **tokenizer.special_tokens},
        "tokens": tokenizer.vocabulary,
    })


def load_tokenizer(
    path: os.PathLike,
    level: str | None = None,
    special_tokens: dict | None = None,
    normalization: str | None = None,
) -> Tokenizer:
    """Reads a vocabulary file written by `save_tokenizer`.

    A format-2 file records its level, special tokens and normalisation;
    arguments given must agree with it. A format-1 file (a bare JSON list,
    as `datasets.vocabulary.save_vocabulary` wrote) needs `level`, and
    takes `special_tokens` and `normalization` from the arguments.

    Args:
        path: the vocabulary file.
        level: str or `None`; required for a format-1 file. Defaults to
            `None`.
        special_tokens: dict or `None`, as for `Tokenizer`. Defaults to
            `None`.
        normalization: str or `None` (`"none"` for a format-1 file).
            Defaults to `None`.

    Returns:
        `Tokenizer`.

    Raises:
        FileNotFoundError: if the file is missing.
        files.CorruptFileError: if it is not a vocabulary file.
        ValueError: for a format-1 file without `level`, or a format-2
            file that disagrees with the arguments (naming the file).
    """
    if level is not None and level not in LEVELS:
        raise ValueError(
            f"Received `level={level!r}`; expected one of {LEVELS}.")
    document = files.read_json(path, VOCABULARY_FIX)
    if isinstance(document, list):
        if level is None:
            raise ValueError(
                f"datasets: {path} is a format-1 vocabulary (a bare JSON "
                "list) that does not record its level; pass `level` ('char' "
                "for character models, 'word' for PTB and captions).")
        return _tokenizer_from(path, document, level, special_tokens,
                               normalization or "none")
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise files.CorruptFileError(
            f"datasets: {path} is not a vocabulary file (expected a JSON "
            f"object with \"format\": {FORMAT}, or a list of tokens); "
            f"{VOCABULARY_FIX}.")
    stored = {"level": document.get("level"),
              "normalization": document.get("normalization")}
    given = {"level": level, "normalization": normalization}
    stored_roles = document.get("special_tokens")
    if not isinstance(stored_roles, dict):
        raise files.CorruptFileError(
            f"datasets: {path} has no \"special_tokens\" object; "
            f"{VOCABULARY_FIX}.")
    for role, token in (special_tokens or {}).items():
        stored[f"special_tokens[{role!r}]"] = stored_roles.get(role)
        given[f"special_tokens[{role!r}]"] = token
    for name, value in given.items():
        if value is not None and value != stored[name]:
            raise ValueError(
                f"datasets: {path} has {name}={stored[name]!r}, but "
                f"{value!r} was asked for; use a run directory trained with "
                f"{name}={value!r}, or drop the argument.")
    return _tokenizer_from(path, document.get("tokens"), stored["level"],
                           stored_roles, stored["normalization"])


def _tokenizer_from(path, tokens, level, special_tokens, normalization):
    """`Tokenizer(...)`, its errors naming the file."""
    try:
        if not isinstance(tokens, list) or not all(
                isinstance(t, str) for t in tokens):
            raise ValueError("the tokens are not a list of strings")
        return Tokenizer(tokens, level, special_tokens, normalization)
    except ValueError as error:
        raise files.CorruptFileError(
            f"datasets: {path} is not a valid vocabulary ({error}); "
            f"{VOCABULARY_FIX}.") from None
