"""Tests of PeepholeLSTMCell against the seed's peephole equations."""

import keras
import numpy as np
import pytest

from rnn_layers import RNN
from rnn_layers.cells.peephole_lstm_cell import PeepholeLSTMCell
from rnn_layers.layers.peephole_lstm import PeepholeLSTM
from tests.rnn_layers.cells import variant_checks
from tests.rnn_layers.cells.variant_references import peephole_lstm_step
from tests.rnn_layers.layers.keras_parity import MASKS
from tests.rnn_layers.parity import outputs_and_gradients
from tests.test_case import assert_close
from tests.test_case import run_layer_test


def make_cell():
    return PeepholeLSTMCell(4)


def test_drop_in_layer():
    run_layer_test(
        PeepholeLSTM,
        {"units": 4, "return_sequences": True},
        input_shape=(2, 5, 3),
        expected_output_shape=(2, 5, 4),
        expected_num_trainable_weights=6,
    )


def test_weight_shapes():
    layer = RNN(make_cell())
    layer.build((2, 5, 3))
    shapes = [tuple(w.shape) for w in layer.weights]
    assert shapes == [(3, 16), (4, 16), (16,), (4,), (4,), (4,)]


def test_outputs_and_states_match_reference():
    variant_checks.check_outputs_and_states(make_cell, peephole_lstm_step)


def test_mask_matches_reference():
    variant_checks.check_mask(make_cell, peephole_lstm_step)


def test_bidirectional_matches_reference():
    variant_checks.check_bidirectional(make_cell, peephole_lstm_step)


def test_dropout_applies_only_in_training():
    variant_checks.check_dropout(PeepholeLSTMCell)


def test_gradients_match_finite_differences():
    variant_checks.check_gradients(make_cell, peephole_lstm_step)


def test_zero_peepholes_equal_keras_lstm():
    x = variant_checks.random_inputs()
    layer = RNN(
        PeepholeLSTMCell(4, peephole_initializer="zeros"),
        return_sequences=True,
    )
    lstm = keras.layers.LSTM(4, return_sequences=True)
    lstm.build(x.shape)
    layer.build(x.shape)
    for weight, value in zip(layer.weights, lstm.get_weights()):
        weight.assign(value)
    assert_close(layer(x), lstm(x), atol=1e-5)


def test_unit_forget_bias():
    layer = RNN(PeepholeLSTMCell(4))
    layer.build((2, 5, 3))
    bias = keras.ops.convert_to_numpy(layer.cell.bias)
    np.testing.assert_array_equal(bias, [0] * 4 + [1] * 4 + [0] * 8)


@pytest.mark.parametrize("mask_name", ["none", "mixed"])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("jit", [False, True])
def test_fused_loop_matches_stepping_with_gradients(mask_name, go_backwards,
                                                    jit):
    # The fused loop's hand-written backward (peephole terms included)
    # against autodiff of the stepped cell: outputs, states, all gradients.
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 6, 4)).astype("float32")
    states = [rng.normal(size=(3, 5)).astype("float32") for _ in range(2)]
    layers = [
        RNN(PeepholeLSTMCell(5), return_sequences=True, return_state=True,
            go_backwards=go_backwards, fused=fused)
        for fused in (True, False)
    ]
    for layer in layers:
        layer.build(x.shape)
    weights = [
        (0.5 * rng.normal(size=w.shape)).astype("float32")
        for w in layers[0].get_weights()
    ]
    results = []
    for layer in layers:
        layer.set_weights(weights)
        results.append(outputs_and_gradients(
            layer, x, mask=MASKS[mask_name], initial_state=states, jit=jit
        ))
    (fused_out, fused_grads), (step_out, step_grads) = results
    assert len(fused_grads) == len(step_grads) == 1 + 2 + 6
    for a, b in zip(fused_out + fused_grads, step_out + step_grads):
        assert_close(a, b, atol=1e-5)
