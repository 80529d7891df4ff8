"""Pure helpers of the decode loops: top-k/top-p filtering, n-gram
blocking, beam bookkeeping.

All functions use `keras.ops` only, trace inside `keras.ops.while_loop`
and take the current write position `index` as a scalar tensor.
"""

from keras import ops

from rnn_layers.constants import NEG_INF


def filter_logits(logits, top_k=0, top_p=1.0):
    """Keeps each row's top-k and top-p tokens, `NEG_INF` elsewhere.

    Top-k (Fan et al. 2018) keeps the `top_k` most probable tokens; top-p
    (nucleus, Holtzman et al. 2020) keeps tokens, most probable first, while
    the mass before them is below `top_p`. Both apply together (the
    intersection), and the most probable token always stays, so `argmax`
    never changes. Ties rank the lower token id first. The result stays in
    vocabulary order, ready for `argmax(logits + gumbel_noise)`.

    Args:
        logits: float `(batch, vocabulary)`, already divided by the
            temperature.
        top_k: int or scalar int tensor; `<= 0` disables. Defaults to `0`.
        top_p: float or scalar float tensor; `>= 1` disables. Defaults to
            `1.0`.

    Returns:
        float32 `(batch, vocabulary)`: `logits` where kept, else `NEG_INF`.

    Example:

    >>> logits = np.log(np.array([[0.1, 0.5, 0.15, 0.25]], "float32"))
    >>> kept = filter_logits(logits, top_k=3, top_p=0.7)
    >>> keras.ops.convert_to_numpy(kept > NEG_INF).tolist()
    [[False, True, False, True]]
    """
    logits = ops.cast(logits, "float32")
    vocabulary = ops.shape(logits)[-1]
    ranked = -ops.sort(-logits, axis=-1)  # (batch, V), descending
    probabilities = ops.softmax(ranked, axis=-1)
    mass = ops.cumsum(probabilities, axis=-1)  # (batch, V)
    mass_before = ops.concatenate(
        [ops.zeros_like(mass[:, :1]), mass[:, :-1]], axis=-1
    )  # (batch, V): the exclusive sum, non-decreasing
    rank = ops.arange(vocabulary, dtype="int32")[None]  # (1, V)
    top_k = ops.cast(top_k, "int32")
    top_p = ops.cast(top_p, "float32")
    keep_k = ops.logical_or(top_k <= 0, rank < top_k)
    keep_p = ops.logical_or(top_p >= 1.0, mass_before < top_p)
    keep = ops.logical_or(ops.logical_and(keep_k, keep_p), rank == 0)
    # `keep` is a prefix of the ranking: back in vocabulary order, a token
    # stays if it beats the last kept value, or ties with it and is among
    # the first (lowest-id) tied tokens that still fit.
    count = ops.sum(ops.cast(keep, "int32"), axis=-1, keepdims=True)  # (b, 1)
    threshold = ops.take_along_axis(ranked, count - 1, axis=-1)  # (batch, 1)
    above = logits > threshold
    tied = logits == threshold
    room = count - ops.sum(ops.cast(above, "int32"), axis=-1, keepdims=True)
    first_tied = ops.cumsum(ops.cast(tied, "int32"), axis=-1) <= room
    kept = ops.logical_or(above, ops.logical_and(tied, first_tied))
    return ops.where(kept, logits, NEG_INF)


def block_repeated_ngrams(logits, tokens, index, ngram_size):
    """Forbids tokens that would repeat an n-gram already in `tokens`.

    The candidate n-gram is `tokens[:, index - n + 1 : index] + [token]`;
    every earlier n-gram `tokens[:, j : j + n]` with `j + n <= index` that
    starts the same way bans its last token (the `no_repeat_ngram_size`
    rule of fairseq and Hugging Face).

    Args:
        logits: `(batch, vocabulary)` scores for position `index`.
        tokens: int `(batch, max_length)`; positions `< index` are decoded.
        index: scalar int tensor, the position about to be written, or
            int `(batch,)` for rows at different positions.
        ngram_size: Python int `n >= 1`.

    Returns:
        `logits` with banned tokens set to `NEG_INF`.
    """
    n = ngram_size
    vocabulary = logits.shape[-1]
    index = ops.cast(ops.convert_to_tensor(index), "int32")
    tokens = ops.cast(tokens, "int32")
    per_row = len(index.shape) == 1
    if per_row:
        index = index[:, None]  # (batch, 1)

    def shift_left(x, k):  # shift_left(x, k)[:, j] == x[:, j + k]
        if k == 0:
            return x
        return ops.concatenate([x[:, k:], ops.zeros_like(x[:, :k])], axis=1)

    match = ops.ones(ops.shape(tokens), dtype="bool")  # (batch, max_length)
    for k in range(n - 1):
        position = ops.maximum(index - n + 1 + k, 0)
        if per_row:
            last_k = ops.take_along_axis(tokens, position, axis=1)[:, 0]
        else:
            last_k = ops.take(tokens, position, axis=1)  # (batch,)
        match = ops.logical_and(match, shift_left(tokens, k) == last_k[:, None])
    starts = ops.arange(ops.shape(tokens)[1], dtype="int32")  # (max_length,)
    match = ops.logical_and(match, starts[None, :] <= index - n)
    banned = shift_left(tokens, n - 1)  # (batch, max_length)
    banned_one_hot = ops.one_hot(banned, vocabulary, dtype="float32")
    hits = ops.max(
        banned_one_hot * ops.cast(match, "float32")[:, :, None], axis=1
    )  # (batch, vocabulary)
    return ops.where(hits > 0, NEG_INF, logits)


def gnmt_length_penalty(lengths, alpha):
    """GNMT length penalty `((5 + |Y|) / 6) ** alpha` (Wu et al. 2016, eq. 14).

    Args:
        lengths: int or float tensor of generated lengths.
        alpha: float, 0 disables the penalty.

    Returns:
        Float tensor shaped like `lengths`.
    """
    return ops.power((5.0 + ops.cast(lengths, "float32")) / 6.0, alpha)


def flatten_beams(x):
    """`(batch, beams, ...) -> (batch * beams, ...)`."""
    return ops.reshape(x, (-1,) + tuple(ops.shape(x)[2:]))


def unflatten_beams(x, num_beams):
    """`(batch * beams, ...) -> (batch, beams, ...)`."""
    return ops.reshape(x, (-1, num_beams) + tuple(ops.shape(x)[1:]))


def repeat_beams(x, num_beams):
    """`(batch, ...) -> (batch * beams, ...)`, each row repeated in place."""
    return flatten_beams(ops.repeat(ops.expand_dims(x, 1), num_beams, axis=1))


def gather_beams(x, beam_indices):
    """Picks beams: `x (batch, beams, ...)`, `beam_indices (batch, k)`."""
    indices = beam_indices
    for axis in range(2, len(x.shape)):
        indices = ops.expand_dims(indices, axis)
    return ops.take_along_axis(x, indices, axis=1)
