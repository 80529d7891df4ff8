"""Pure attention math shared by the attention layers.

Every function takes and returns backend tensors (or NumPy arrays) and uses
`keras.ops` only, so each can be checked against a NumPy reference.

Shapes use `batch`, `time` (memory positions) and `depth` (memory features).

References:
    Bahdanau, Cho, Bengio 2015, "Neural Machine Translation by Jointly
    Learning to Align and Translate" (additive score, eq. 6 of appendix A).
    Luong, Pham, Manning 2015, "Effective Approaches to Attention-based Neural
    Machine Translation" (dot and general scores, eq. 8).
    Salimans, Kingma 2016, "Weight Normalization" (normalised Bahdanau).
    Graves 2013, "Generating Sequences With Recurrent Neural Networks",
    section 5, eq. 46-51 (Gaussian window).
"""

from keras import ops

from rnn_layers.constants import NEG_INF


def masked_softmax(scores, mask=None):
    """Softmax over the last axis that gives masked positions zero weight.

    Args:
        scores: float tensor `(batch, time)`.
        mask: optional boolean tensor `(batch, time)`, `True` where the
            memory position is valid. Defaults to `None` (all valid).

    Returns:
        Float tensor `(batch, time)` of alignments summing to 1 over valid
        positions. A row with no valid position is all zeros.
    """
    scores = ops.cast(scores, "float32")
    if mask is None:
        return ops.softmax(scores, axis=-1)
    mask = ops.cast(mask, "bool")
    scores = ops.where(mask, scores, NEG_INF)
    alignments = ops.softmax(scores, axis=-1)
    return alignments * ops.cast(mask, alignments.dtype)


def bahdanau_score(processed_query, keys, v, g=None, b=None):
    """Additive score `v^T tanh(keys + W_q q)` (Bahdanau et al. 2015).

    With `g` and `b` the score is weight-normalised (Salimans & Kingma 2016):
    `g * v / ||v||` replaces `v` and `b` is added inside the tanh.

    Args:
        processed_query: `(batch, units)`, the query after its projection.
        keys: `(batch, time, units)`, the memory after its projection.
        v: `(units,)` score vector.
        g: optional scalar gain for the normalised form. Defaults to `None`.
        b: optional `(units,)` bias for the normalised form. Defaults to
            `None`.

    Returns:
        Scores `(batch, time)`.
    """
    hidden = keys + ops.expand_dims(processed_query, 1)  # (batch, time, units)
    if g is not None:
        v = g * v / ops.sqrt(ops.sum(ops.square(v)))
    if b is not None:
        hidden = hidden + b
    return ops.sum(v * ops.tanh(hidden), axis=-1)  # (batch, time)


def luong_score(query, keys, scale=None):
    """Multiplicative score `q^T k` (Luong et al. 2015, eq. 8).

    For the "general" form pass `keys = memory @ W`; for "dot", the memory.

    Args:
        query: `(batch, depth)`.
        keys: `(batch, time, depth)`.
        scale: optional scalar multiplying the scores. Defaults to `None`.

    Returns:
        Scores `(batch, time)`.
    """
    scores = ops.einsum("bd,btd->bt", query, keys)
    if scale is not None:
        scores = scale * scores
    return scores


def attention_context(alignments, memory):
    """Weighted sum of the memory, `c = sum_t a_t m_t`.

    Args:
        alignments: `(batch, time)`.
        memory: `(batch, time, depth)`.

    Returns:
        Context `(batch, depth)`.
    """
    alignments = ops.cast(alignments, memory.dtype)
    return ops.einsum("bt,btd->bd", alignments, memory)


def gaussian_window_phi(alpha, beta, kappa, num_positions):
    """Graves' soft window weights `phi(t, u)` (2013, eq. 46).

    `phi(t, u) = sum_k alpha_k exp(-beta_k (kappa_k - u)^2)` for positions
    `u = 0 .. num_positions - 1`.

    Args:
        alpha: `(batch, K)` importances (already exponentiated).
        beta: `(batch, K)` widths (already exponentiated).
        kappa: `(batch, K)` locations.
        num_positions: int or scalar tensor, how many positions to score.

    Returns:
        `(batch, num_positions)` window weights.
    """
    positions = ops.cast(ops.arange(num_positions), kappa.dtype)  # (U,)
    distance = ops.expand_dims(kappa, -1) - positions  # (batch, K, U)
    terms = ops.expand_dims(alpha, -1) * ops.exp(
        -ops.expand_dims(beta, -1) * ops.square(distance)
    )
    return ops.sum(terms, axis=1)  # (batch, U)


def window_finished(phi, lengths):
    """Graves' stopping rule: the window has passed the last character.

    True where `phi(t, U)` at the position just after the last character
    (`u = length`) exceeds `phi(t, u)` of every real character `u < length`.

    Args:
        phi: `(batch, max_length + 1)` from `GaussianWindow` (one column past
            the longest sequence).
        lengths: int tensor `(batch,)`, number of real characters.

    Returns:
        Boolean tensor `(batch,)`.
    """
    lengths = ops.cast(lengths, "int32")
    positions = ops.arange(ops.shape(phi)[-1])  # (U + 1,)
    is_real = positions[None, :] < lengths[:, None]  # (batch, U + 1)
    best_real = ops.max(ops.where(is_real, phi, -1.0), axis=-1)
    past_end = ops.take_along_axis(phi, lengths[:, None], axis=-1)[:, 0]
    return past_end > best_real
