"""Tests of IndRNNCell against the IndRNN equation."""

import keras
import numpy as np

from rnn_layers import RNN
from rnn_layers.cells.ind_rnn_cell import IndRNNCell
from rnn_layers.layers.ind_rnn import IndRNN
from tests.rnn_layers.cells import variant_checks
from tests.rnn_layers.cells.variant_references import ind_rnn_step
from tests.test_case import assert_close
from tests.test_case import run_layer_test


def make_cell():
    return IndRNNCell(4)


def test_drop_in_layer():
    run_layer_test(
        IndRNN,
        {"units": 4, "return_sequences": True},
        input_shape=(2, 5, 3),
        expected_output_shape=(2, 5, 4),
        expected_num_trainable_weights=3,
    )


def test_weight_shapes():
    layer = RNN(make_cell())
    layer.build((2, 5, 3))
    shapes = [tuple(w.shape) for w in layer.weights]
    assert shapes == [(3, 4), (4,), (4,)]


def test_outputs_and_states_match_reference():
    variant_checks.check_outputs_and_states(make_cell, ind_rnn_step)


def test_mask_matches_reference():
    variant_checks.check_mask(make_cell, ind_rnn_step)


def test_bidirectional_matches_reference():
    variant_checks.check_bidirectional(make_cell, ind_rnn_step)


def test_dropout_applies_only_in_training():
    variant_checks.check_dropout(IndRNNCell)


def test_gradients_match_finite_differences():
    variant_checks.check_gradients(make_cell, ind_rnn_step)


def test_equals_simple_rnn_with_diagonal_recurrence():
    x = variant_checks.random_inputs()
    layer = RNN(make_cell(), return_sequences=True)
    layer.build(x.shape)
    w = variant_checks.randomize_weights(layer)
    simple = keras.layers.SimpleRNN(4, activation="relu", return_sequences=True)
    simple.build(x.shape)
    simple.set_weights(
        [w["kernel"], np.diag(w["recurrent_kernel"]), w["bias"]]
    )
    assert_close(layer(x), simple(x), atol=1e-5)


def test_default_recurrent_weights_lie_in_unit_interval():
    layer = RNN(IndRNNCell(50))
    layer.build((2, 5, 3))
    u = keras.ops.convert_to_numpy(layer.cell.recurrent_kernel)
    assert u.min() >= 0.0 and u.max() <= 1.0
