"""Tests of PeepholeLSTMCell against the seed's peephole equations."""

import keras
import numpy as np

from rnn_layers import RNN
from rnn_layers.cells.peephole_lstm_cell import PeepholeLSTMCell
from rnn_layers.layers.peephole_lstm import PeepholeLSTM
from tests.rnn_layers.cells import variant_checks
from tests.rnn_layers.cells.variant_references import peephole_lstm_step
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
