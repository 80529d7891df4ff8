"""Tokenizers in Python (training data) and in the TensorFlow graph (serving).

`Tokenizer` (numpy) and `GraphTokenizer` (TensorFlow ops, saved with an
exported model) give the same ids for the same text and print the same
text for the same ids. The text first becomes valid UTF-8 (invalid bytes
decode to U+FFFD), then is normalised (`normalization`), then split:

- `"char"`: one token per Unicode code point (Chinese is written at this
  level). Characters not in the vocabulary, U+FFFD included, are `<unk>`.
- `"word"`: the `line_break` token (default `<eos>`, Mikolov's PTB
  convention) replaces each line break, then whitespace (the Unicode
  White_Space characters) splits words; words not in the vocabulary are
  `<unk>`.
- `"subword"`: words as at word level, each split into WordPiece tokens
  (greedy longest match first; a piece inside a word starts with `##`, as
  in BERT). A word with a character the vocabulary lacks, or longer than
  `MAX_BYTES_PER_WORD` bytes, is `<unk>`. Vocabularies are learnt by
  tensorflow-text's WordPiece vocabulary learner (`build_tokenizer`).

Normalisations: `"none"`, or `"lower_words"`: ASCII letters lower-cased,
then only words of letters and digits are kept (with an apostrophe suffix
such as `dog's`), joined by single spaces: `"A Dog's ball ."` -> `"a dog's
ball"`. This is the captions' normalisation; it drops line breaks.

Special tokens are named by role (`special_tokens`): `pad` (id 0), `unk`
(id 1), `start` (what every sequence starts from), and optionally `end`,
`line_break` (word and subword levels) and any other role (e.g.
`separator` between dialogue turns). `default_special_tokens` gives the
language models' defaults: `start` is the line break (`"\\n"` at char level,
`<eos>` otherwise), so an empty prompt is well defined.

Printing ids (`Tokenizer.decode`, `GraphTokenizer.detokenize`): ids from the
first `end` token on print nothing; `pad` prints nothing; `unk` prints
U+FFFD at char level and its token otherwise. At char level one-character
tokens print as themselves and longer (special) tokens as nothing. At word
and subword level `line_break` prints as a line break, other special tokens
as nothing, and tokens are joined by single spaces, except that a `##`
piece joins the previous token; there are no spaces around line breaks.

Vocabularies are built from text, saved and loaded with their level,
special tokens and normalisation by `datasets.vocabulary`
(`build_tokenizer`, `save_tokenizer`, `load_tokenizer`).
"""

import collections
import re

import numpy as np

LEVELS = ("char", "word", "subword")
NORMALIZATIONS = ("none", "lower_words")
PAD = "<pad>"  # the default `pad` token, id 0
UNK = "<unk>"  # the default `unk` token, id 1
EOS = "<eos>"  # the default line-break token (Mikolov's PTB)
SUFFIX_INDICATOR = "##"  # starts a WordPiece piece inside a word
MAX_BYTES_PER_WORD = 100  # longer words are <unk> (tensorflow-text's default)
REPLACEMENT = "\ufffd"  # what invalid UTF-8 bytes decode to
# Unicode White_Space beyond ASCII, as a regex class body. Words split on
# these and ASCII whitespace (Python's `str.split` also splits on U+001C to
# U+001F; tensorflow-text's WhitespaceTokenizer cuts words next to the
# multi-byte ones wrongly, so the graph turns them into spaces first).
_UNICODE_SPACES = "\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_WHITESPACE = re.compile(f"[\t\n\v\f\r {_UNICODE_SPACES}]+")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")  # a word kept by lower_words
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                             "abcdefghijklmnopqrstuvwxyz")


def _check_choice(name: str, value: str, choices: tuple) -> None:
    if value not in choices:
        raise ValueError(
            f"Received `{name}={value!r}`; expected one of {choices}.")


def normalize(text: str, normalization: str) -> str:
    """Applies a normalisation (see the module docstring) to `text`.

    Example:

    >>> normalize("A Dog's ball , RED.\\n", "lower_words")
    "a dog's ball red"
    """
    _check_choice("normalization", normalization, NORMALIZATIONS)
    if normalization == "none":
        return text
    return " ".join(_WORD.findall(text.translate(_ASCII_LOWER)))


def default_special_tokens(
    level: str, normalization: str = "none"
) -> dict[str, str]:
    """The language models' special tokens at `level`.

    `pad` and `unk` always; `start` is `"\\n"` at char level and `<eos>`
    otherwise, where `<eos>` is also the `line_break` token unless the
    normalisation removes line breaks.

    Example:

    >>> default_special_tokens("char")
    {'pad': '<pad>', 'unk': '<unk>', 'start': '\\n'}
    """
    _check_choice("level", level, LEVELS)
    _check_choice("normalization", normalization, NORMALIZATIONS)
    if level == "char":
        return {"pad": PAD, "unk": UNK, "start": "\n"}
    if normalization == "lower_words":
        return {"pad": PAD, "unk": UNK, "start": EOS}
    return {"pad": PAD, "unk": UNK, "start": EOS, "line_break": EOS}


def resolve_special_tokens(
    level: str, normalization: str = "none", special_tokens: dict | None = None
) -> dict[str, str]:
    """`special_tokens` over the defaults, without the roles set to `None`.

    Raises:
        ValueError: if `pad`, `unk` or `start` is missing, a token is not a
            non-empty string, contains whitespace at word or subword level,
            or `line_break` is given at char level.
    """
    roles = {**default_special_tokens(level, normalization),
             **(special_tokens or {})}
    roles = {role: token for role, token in roles.items() if token is not None}
    for role in ("pad", "unk", "start"):
        if role not in roles:
            raise ValueError(
                f"Received `special_tokens={special_tokens}` without a "
                f"{role!r} token; every tokenizer needs one.")
    if level == "char" and "line_break" in roles:
        raise ValueError(
            "Received a `line_break` special token at `level='char'`, where "
            "a line break is the character '\\n'; drop it.")
    for role, token in roles.items():
        if not isinstance(token, str) or not token or (
                level != "char" and _WHITESPACE.search(token)):
            raise ValueError(
                f"Received special token {role}={token!r}; expected a "
                "non-empty string" + ("" if level == "char" else
                                      " without whitespace") + ".")
    return roles


def split_words(text: str, line_break: str | None = None) -> list[str]:
    """Whitespace-separated words, with `line_break` for every line break.

    Example:

    >>> split_words(" a b \\n c\\n", "<eos>")
    ['a', 'b', '<eos>', 'c', '<eos>']
    """
    if line_break is not None:
        text = text.replace("\n", f" {line_break} ")
    return [word for word in _WHITESPACE.split(text) if word]


def split_text(
    text: str | bytes,
    level: str,
    normalization: str = "none",
    line_break: str | None = None,
) -> list[str]:
    """Characters (char level) or words (word, subword) of `text`.

    Bytes decode as UTF-8, invalid ones to U+FFFD; then `normalize`, then
    `list` or `split_words`.

    Example:

    >>> split_text(b"Hi!\\xff", "char")
    ['H', 'i', '!', '\\ufffd']
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = normalize(text, normalization)
    return list(text) if level == "char" else split_words(text, line_break)


class Tokenizer:
    """Maps text to ids and back with a fixed vocabulary (numpy side).

    Args:
        vocabulary: list of distinct str, the tokens by id: the `pad` token
            first, the `unk` token second, and every special token in it.
        level: `"char"`, `"word"` or `"subword"`.
        special_tokens: dict role -> token merged over
            `default_special_tokens(level, normalization)`; a role set to
            `None` is removed. Defaults to `None` (the defaults).
        normalization: `"none"` or `"lower_words"`. Defaults to `"none"`.

    Example:

    >>> tokenizer = Tokenizer(["<pad>", "<unk>", "\\n", "a", "b"], "char")
    >>> tokenizer.encode("abc").tolist()
    [3, 4, 1]
    >>> tokenizer.decode([3, 4, 1])
    'ab\\ufffd'
    """

    def __init__(
        self,
        vocabulary: list[str],
        level: str,
        special_tokens: dict | None = None,
        normalization: str = "none",
    ):
        self.special_tokens = resolve_special_tokens(
            level, normalization, special_tokens)
        self.vocabulary = list(vocabulary)
        self.level = level
        self.normalization = normalization
        self.index = {token: i for i, token in enumerate(self.vocabulary)}
        self._check_vocabulary()
        self.unk_id = self.index[self.special_tokens["unk"]]
        self.start_id = self.index[self.special_tokens["start"]]
        end = self.special_tokens.get("end")
        self.end_id = None if end is None else self.index[end]
        if level == "char":  # code points -> ids, sorted for `searchsorted`
            known = sorted((ord(t), i) for t, i in self.index.items()
                           if len(t) == 1)
            self._codes = np.array([c for c, _ in known], "uint32")
            self._code_ids = np.array([i for _, i in known], "int32")
        self._texts, self._glued = self._printing()

    def _check_vocabulary(self) -> None:
        if len(self.index) != len(self.vocabulary):
            repeated = [t for t, n in collections.Counter(
                self.vocabulary).items() if n > 1]
            raise ValueError(
                f"The vocabulary repeats {repeated[:5]}; expected distinct "
                "tokens (a token's id is its index).")
        reserved = [self.special_tokens["pad"], self.special_tokens["unk"]]
        if self.vocabulary[:2] != reserved:
            raise ValueError(
                f"Received a vocabulary starting {self.vocabulary[:2]}; "
                f"expected {reserved} first (`pad` = 0, `unk` = 1).")
        for role, token in self.special_tokens.items():
            if token not in self.index:
                raise ValueError(
                    f"The vocabulary lacks the {role} token {token!r}; build "
                    "it with `datasets.vocabulary.build_tokenizer`, which "
                    "reserves the special tokens.")

    @property
    def vocabulary_size(self) -> int:
        """Number of ids."""
        return len(self.vocabulary)

    @property
    def pad_id(self) -> int:
        """Id of the `pad` token: 0."""
        return 0

    def token_id(self, role: str) -> int:
        """Id of the special token of `role`, e.g. `"separator"`."""
        if role not in self.special_tokens:
            raise ValueError(
                f"Received `role={role!r}`; this tokenizer's special tokens "
                f"are {sorted(self.special_tokens)}.")
        return self.index[self.special_tokens[role]]

    @property
    def unsampled_ids(self) -> tuple[int, ...]:
        """Ids generation never picks: `pad`, and `unk` at char level.

        A character-level `<unk>` stands for characters cut from the
        vocabulary and would print as U+FFFD; a word-level `<unk>` is a
        word of the corpus (PTB writes it), so it stays.
        """
        return (0, self.unk_id) if self.level == "char" else (0,)

    def split(self, text: str | bytes) -> list[str]:
        """Token strings of `text` before the id lookup (see module doc).

        At subword level unknown words are already the `unk` token.
        """
        words = split_text(text, self.level, self.normalization,
                           self.special_tokens.get("line_break"))
        if self.level != "subword":
            return words
        pieces = {word: self._wordpiece(word) for word in set(words)}
        return [piece for word in words for piece in pieces[word]]

    def _wordpiece(self, word: str) -> list[str]:
        """WordPiece pieces of one word, as `tensorflow_text` splits it."""
        unknown = [self.special_tokens["unk"]]
        if len(word.encode("utf-8")) > MAX_BYTES_PER_WORD:
            return unknown
        pieces, start = [], 0
        while start < len(word):
            for end in range(len(word), start, -1):  # longest match first
                piece = word[start:end]
                if start > 0:
                    piece = SUFFIX_INDICATOR + piece
                if piece in self.index:
                    break
            else:
                return unknown
            pieces.append(piece)
            start = end
        return pieces

    def encode(self, text: str | bytes) -> np.ndarray:
        """int32 ids of `text` (no start token); bytes decode as UTF-8."""
        if self.level == "char":
            return self._encode_chars("".join(self.split(text)))
        get = self.index.get
        return np.array([get(t, self.unk_id) for t in self.split(text)],
                        "int32")

    def _encode_chars(self, text: str) -> np.ndarray:
        """Vectorised: code points looked up in a sorted table."""
        codes = np.frombuffer(text.encode("utf-32-le"), "<u4")  # (n,)
        if not len(self._codes):
            return np.full(len(codes), self.unk_id, "int32")
        where = np.minimum(np.searchsorted(self._codes, codes),
                           len(self._codes) - 1)  # (n,)
        hit = self._codes[where] == codes
        return np.where(hit, self._code_ids[where], self.unk_id).astype(
            "int32")

    def token_texts(self) -> tuple[list[str], list[bool]]:
        """What each id prints as, and whether it joins the previous token.

        Returns:
            `(texts, glued)`: lists of `vocabulary_size` str and bool (see
            "Printing ids" in the module docstring).
        """
        return list(self._texts), list(self._glued)

    def _printing(self) -> tuple[list[str], list[bool]]:
        """`token_texts`, computed once."""
        specials = set(self.special_tokens.values())
        texts, glued = [], []
        for token in self.vocabulary:
            glue = False
            if token == self.special_tokens["pad"]:
                text = ""
            elif token == self.special_tokens["unk"]:
                text = REPLACEMENT if self.level == "char" else token
            elif self.level == "char":
                text = token if len(token) == 1 else ""
            elif token == self.special_tokens.get("line_break"):
                text = "\n"
            elif token in specials:
                text = ""
            elif self.level == "subword" and token.startswith(
                    SUFFIX_INDICATOR):
                text, glue = token[len(SUFFIX_INDICATOR):], True
            else:
                text = token
            texts.append(text)
            glued.append(glue)
        return texts, glued

    def decode(self, ids) -> str:
        """Text of `ids`, as `GraphTokenizer.detokenize` writes it."""
        ids = [int(i) for i in ids]
        if self.end_id in ids:
            ids = ids[: ids.index(self.end_id)]
        texts, glued = self._texts, self._glued
        if self.level == "char":
            return "".join(texts[i] for i in ids)
        joined = "".join(
            texts[i] if glued[i] or not texts[i] else " " + texts[i]
            for i in ids)
        return re.sub("^ ", "", re.sub(" ?\n ?", "\n", joined))


class GraphTokenizer:
    """The same tokenizer as TensorFlow ops, for the exported graph.

    Build it where the `keras.export.ExportArchive` is built and track
    `tables` (`archive.track(graph_tokenizer.tables)`): the lookup tables
    are saved with the model. Needs `tensorflow`, and at subword level
    `tensorflow_text` (also when the SavedModel is loaded).

    Args:
        tokenizer: `Tokenizer`, whose vocabulary, level, special tokens and
            normalisation it applies.

    Example:

    >>> import tensorflow as tf
    >>> python = Tokenizer(["<pad>", "<unk>", "\\n", "a", "b"], "char")
    >>> graph = GraphTokenizer(python)
    >>> graph.tokenize(tf.constant(["abc"])).to_list()
    [[3, 4, 1]]
    """

    def __init__(self, tokenizer: Tokenizer):
        import tensorflow as tf

        self.tokenizer = tokenizer
        self.tables = tf.Module(name="tokenizer_tables")
        vocabulary = tokenizer.vocabulary
        if tokenizer.level == "char":
            pairs = [(ord(t), i) for i, t in enumerate(vocabulary)
                     if len(t) == 1]
            keys = tf.constant([k for k, _ in pairs], tf.int64)
            values = tf.constant([i for _, i in pairs], tf.int64)
        else:
            keys = tf.constant(vocabulary, tf.string)
            values = tf.range(len(vocabulary), dtype=tf.int64)
        initializer = tf.lookup.KeyValueTensorInitializer(keys, values)
        if tokenizer.level == "subword":
            import tensorflow_text as tf_text

            # Out-of-vocabulary lookups land in the one extra bucket, which
            # tells the WordPiece kernel that a candidate piece is unknown.
            self.tables.ids = tf.lookup.StaticVocabularyTable(
                initializer, num_oov_buckets=1)
            self._wordpiece = tf_text.WordpieceTokenizer(
                self.tables.ids, suffix_indicator=SUFFIX_INDICATOR,
                max_bytes_per_word=MAX_BYTES_PER_WORD,
                token_out_type=tf.int64,
                unknown_token=tokenizer.special_tokens["unk"])
        else:
            self.tables.ids = tf.lookup.StaticHashTable(
                initializer, default_value=tokenizer.unk_id)
        texts, glued = tokenizer.token_texts()
        self._texts = tf.constant(texts, tf.string)  # id -> printed text
        self._glued = tf.constant(glued, tf.bool)  # id -> joins previous

    def _normalize(self, texts):
        import tensorflow as tf

        texts = tf.strings.unicode_transcode(
            texts, "UTF-8", "UTF-8", errors="replace",
            replacement_char=ord(REPLACEMENT))
        if self.tokenizer.normalization == "lower_words":
            texts = tf.strings.lower(texts)  # ASCII letters only
            # Each kept word becomes " word ", any other character " ".
            texts = tf.strings.regex_replace(
                texts, f"(?s)({_WORD.pattern})|.", r" \1 ")
            texts = tf.strings.regex_replace(texts, " +", " ")
            texts = tf.strings.regex_replace(texts, "^ | $", "")
        return texts

    def tokenize(self, texts):
        """`(batch,)` strings -> int32 ragged ids `(batch, None)`."""
        import tensorflow as tf

        texts = self._normalize(texts)
        if self.tokenizer.level == "char":
            codes = tf.strings.unicode_decode(texts, "UTF-8")  # (batch, None)
            ids = tf.ragged.map_flat_values(
                self.tables.ids.lookup, tf.cast(codes, tf.int64))
            return tf.cast(ids, tf.int32)
        line_break = self.tokenizer.special_tokens.get("line_break")
        if line_break is not None:
            rewrite = line_break.replace("\\", "\\\\")
            texts = tf.strings.regex_replace(texts, "\n", f" {rewrite} ")
        texts = tf.strings.regex_replace(texts, f"[{_UNICODE_SPACES}]", " ")
        words = tf.strings.split(texts)  # (batch, None) strings
        if self.tokenizer.level == "word":
            ids = tf.ragged.map_flat_values(self.tables.ids.lookup, words)
        else:
            ids = self._wordpiece.tokenize(words)  # (batch, words, pieces)
            ids = ids.merge_dims(1, 2)
        return tf.cast(ids, tf.int32)

    def detokenize(self, ids):
        """int `(batch, time)` dense ids -> `(batch,)` strings."""
        import tensorflow as tf

        ids = tf.convert_to_tensor(ids)
        pieces = tf.gather(self._texts, ids)  # (batch, time) strings
        end_id = self.tokenizer.end_id
        if end_id is not None:  # nothing from the first end token on
            seen_end = tf.cumsum(tf.cast(tf.equal(ids, end_id), tf.int32),
                                 axis=-1)
            pieces = tf.where(seen_end > 0, "", pieces)
        if self.tokenizer.level != "char":
            glued = tf.gather(self._glued, ids)  # (batch, time)
            spaced = tf.logical_and(tf.not_equal(pieces, ""),
                                    tf.logical_not(glued))
            pieces = tf.where(spaced, " " + pieces, pieces)
        joined = tf.strings.reduce_join(pieces, axis=-1)  # (batch,)
        if self.tokenizer.level == "char":
            return joined
        return tf.strings.regex_replace(
            tf.strings.regex_replace(joined, " ?\n ?", "\n"), "^ ", "")
