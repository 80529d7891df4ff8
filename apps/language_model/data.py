"""Token streams and training windows for the language models.

A corpus (`datasets.text.TextCorpus`) becomes one int32 id stream per split,
each starting with the start token (`Tokenizer.start_id`). Training reads
it in one of two layouts:

- random windows (nanoGPT): `inputs[i] = ids[s_i : s_i + T]`,
  `targets[i] = ids[s_i + 1 : s_i + T + 1]` with random starts `s_i`, each
  window read from a zero state;
- contiguous streams (Zaremba et al. 2014, truncated BPTT): the stream is cut
  into `batch_size` equal rows and read left to right `T` steps at a time,
  so row `b` of batch `k + 1` continues row `b` of batch `k` and a stateful
  model carries its state across batches.

Evaluation uses non-overlapping windows (`eval_windows`): the benchmark
protocol scores every `T = 64` character window of the validation split from
a zero state.

The run directory keeps the tokenizer in `VOCABULARY_FILE`, written by the
first `train` of a run (`prepare_tokenizer`) and read by every later command
(`load_tokenizer`).
"""

import pathlib

import numpy as np

from datasets import files
from datasets.text import TextCorpus, load_corpus
from datasets.tokenizers import Tokenizer
from datasets.vocabulary import VOCABULARY_FIX
from datasets.vocabulary import build_tokenizer
from datasets.vocabulary import load_tokenizer as load_tokenizer_file
from datasets.vocabulary import save_tokenizer

VOCABULARY_FILE = "vocabulary.json"


def load_train_corpus(train_config) -> TextCorpus:
    """The corpus a `TrainConfig` names (files from `data_dir`, else download)."""
    return load_corpus(
        train_config.dataset, train_config.data_dir or None,
        script=train_config.script, poems=train_config.poems,
    )


def prepare_tokenizer(
    run_dir, corpus: TextCorpus, max_vocabulary: int = 0
) -> Tokenizer:
    """Writes the run's tokenizer on its first `train`; reads it on a resume.

    Args:
        run_dir: the run directory.
        corpus: the training corpus; its training split builds the
            vocabulary at the corpus's level, the start token (the line
            break) among the special tokens.
        max_vocabulary: int, most entries; `0` keeps all. Defaults to `0`.

    Returns:
        The run's `datasets.tokenizers.Tokenizer`.
    """
    path = pathlib.Path(run_dir) / VOCABULARY_FILE
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        save_tokenizer(path, build_tokenizer(
            corpus.train, corpus.level, max_size=max_vocabulary or None))
    return load_tokenizer(run_dir, corpus.level)


def load_tokenizer(run_dir, legacy_level: str) -> Tokenizer:
    """The run's tokenizer from its `VOCABULARY_FILE`.

    The file records the tokenizer's level; `legacy_level` is used only for
    a vocabulary file of an older run, a bare JSON list without it.

    Args:
        run_dir: the run directory.
        legacy_level: str, `"char"` or `"word"`, the level of a bare-list
            vocabulary file.

    Raises:
        FileNotFoundError: if the run has no vocabulary file yet.
        ValueError: if the file is corrupt (the message names it).
    """
    path = pathlib.Path(run_dir) / VOCABULARY_FILE
    bare_list = isinstance(files.read_json(path, VOCABULARY_FIX), list)
    return load_tokenizer_file(path, legacy_level if bare_list else None)


def encode_split(tokenizer: Tokenizer, text: str) -> np.ndarray:
    """int32 ids `(n + 1,)`: the start token then the text's tokens."""
    return np.concatenate(
        [np.array([tokenizer.start_id], "int32"), tokenizer.encode(text)]
    )


def random_windows(
    ids: np.ndarray, count: int, length: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """`count` random windows of `length` tokens and their next tokens.

    Returns:
        `(inputs, targets)`, int32 `(count, length)` each.

    Raises:
        ValueError: if the stream is shorter than `length + 1` tokens.
    """
    if len(ids) < length + 1:
        raise ValueError(
            f"Received a stream of {len(ids)} tokens for windows of "
            f"`sequence_length={length}`; expected at least {length + 1}. "
            "Use a shorter --sequence_length or more text."
        )
    starts = rng.integers(0, len(ids) - length, size=count)  # (count,)
    offsets = starts[:, None] + np.arange(length + 1)[None]  # (count, T+1)
    windows = ids[offsets]
    return windows[:, :-1], windows[:, 1:]


def stream_rows(ids: np.ndarray, batch_size: int) -> np.ndarray:
    """Cuts a stream into `batch_size` contiguous rows `(batch, n // batch)`."""
    per_row = len(ids) // batch_size
    if per_row < 2:
        raise ValueError(
            f"Received a stream of {len(ids)} tokens for `batch_size="
            f"{batch_size}` rows; expected at least 2 tokens per row."
        )
    return ids[: per_row * batch_size].reshape(batch_size, per_row)


def stream_batches(
    ids: np.ndarray, batch_size: int, length: int, first: int, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """Batches `first .. first + count - 1` of the truncated-BPTT layout.

    Batch `k` holds columns `[k T, (k + 1) T)` of `stream_rows`, wrapping
    around after the last full batch (a new pass over the data).

    Returns:
        `(inputs, targets)` int32 `(count * batch_size, length)`, ordered so
        that `fit(..., batch_size=batch_size, shuffle=False)` feeds batch
        `first`, then `first + 1`, ...
    """
    rows = stream_rows(ids, batch_size)  # (batch, per_row)
    per_pass = (rows.shape[1] - 1) // length
    if per_pass < 1:
        raise ValueError(
            f"Rows of {rows.shape[1]} tokens are too short for "
            f"`sequence_length={length}`; lower it or the batch size."
        )
    inputs, targets = [], []
    for k in range(first, first + count):
        start = (k % per_pass) * length
        inputs.append(rows[:, start : start + length])
        targets.append(rows[:, start + 1 : start + length + 1])
    return np.concatenate(inputs), np.concatenate(targets)


def batches_per_pass(ids: np.ndarray, batch_size: int, length: int) -> int:
    """How many truncated-BPTT batches make one pass over the stream."""
    return (len(ids) // batch_size - 1) // length


def eval_windows(
    ids: np.ndarray, length: int
) -> tuple[np.ndarray, np.ndarray]:
    """All non-overlapping windows of `length` predictions in the stream.

    Window `i` reads `ids[i T : i T + T]` and predicts
    `ids[i T + 1 : i T + T + 1]`; a shorter tail is dropped.

    Returns:
        `(inputs, targets)` int32 `(n_windows, length)`.
    """
    count = (len(ids) - 1) // length
    if count < 1:
        raise ValueError(
            f"Received {len(ids)} tokens; expected more than {length} for "
            "one evaluation window."
        )
    inputs = ids[: count * length].reshape(count, length)
    targets = ids[1 : count * length + 1].reshape(count, length)
    return inputs, targets
