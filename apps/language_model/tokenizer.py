"""Tokenizers in Python (training data) and in the TensorFlow graph (serving).

Both sides give the same ids for the same text:

- `"char"` level: one token per Unicode code point. Invalid UTF-8 bytes
  decode to U+FFFD, which (like every character not in the vocabulary)
  becomes `<unk>`.
- `"word"` level: each line break is the end-of-sentence token `<eos>`,
  then whitespace splits words (`datasets.ptb.tokenize_words`); words not in
  the vocabulary become `<unk>`.

The vocabulary is a list of strings (`datasets.vocabulary`): id = index,
`<pad>` = 0, `<unk>` = 1. Every model reads a start token before the text:
the line break at char level and `<eos>` at word level, the token that
precedes every line in training, so an empty prompt is well defined.
The graph side uses tensorflow-text (`UnicodeCharTokenizer`,
`WhitespaceTokenizer`) and `tf.lookup` tables, saved with the model.
"""

import re

import numpy as np

from datasets.ptb import EOS, tokenize_words
from datasets.vocabulary import PAD, UNK

LEVELS = ("char", "word")


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"Received `level={level!r}`; expected one of {LEVELS}.")


def split_tokens(text: str, level: str) -> list[str]:
    """Splits text into token strings (before the vocabulary lookup)."""
    _check_level(level)
    return list(text) if level == "char" else tokenize_words(text)


def start_token(level: str) -> str:
    """The token every sequence starts from: `"\\n"` or `<eos>`."""
    _check_level(level)
    return "\n" if level == "char" else EOS


class Tokenizer:
    """Maps text to ids and back with a fixed vocabulary (numpy side).

    Args:
        vocabulary: list of str, `<pad>`, `<unk>` first.
        level: `"char"` or `"word"`.

    Example:

    >>> tokenizer = Tokenizer(["<pad>", "<unk>", "\\n", "a", "b"], "char")
    >>> tokenizer.encode("abc").tolist()
    [3, 4, 1]
    >>> tokenizer.decode([3, 4, 1])
    'ab<unk>'
    """

    def __init__(self, vocabulary: list[str], level: str):
        _check_level(level)
        if list(vocabulary[:2]) != [PAD, UNK]:
            raise ValueError(
                f"Received a vocabulary starting {vocabulary[:2]}; expected "
                f"[{PAD!r}, {UNK!r}] first."
            )
        if start_token(level) not in vocabulary:
            raise ValueError(
                f"The vocabulary lacks the start token "
                f"{start_token(level)!r}; build it from text with line breaks."
            )
        self.vocabulary = list(vocabulary)
        self.level = level
        self.index = {token: i for i, token in enumerate(self.vocabulary)}
        self.start_id = self.index[start_token(level)]
        self.unk_id = self.index[UNK]

    @property
    def vocabulary_size(self) -> int:
        return len(self.vocabulary)

    @property
    def unsampled_ids(self) -> tuple[int, ...]:
        """Ids generation never picks: `<pad>`, and `<unk>` at char level.

        A character-level `<unk>` stands for characters cut from the
        vocabulary and would print as U+FFFD; a word-level `<unk>` is a
        word of the corpus (PTB writes it), so it stays.
        """
        pad = self.index[PAD]
        return (pad, self.unk_id) if self.level == "char" else (pad,)

    def encode(self, text: str) -> np.ndarray:
        """int32 ids of `text` (no start token)."""
        if self.level == "char":
            return self._encode_chars(text)
        get = self.index.get
        return np.array(
            [get(t, self.unk_id) for t in tokenize_words(text)], "int32"
        )

    def _encode_chars(self, text: str) -> np.ndarray:
        """Vectorised: code points looked up in a sorted table."""
        codes = np.frombuffer(text.encode("utf-32-le"), "<u4")  # (n,)
        known = [(ord(t), i) for t, i in self.index.items() if len(t) == 1]
        table_codes = np.array(sorted(c for c, _ in known), "uint32")
        table_ids = np.array([i for _, i in sorted(known)], "int32")
        where = np.clip(np.searchsorted(table_codes, codes), 0,
                        max(len(table_codes) - 1, 0))
        hit = table_codes[where] == codes
        return np.where(hit, table_ids[where], self.unk_id).astype("int32")

    def decode(self, ids) -> str:
        """Text of `ids` as the graph's `detokenize` writes it.

        `<pad>` prints as nothing; `<unk>` as U+FFFD at char level and as
        `<unk>` at word level; words are joined by single spaces with no
        space around line breaks.
        """
        texts = token_texts(self.vocabulary, self.level)
        pieces = [texts[int(i)] for i in ids]
        if self.level == "char":
            return "".join(pieces)
        joined = "".join(p + " " for p in pieces if p)
        return re.sub(" $", "", re.sub(" ?\n ?", "\n", joined))


def token_texts(vocabulary: list[str], level: str) -> list[str]:
    """What each id prints as (see `Tokenizer.decode`)."""
    shown = {PAD: "", UNK: "\ufffd" if level == "char" else UNK}
    if level == "word":
        shown[EOS] = "\n"
    return [shown.get(t, t) for t in vocabulary]


class GraphTokenizer:
    """The same tokenizer as TensorFlow ops, for the exported graph.

    Create it inside the `ExportArchive` (it holds lookup tables that are
    saved with the model). All methods take and return tensors.

    Args:
        vocabulary: list of str, as for `Tokenizer`.
        level: `"char"` or `"word"`.
    """

    def __init__(self, vocabulary: list[str], level: str):
        import tensorflow as tf
        import tensorflow_text as tf_text

        self.python = Tokenizer(vocabulary, level)
        self.level = level
        if level == "char":
            self._tokenizer = tf_text.UnicodeCharTokenizer()
            keys = [ord(t) for t in vocabulary if len(t) == 1]
            ids = [i for i, t in enumerate(vocabulary) if len(t) == 1]
            key_dtype = tf.int64
        else:
            self._tokenizer = tf_text.WhitespaceTokenizer()
            keys, ids = list(vocabulary), list(range(len(vocabulary)))
            key_dtype = tf.string
        self.table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                tf.constant(keys, key_dtype), tf.constant(ids, tf.int64)
            ),
            default_value=self.python.unk_id,
        )
        # id -> printed text, as `Tokenizer.decode`.
        self.strings = tf.constant(token_texts(vocabulary, level))

    def tokenize(self, texts):
        """`(batch,)` strings -> int32 ragged ids `(batch, None)`."""
        import tensorflow as tf

        if self.level == "char":
            # Invalid bytes decode to U+FFFD, then <unk>.
            codes = self._tokenizer.tokenize(texts)  # ragged (batch, None)
            ids = tf.ragged.map_flat_values(
                self.table.lookup, tf.cast(codes, tf.int64)
            )
        else:
            words = self._tokenizer.tokenize(
                tf.strings.regex_replace(texts, "\n", f" {EOS} ")
            )  # ragged (batch, None) string
            ids = tf.ragged.map_flat_values(self.table.lookup, words)
        return tf.cast(ids, tf.int32)

    def detokenize(self, ids):
        """int `(batch, time)` dense ids -> `(batch,)` strings."""
        import tensorflow as tf

        pieces = tf.gather(self.strings, ids)  # (batch, time) strings
        if self.level == "word":
            pieces = tf.where(tf.equal(pieces, ""), pieces, pieces + " ")
        joined = tf.strings.reduce_join(pieces, axis=-1)  # (batch,)
        if self.level == "char":
            return joined
        return tf.strings.regex_replace(
            tf.strings.regex_replace(joined, " ?\n ?", "\n"), " $", ""
        )
