"""Tests of LayerNormLSTMCell against TF Addons' LayerNormLSTMCell equations."""

import keras
import numpy as np
import pytest

from rnn_layers import RNN
from rnn_layers.cells.layer_norm_lstm_cell import LayerNormLSTMCell
from rnn_layers.layers.layer_norm_lstm import LayerNormLSTM
from tests.rnn_layers.cells import variant_checks
from tests.rnn_layers.cells.variant_references import layer_norm_lstm_step
from tests.test_case import run_layer_test


def make_cell():
    return LayerNormLSTMCell(4)


def test_drop_in_layer():
    run_layer_test(
        LayerNormLSTM,
        {"units": 4, "return_sequences": True},
        input_shape=(2, 5, 3),
        expected_output_shape=(2, 5, 4),
        expected_num_trainable_weights=9,
    )


def test_weight_shapes():
    layer = RNN(make_cell())
    layer.build((2, 5, 3))
    shapes = [tuple(w.shape) for w in layer.weights]
    assert shapes == [(3, 16), (4, 16), (16,), (16,), (16,), (16,), (16,), (4,), (4,)]


def test_outputs_and_states_match_reference():
    variant_checks.check_outputs_and_states(make_cell, layer_norm_lstm_step)


def test_mask_matches_reference():
    variant_checks.check_mask(make_cell, layer_norm_lstm_step)


def test_bidirectional_matches_reference():
    variant_checks.check_bidirectional(make_cell, layer_norm_lstm_step)


def test_dropout_applies_only_in_training():
    variant_checks.check_dropout(LayerNormLSTMCell)


def test_gradients_match_finite_differences():
    variant_checks.check_gradients(make_cell, layer_norm_lstm_step)


def test_rejects_non_positive_epsilon():
    with pytest.raises(ValueError, match="norm_epsilon=0"):
        LayerNormLSTMCell(4, norm_epsilon=0)


def test_state_is_normalized():
    """With unit scale and zero shift the stored cell state has zero mean
    and variance var / (var + epsilon) over its units (TF Addons'
    state_norm)."""
    x = variant_checks.random_inputs()
    layer = RNN(make_cell(), return_state=True)
    _, _, c = layer(x)
    c = keras.ops.convert_to_numpy(c).astype("float64")
    np.testing.assert_allclose(c.mean(axis=-1), 0.0, atol=1e-5)
    assert np.all(c.var(axis=-1) < 1.0) and np.all(c.var(axis=-1) > 0.5)
