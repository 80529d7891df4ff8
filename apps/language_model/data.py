"""Token streams and training windows for the language models.

A corpus (`datasets.text.TextCorpus`) becomes one int32 id stream per split,
each starting with the start token (`tokenizer.start_token`). Training reads
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
"""

import numpy as np

from apps.language_model.tokenizer import Tokenizer, split_tokens, start_token
from datasets.text import TextCorpus
from datasets.vocabulary import build_vocabulary


def corpus_vocabulary(
    corpus: TextCorpus, max_size: int | None = None
) -> list[str]:
    """The vocabulary of the training split (plus the start token)."""
    tokens = split_tokens(corpus.train, corpus.level)
    vocabulary = build_vocabulary(tokens, max_size=max_size)
    if start_token(corpus.level) not in vocabulary:
        vocabulary.append(start_token(corpus.level))
    return vocabulary


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
