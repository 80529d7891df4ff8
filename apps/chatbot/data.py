"""Dialogue pairs as token ids: what the chatbot reads and writes.

A message is the conversation so far, one turn per line, oldest first
(`datasets.dialogues.TURN_SEPARATOR`, a line break); the model answers its
last turn. Encoding a message (`encode_message`, and the same steps in the
exported graph):

1. only the last `max_tokens * MAX_BYTES_PER_TOKEN` bytes are kept (a
   1 MB message costs no more than a short one), read as UTF-8 with
   invalid bytes as U+FFFD;
2. the text is split into turns at line breaks; each turn has its ASCII
   whitespace runs (`" \\t\\n\\v\\f\\r"`) made single spaces and its ends
   stripped, and is tokenized (`datasets.tokenizers`); turns without tokens
   are dropped, and only the last `context_turns` are kept;
3. the turns' ids are joined by the `<sep>` token and only the last
   `max_tokens` ids are kept. No turns left is an empty message.

A reply is `[<s>, reply ids (at most max_reply_tokens), </s>]`: the decoder
reads it without its last token and predicts it without its first.
Arrays are right-padded with `<pad>` (id 0).

One tokenizer reads both sides (so encoder and decoder may share their
embeddings): its special tokens are `SPECIAL_TOKENS`, its level `"char"`
for Chinese corpora and `"subword"` (WordPiece) for the others unless
`--level` says otherwise. It is saved as `vocabulary.json`
(`VOCABULARY_FILE`) in the run directory.

Corpora (`--corpus`): `chatterbot_english` and `chatterbot_chinese`
(embedded, `pip install chatterbot-corpus`), `dailydialog` and `cornell`
(`--data_dir` with their files), `parallel` (`--data_dir` is a
`source TAB target` file: the same app trains a translator).
"""

import re

import numpy as np

from datasets import dialogues
from datasets.tokenizers import Tokenizer
from datasets.vocabulary import build_tokenizer

CORPORA = ("chatterbot_english", "chatterbot_chinese", "dailydialog",
           "cornell", "parallel")
CHINESE_CORPORA = ("chatterbot_chinese",)
LEVELS = ("auto", "char", "word", "subword")
SPECIAL_TOKENS = {
    "pad": "<pad>",
    "unk": "<unk>",
    "start": "<s>",
    "end": "</s>",
    "separator": "<sep>",
    "line_break": None,  # a message's line breaks separate turns
}
VOCABULARY_FILE = "vocabulary.json"
# Bytes of a message read per token kept (WordPiece reads at most 100 bytes
# per word; longer words are <unk>).
MAX_BYTES_PER_TOKEN = 128
ASCII_WHITESPACE = " \t\n\v\f\r"  # what `tf.strings.strip` strips
_SPACES = re.compile(f"[{ASCII_WHITESPACE}]+")


def corpus_level(corpus: str, level: str) -> str:
    """The tokenizer level of a corpus: `level`, or for `"auto"` `"char"`
    for Chinese and `"subword"` otherwise.

    Example:

    >>> corpus_level("chatterbot_chinese", "auto")
    'char'
    """
    if level != "auto":
        return level
    return "char" if corpus in CHINESE_CORPORA else "subword"


def read_dialogues(corpus: str, data_dir: str) -> list[list[str]]:
    """All dialogues of a corpus without official splits."""
    if corpus == "cornell":
        return dialogues.read_cornell(data_dir)
    if corpus == "parallel":
        return [list(pair) for pair in dialogues.read_parallel(data_dir)]
    return dialogues.read_chatterbot(corpus.removeprefix("chatterbot_"))


def load_pairs(
    corpus: str, data_dir: str, split: str, context_turns: int
) -> list[tuple[str, str]]:
    """The `(context, reply)` pairs of one split of a corpus.

    Args:
        corpus: str, one of `CORPORA`.
        data_dir: str, the corpus's folder (`parallel`: its file); unused
            by the embedded corpora.
        split: `"train"`, `"validation"` or `"test"`.
        context_turns: int, turns of history per context (a parallel
            file's source is one turn).

    Returns:
        list of `(context, reply)` str pairs (see
        `datasets.dialogues.dialogue_pairs`).

    Raises:
        ValueError: for an unknown corpus or split.
        FileNotFoundError: if the corpus's files are missing.

    Example:

    >>> load_pairs("chatterbot_english", "", "train", 1)[0][0]
    'What is AI?'
    """
    if corpus not in CORPORA:
        raise ValueError(
            f"Received `corpus={corpus!r}`; expected one of {CORPORA}.")
    if corpus == "dailydialog":  # official splits
        chosen = dialogues.read_dailydialog(data_dir, split)
    else:
        chosen = dialogues.split_dialogues(
            read_dialogues(corpus, data_dir), split)
    return dialogues.dialogue_pairs(chosen, context_turns)


def build_chat_tokenizer(
    pairs: list[tuple[str, str]], level: str, max_vocabulary: int
) -> Tokenizer:
    """A tokenizer of `SPECIAL_TOKENS` learnt from the pairs' turns.

    Each distinct turn counts once, so a turn repeated in many contexts
    does not dominate the vocabulary.
    """
    turns = {turn for context, reply in pairs
             for turn in dialogues.split_turns(context) + [reply]}
    return build_tokenizer(
        sorted(turns), level, max_size=max_vocabulary or None,
        special_tokens=SPECIAL_TOKENS)


def message_tail(message: str | bytes, max_tokens: int) -> str:
    """The last `max_tokens * MAX_BYTES_PER_TOKEN` bytes as text (step 1).

    Example:

    >>> message_tail("x" * 1000 + "é", 1)[-3:]
    'xxé'
    """
    if isinstance(message, str):
        message = message.encode("utf-8", "surrogatepass")
    return message[-max_tokens * MAX_BYTES_PER_TOKEN:].decode(
        "utf-8", "replace")


def message_turns(text: str) -> list[str]:
    """Turns of a message at line breaks, whitespace cleaned (step 2).

    Empty turns are kept here; the tokenizer decides what is empty.

    Example:

    >>> message_turns(" Hi \\t there\\nHow are you?")
    ['Hi there', 'How are you?']
    """
    return [_SPACES.sub(" ", turn).strip(ASCII_WHITESPACE)
            for turn in text.split(dialogues.TURN_SEPARATOR)]


def encode_message(
    tokenizer: Tokenizer, message: str | bytes, max_tokens: int,
    context_turns: int,
) -> np.ndarray:
    """int32 ids of a message's context, as the module docstring describes.

    Args:
        tokenizer: the run's tokenizer.
        message: str or bytes, turns separated by line breaks.
        max_tokens: int, most ids kept (the last ones).
        context_turns: int, most turns kept (the last ones).

    Returns:
        int32 `(length,)` with `length <= max_tokens`; empty for an empty
        message.
    """
    separator = tokenizer.token_id("separator")
    turns = [tokenizer.encode(turn)
             for turn in message_turns(message_tail(message, max_tokens))]
    turns = [ids for ids in turns if len(ids)][-context_turns:]
    pieces = []
    for ids in turns:
        if pieces:
            pieces.append(np.array([separator], "int32"))
        pieces.append(ids)
    ids = np.concatenate(pieces) if pieces else np.zeros(0, "int32")
    return ids[-max_tokens:].astype("int32")


def encode_reply(
    tokenizer: Tokenizer, reply: str, max_reply_tokens: int
) -> np.ndarray:
    """int32 `[<s>, ids[:max_reply_tokens], </s>]` of a reply."""
    ids = tokenizer.encode(reply)[:max_reply_tokens]
    return np.concatenate([[tokenizer.start_id], ids,
                           [tokenizer.end_id]]).astype("int32")


def pad_rows(rows: list[np.ndarray], length: int) -> np.ndarray:
    """int32 `(len(rows), length)`: each row right-padded with 0."""
    array = np.zeros((len(rows), length), "int32")
    for index, row in enumerate(rows):
        array[index, :len(row)] = row
    return array


def encode_pairs(
    tokenizer: Tokenizer,
    pairs: list[tuple[str, str]],
    max_context_tokens: int,
    max_reply_tokens: int,
    context_turns: int,
) -> tuple[dict, np.ndarray]:
    """The teacher-forced arrays of `pairs`.

    Pairs whose context has no tokens are dropped. Arrays are padded to the
    longest row of all pairs (at most the maxima), so every batch of a run
    has the same shape.

    Returns:
        `({"context": int32 (n, Tc), "reply": int32 (n, Tr)}, targets int32
        (n, Tr))` with `Tr <= max_reply_tokens + 1`: the decoder reads
        `reply`, `<s>` first, and predicts `targets`, `</s>` last.
    """
    contexts, replies = [], []
    for context, reply in pairs:
        ids = encode_message(tokenizer, context, max_context_tokens,
                             context_turns)
        if len(ids):
            contexts.append(ids)
            replies.append(encode_reply(tokenizer, reply, max_reply_tokens))
    if not contexts:
        raise ValueError(
            f"None of the {len(pairs)} pairs has a context with tokens; "
            "check the corpus (--corpus, --data_dir)."
        )
    context_length = max(len(row) for row in contexts)
    reply_length = max(len(row) for row in replies) - 1
    context = pad_rows(contexts, context_length)
    reply = pad_rows(replies, reply_length + 1)
    return ({"context": context, "reply": reply[:, :-1]}, reply[:, 1:])
