"""Tests of NoForgetGateLSTMCell against the seed's equations."""

import keras
import numpy as np

from rnn_layers import RNN
from rnn_layers.cells.no_forget_gate_lstm_cell import NoForgetGateLSTMCell
from rnn_layers.layers.no_forget_gate_lstm import NoForgetGateLSTM
from tests.rnn_layers.cells import variant_checks
from tests.rnn_layers.cells.variant_references import no_forget_gate_lstm_step
from tests.test_case import assert_close
from tests.test_case import run_layer_test


def make_cell():
    return NoForgetGateLSTMCell(4)


def test_drop_in_layer():
    run_layer_test(
        NoForgetGateLSTM,
        {"units": 4, "return_sequences": True},
        input_shape=(2, 5, 3),
        expected_output_shape=(2, 5, 4),
        expected_num_trainable_weights=3,
    )


def test_weight_shapes():
    layer = RNN(make_cell())
    layer.build((2, 5, 3))
    shapes = [tuple(w.shape) for w in layer.weights]
    assert shapes == [(3, 12), (4, 12), (12,)]


def test_outputs_and_states_match_reference():
    variant_checks.check_outputs_and_states(make_cell, no_forget_gate_lstm_step)


def test_mask_matches_reference():
    variant_checks.check_mask(make_cell, no_forget_gate_lstm_step)


def test_bidirectional_matches_reference():
    variant_checks.check_bidirectional(make_cell, no_forget_gate_lstm_step)


def test_dropout_applies_only_in_training():
    variant_checks.check_dropout(NoForgetGateLSTMCell)


def test_gradients_match_finite_differences():
    variant_checks.check_gradients(make_cell, no_forget_gate_lstm_step)


def test_equals_keras_lstm_with_saturated_forget_gate():
    """An LSTM whose forget gate is sigmoid(100) = 1 never forgets."""
    x = variant_checks.random_inputs()
    layer = RNN(make_cell(), return_sequences=True)
    layer.build(x.shape)
    w = variant_checks.randomize_weights(layer)
    split = lambda a: np.split(a, 3, axis=-1)  # i, c, o
    k_i, k_c, k_o = split(w["kernel"])
    r_i, r_c, r_o = split(w["recurrent_kernel"])
    b_i, b_c, b_o = split(w["bias"])
    lstm = keras.layers.LSTM(4, return_sequences=True)
    lstm.build(x.shape)
    lstm.set_weights([
        np.concatenate([k_i, np.zeros_like(k_i), k_c, k_o], axis=-1),
        np.concatenate([r_i, np.zeros_like(r_i), r_c, r_o], axis=-1),
        np.concatenate([b_i, np.full_like(b_i, 100.0), b_c, b_o], axis=-1),
    ])
    assert_close(layer(x), lstm(x), atol=1e-5)


def test_fused_path_matches_stepping_backwards():
    """Forwards, the fused path is what every reference check above runs."""
    variant_checks.check_fused_matches_stepping(make_cell, go_backwards=True)
