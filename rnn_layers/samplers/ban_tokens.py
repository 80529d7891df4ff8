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
    token_ids = np.unique(np.asarray(token_ids, "int64").reshape(-1))
    if token_ids.size == 0:
        return next
    if token_ids[0] < 0:
        raise ValueError(
            f"Received `token_ids` with {int(token_ids[0])}; expected "
            "non-negative token ids."
        )
    banned_ids = token_ids.astype("int32")

    def banned_next(prompt, cache, index):
        logits, hidden_states, cache = next(prompt, cache, index)
        logits = ops.cast(logits, "float32")
        vocabulary = ops.arange(ops.shape(logits)[-1], dtype="int32")
        banned = ops.any(vocabulary[:, None] == banned_ids[None], axis=-1)
        return ops.where(banned[None], NEG_INF, logits), hidden_states, cache

    return banned_next
