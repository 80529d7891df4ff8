"""Adapter from a recurrent step function to the sampler `next` protocol."""


def recurrent_next(step_fn):
    """Builds `next(prompt, cache, index)` from a recurrent step function.

    The step protocol: `step_fn(tokens, states) -> (logits, new_states)`
    with `tokens` int `(batch,)`, `states` the tuple of recurrent states
    (e.g. `(h, c)` per LSTM layer) and `logits` `(batch, vocabulary)` for
    the following token. The returned `next` feeds `prompt[:, index - 1]`,
    so each generated token costs one step and the prefix is never re-run.

    Args:
        step_fn: callable as above, built from the decoder's layers (for
            example an `Embedding`, cells called as `cell(x, states)` and a
            `Dense` projection).

    Returns:
        A callable `next(prompt, cache, index) -> (logits, None, cache)`
        for any `rnn_layers` sampler, with `cache` the states tuple.

    Example:

    >>> embedding = keras.layers.Embedding(10, 4)
    >>> cell = keras.layers.GRUCell(8)
    >>> head = keras.layers.Dense(10)
    >>> def step_fn(tokens, states):
    ...     output, new_states = cell(embedding(tokens), list(states))
    ...     return head(output), tuple(new_states)
    >>> next = recurrent_next(step_fn)
    >>> prompt = np.ones((2, 6), "int32")
    >>> cache = (keras.ops.zeros((2, 8)),)
    >>> tuple(GreedySampler()(next, prompt, cache).shape)
    (2, 6)
    """

    def next(prompt, cache, index):
        tokens = prompt[:, index - 1]  # (batch,); fewer ops than `take`
        logits, cache = step_fn(tokens, tuple(cache))
        return logits, None, tuple(cache)

    return next
