"""Activations the fused loops support, with derivatives from their outputs.

The hand-written backward passes store activation *outputs* and need the
derivative expressed through them: sigmoid' = y (1 - y), tanh' = 1 - y^2,
relu' = [y > 0], linear' = 1. Any other activation makes the fused path raise
`NotImplementedError`, and the sequence layer falls back to the generic loop.
"""

from keras import activations
from keras import ops


def _sigmoid_grad(y):
    return y * (1.0 - y)


def _tanh_grad(y):
    return 1.0 - ops.square(y)


def _relu_grad(y):
    return ops.cast(y > 0, y.dtype)


def _linear_grad(y):
    return ops.ones_like(y)


_GRADIENTS = {
    "sigmoid": (ops.sigmoid, _sigmoid_grad),
    "tanh": (ops.tanh, _tanh_grad),
    "relu": (ops.relu, _relu_grad),
    "linear": (lambda x: x, _linear_grad),
}


def activation_and_grad(activation):
    """Returns `(fn, grad_from_output)` for a supported activation.

    Args:
        activation: a Keras activation function (e.g. `cell.activation`).

    Returns:
        A pair of callables: the activation, and its derivative written as a
        function of the activation's output.

    Raises:
        NotImplementedError: for activations without an output-form
            derivative; callers fall back to autodiff.
    """
    name = activations.serialize(activation)
    if isinstance(name, dict):
        name = name.get("config", name.get("class_name"))
    if name not in _GRADIENTS:
        raise NotImplementedError(
            f"The fused loop supports activations {sorted(_GRADIENTS)}; "
            f"received {name!r}."
        )
    return _GRADIENTS[name]
