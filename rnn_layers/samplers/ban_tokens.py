"""A `next` wrapper that forbids some token ids (e.g. `<pad>`, `<unk>`)."""

import numpy as np
from keras import ops

from rnn_layers.constants import NEG_INF


def ban_tokens(next, token_ids):
    """Wraps a sampler `next` so that `token_ids` are never generated.

    Their logits become `NEG_INF` at every step, so no sampler picks them
    (greedy, random with any filter, beam: they are never among a beam's
    candidates while any allowed token is). Prompt tokens are still copied
    through: the mask of `Sampler` forces them whatever the logits say.

    Args:
        next: `next(prompt, cache, index) -> (logits, hidden_states,
            cache)`, the sampler protocol (e.g. from `recurrent_next`).
        token_ids: sequence of int ids in `[0, vocabulary)`; empty returns
            `next` unchanged.

    Returns:
        A callable of the same protocol whose logits are float32.

    Raises:
        ValueError: for negative ids.

    Example:

    >>> def next(prompt, cache, index):
    ...     return keras.ops.one_hot(keras.ops.full((1,), 2), 4), None, cache
    >>> banned = ban_tokens(next, [2])
    >>> tokens = GreedySampler()(banned, np.zeros((1, 3), "int32"))
    >>> keras.ops.convert_to_numpy(tokens).tolist()
    [[0, 0, 0]]
    """
    banned_ids = checked_token_ids(token_ids)
    if banned_ids.size == 0:
        return next

    def banned_next(prompt, cache, index):
        logits, hidden_states, cache = next(prompt, cache, index)
        return ban_logits(logits, banned_ids), hidden_states, cache

    return banned_next


def checked_token_ids(token_ids) -> np.ndarray:
    """The distinct ids of `token_ids` as int32, sorted.

    Raises:
        ValueError: for negative ids.
    """
    token_ids = np.unique(np.asarray(token_ids, "int64").reshape(-1))
    if token_ids.size and token_ids[0] < 0:
        raise ValueError(
            f"Received `token_ids` with {int(token_ids[0])}; expected "
            "non-negative token ids."
        )
    return token_ids.astype("int32")


def ban_logits(logits, token_ids):
    """`logits` `(..., vocabulary)` as float32, `NEG_INF` at `token_ids`.

    Args:
        logits: float `(..., vocabulary)`.
        token_ids: int32 array of the banned ids (`checked_token_ids`).

    Returns:
        float32 logits of the same shape.
    """
    logits = ops.cast(logits, "float32")
    vocabulary_size = logits.shape[-1]
    if vocabulary_size is None:  # only known when the graph runs
        vocabulary = ops.arange(ops.shape(logits)[-1], dtype="int32")
        banned = ops.any(vocabulary[:, None] == token_ids[None], axis=-1)
    else:  # a constant mask, built once when the step is traced
        banned = np.zeros(vocabulary_size, bool)
        banned[token_ids[token_ids < vocabulary_size]] = True
    return ops.where(banned, NEG_INF, logits)
