"""Upstream gradients as the custom-gradient rules receive them."""

from keras import ops


def upstream_gradients(upstream, outputs):
    """Normalises the upstream gradients a custom-gradient rule receives.

    TensorFlow calls the rule with one gradient per output (`None` for an
    unused output); JAX calls it with a single tuple. Both become a tuple of
    tensors shaped like `outputs`.

    Args:
        upstream: the positional arguments the rule received.
        outputs: the tuple of forward outputs.

    Returns:
        A tuple with one gradient tensor per output.
    """
    if len(upstream) == 1 and len(outputs) > 1:
        upstream = tuple(upstream[0])
    return tuple(
        ops.zeros_like(out) if grad is None else grad
        for grad, out in zip(upstream, outputs)
    )
