"""Sequence losses: per-token cross-entropy with a mask.

`masked_sequence_loss` follows the reductions of TF Addons'
`tfa.seq2seq.sequence_loss` (averages divide by the sum of the weights,
sums divide by the number of nonzero weights).

Under a `tf.distribute` strategy each replica sees a slice of the global
batch. A loss averaged over the whole batch then divides by the weights of
the *global* batch (`sum_over_replicas`), the convention of
`tf.nn.compute_average_loss`: the replicas' scalar losses add up to the
single-device loss, and so do their gradients.
"""

import keras
from keras import ops


def sum_over_replicas(value):
    """The sum of `value` over the replicas of a `tf.distribute` step.

    `value` itself outside a multi-replica `tf.distribute` step and off the
    TensorFlow backend (JAX's `keras.distribution` computes a loss over the
    global batch already).

    Args:
        value: a tensor, the same shape on every replica.

    Returns:
        A tensor of `value`'s shape.

    Example:

    >>> weights = ops.ones((4, 3))
    >>> float(sum_over_replicas(ops.sum(weights)))  # one device
    12.0
    """
    if keras.backend.backend() != "tensorflow":
        return value
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return value
    return context.all_reduce(tf.distribute.ReduceOp.SUM, value)


def replica_count() -> int:
    """Replicas of the current `tf.distribute` strategy; 1 off TensorFlow.

    Example:

    >>> replica_count()  # outside any strategy
    1
    """
    if keras.backend.backend() != "tensorflow":
        return 1
    import tensorflow as tf

    return tf.distribute.get_strategy().num_replicas_in_sync


def _reduce(loss, weights, axis, by_count):
    total = ops.sum(loss, axis=axis)
    if by_count:
        denominator = ops.sum(ops.cast(weights != 0, loss.dtype), axis=axis)
    else:
        denominator = ops.sum(weights, axis=axis)
    if axis is None:  # a mean over the batch: the global batch's weights
        denominator = sum_over_replicas(denominator)
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
