"""Activations the fused loops support, with derivatives from their outputs.

The hand-written backward passes store activation *outputs* and need the
derivative expressed through them: sigmoid' = y (1 - y), tanh' = 1 - y^2,
relu' = [y > 0], linear' = 1. A cell whose activations are all among
`FUSED_ACTIVATIONS` can take a fused loop; `unsupported_activations` says why
another cannot, and the cells' `fused_support()` reports it.
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

# Names of the activations the fused loops differentiate by hand.
FUSED_ACTIVATIONS = tuple(sorted(_GRADIENTS))


def activation_name(activation):
    """The serialized name of a Keras activation (e.g. `"tanh"`)."""
    name = activations.serialize(activation)
    if isinstance(name, dict):
        name = name.get("config", name.get("class_name"))
    return name


def unsupported_activations(**named_activations):
    """Why these activations cannot run a fused loop, or `None`.

    Args:
        **named_activations: the cell's activations by argument name, e.g.
            `activation=cell.activation`.

    Returns:
        `None` when every activation is in `FUSED_ACTIVATIONS`, else a
        sentence naming the first argument that is not.
    """
    for argument, activation in named_activations.items():
        name = activation_name(activation)
        if name not in _GRADIENTS:
            return (
                f"`{argument}={name!r}` has no hand-written derivative; the "
                f"fused loop supports {list(FUSED_ACTIVATIONS)}"
            )
    return None


def activation_and_grad(activation):
    """Returns `(fn, grad_from_output)` for a supported activation.

    Args:
        activation: a Keras activation function (e.g. `cell.activation`).

    Returns:
        A pair of callables: the activation, and its derivative written as a
        function of the activation's output.

    Raises:
        ValueError: for an activation outside `FUSED_ACTIVATIONS` (check
            with `unsupported_activations` first, or step the cell).
    """
    name = activation_name(activation)
    if name not in _GRADIENTS:
        raise ValueError(
            f"Received activation {name!r}; the fused loops support "
            f"{list(FUSED_ACTIVATIONS)}. Run the cell with "
            "`rnn_layers.RNN(cell, fused=False)` instead."
        )
    return _GRADIENTS[name]
