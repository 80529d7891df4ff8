"""Checks an exported signature makes on a request before any other work.

A request that fails one gets INVALID_ARGUMENT with the check's message,
which says what to change; every app's signatures share these so that the
same mistake reads the same in every model.
"""


def batch_bound_check(batch, limit: int, what: str):
    """An assert op: `batch <= limit`.

    Args:
        batch: scalar int tensor, the request's item count.
        limit: int, the most items a request may hold.
        what: str, the items in plural (`"prompts"`, `"images"`).

    Returns:
        The assert op, for `tf.control_dependencies`; it fails with "a
        request holds at most {limit} {what}; split it into several
        requests".
    """
    import tensorflow as tf

    return tf.debugging.assert_less_equal(
        batch, limit,
        message=f"a request holds at most {limit} {what}; split it into "
                "several requests")


def at_most_per_request(items, limit: int, what: str):
    """`items` (batch first), once the batch holds at most `limit` items.

    Checked before any per-item work, so an oversized request is refused at
    once and costs no memory.

    Args:
        items: tensor whose first dimension is the request's batch.
        limit: int, the most items a request may hold.
        what: str, the items in plural.

    Returns:
        `items`, computed after `batch_bound_check`.

    Example:

    >>> texts = at_most_per_request(tf.reshape(texts, [-1]), 256, "prompts")
    """
    import tensorflow as tf

    check = batch_bound_check(tf.shape(items)[0], limit, what)
    with tf.control_dependencies([check]):
        return tf.identity(items)


def id_range_checks(ids, vocabulary_size: int, name: str) -> list:
    """Assert ops: every id of `ids` is in `[0, vocabulary_size)`.

    Args:
        ids: int tensor of token ids a client sent back (streaming steps).
        vocabulary_size: int, the model's vocabulary.
        name: str, the input's name in the signature.

    Returns:
        Two assert ops, for `tf.control_dependencies`; they fail with
        "`{name}` ids must be in [0, {vocabulary_size})".
    """
    import tensorflow as tf

    message = f"`{name}` ids must be in [0, {vocabulary_size})"
    return [tf.debugging.assert_non_negative(ids, message=message),
            tf.debugging.assert_less(ids, vocabulary_size, message=message)]
