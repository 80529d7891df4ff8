"""Sequence losses: per-token cross-entropy with a mask.

`masked_sequence_loss` follows the reductions of TF Addons'
`tfa.seq2seq.sequence_loss` (averages divide by the sum of the weights,
sums divide by the number of nonzero weights).
"""

from keras import ops


def _reduce(loss, weights, axis, by_count):
    total = ops.sum(loss, axis=axis)
    if by_count:
        denominator = ops.sum(ops.cast(weights != 0, loss.dtype), axis=axis)
    else:
        denominator = ops.sum(weights, axis=axis)
    return ops.divide_no_nan(total, denominator)


def masked_sequence_loss(
    labels,
    logits,
    mask=None,
    average_across_timesteps=True,
    average_across_batch=True,
    sum_over_timesteps=False,
    sum_over_batch=False,
    from_logits=True,
):
    """Weighted per-token sparse cross-entropy over `(batch, time)`.

    Args:
        labels: int tensor `(batch, time)`.
        logits: float tensor `(batch, time, vocabulary)`; probabilities when
            `from_logits=False`.
        mask: optional `(batch, time)` weights (bool or float); padding gets
            0. Defaults to `None` (all ones).
        average_across_timesteps: divide the sum over time by the summed
            weights. Defaults to `True`.
        average_across_batch: divide the sum over the batch by the summed
            weights. Defaults to `True`.
        sum_over_timesteps: divide the sum over time by the number of
            nonzero weights. Defaults to `False`.
        sum_over_batch: divide the sum over the batch by the number of
            nonzero weights. Defaults to `False`.
        from_logits: whether `logits` are logits. Defaults to `True`.

    Returns:
        A scalar when reducing both axes, `(batch,)` when reducing time only,
        `(time,)` when reducing batch only, else `(batch, time)`.

    Raises:
        ValueError: when an average and a sum are requested for the same
            axis.

    Example:

    >>> labels = np.array([[1, 2, 0]])
    >>> logits = np.zeros((1, 3, 4), "float32")
    >>> mask = np.array([[1, 1, 0]], "float32")
    >>> round(float(masked_sequence_loss(labels, logits, mask)), 4)
    1.3863
    """
    if average_across_timesteps and sum_over_timesteps:
        raise ValueError(
            "Received `average_across_timesteps=True` and "
            "`sum_over_timesteps=True`; choose at most one."
        )
    if average_across_batch and sum_over_batch:
        raise ValueError(
            "Received `average_across_batch=True` and `sum_over_batch=True`; "
            "choose at most one."
        )
    logits = ops.cast(logits, "float32")
    loss = ops.sparse_categorical_crossentropy(
        labels, logits, from_logits=from_logits
    )  # (batch, time)
    if mask is None:
        weights = ops.ones_like(loss)
    else:
        weights = ops.cast(mask, loss.dtype)
    loss = loss * weights
    if average_across_timesteps and average_across_batch:
        return _reduce(loss, weights, None, by_count=False)
    if sum_over_timesteps and sum_over_batch:
        return _reduce(loss, weights, None, by_count=True)
    if average_across_timesteps or average_across_batch:
        # As in TF Addons, a sum on the other axis is then ignored.
        axis = 0 if average_across_batch else 1
        return _reduce(loss, weights, axis, by_count=False)
    if sum_over_timesteps or sum_over_batch:
        axis = 0 if sum_over_batch else 1
        return _reduce(loss, weights, axis, by_count=True)
    return loss
