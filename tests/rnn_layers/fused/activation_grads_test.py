import keras
import numpy as np
import pytest

from rnn_layers.fused.activation_grads import FUSED_ACTIVATIONS
from rnn_layers.fused.activation_grads import activation_and_grad
from rnn_layers.fused.activation_grads import unsupported_activations
from tests.test_case import assert_close


def test_fused_activations():
    assert FUSED_ACTIVATIONS == ("linear", "relu", "sigmoid", "tanh")


@pytest.mark.parametrize("name", FUSED_ACTIVATIONS)
def test_derivative_from_output_matches_finite_differences(name):
    # float32 as every backend runs it; eps large enough for its rounding.
    x = (np.linspace(-2.0, 2.0, 9) + 0.05).astype("float32")  # no relu kink
    fn, grad = activation_and_grad(keras.activations.get(name))
    eps = 1e-2
    numeric = (np.asarray(fn(x + eps)) - np.asarray(fn(x - eps))) / (2 * eps)
    assert_close(grad(fn(x)), numeric, atol=1e-4)


def test_unsupported_activations_name_the_argument():
    assert unsupported_activations(activation=keras.activations.tanh) is None
    reason = unsupported_activations(
        activation=keras.activations.tanh,
        recurrent_activation=keras.activations.get("hard_sigmoid"),
    )
    assert reason == (
        "`recurrent_activation='hard_sigmoid'` has no hand-written "
        "derivative; the fused loop supports "
        "['linear', 'relu', 'sigmoid', 'tanh']"
    )


def test_unsupported_activation_raises_value_error():
    with pytest.raises(ValueError, match="Received activation 'softsign'"):
        activation_and_grad(keras.activations.softsign)
