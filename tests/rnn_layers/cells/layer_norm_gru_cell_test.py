"""Tests of LayerNormGRUCell against the GRU equations with layer norm."""

import pytest

from rnn_layers import RNN
from rnn_layers.cells.layer_norm_gru_cell import LayerNormGRUCell
from rnn_layers.layers.layer_norm_gru import LayerNormGRU
from tests.rnn_layers.cells import variant_checks
from tests.rnn_layers.cells.variant_references import layer_norm_gru_step
from tests.test_case import run_layer_test


def make_cell():
    return LayerNormGRUCell(4)


def test_drop_in_layer():
    run_layer_test(
        LayerNormGRU,
        {"units": 4, "return_sequences": True},
        input_shape=(2, 5, 3),
        expected_output_shape=(2, 5, 4),
        expected_num_trainable_weights=7,
    )


def test_weight_shapes():
    layer = RNN(make_cell())
    layer.build((2, 5, 3))
    shapes = [tuple(w.shape) for w in layer.weights]
    assert shapes == [(3, 12), (4, 12), (12,), (12,), (12,), (12,), (12,)]


def test_outputs_and_states_match_reference():
    variant_checks.check_outputs_and_states(make_cell, layer_norm_gru_step)


def test_mask_matches_reference():
    variant_checks.check_mask(make_cell, layer_norm_gru_step)


def test_bidirectional_matches_reference():
    variant_checks.check_bidirectional(make_cell, layer_norm_gru_step)


def test_dropout_applies_only_in_training():
    variant_checks.check_dropout(LayerNormGRUCell)


def test_gradients_match_finite_differences():
    variant_checks.check_gradients(make_cell, layer_norm_gru_step)


def test_rejects_non_positive_epsilon():
    with pytest.raises(ValueError, match="norm_epsilon=-1"):
        LayerNormGRUCell(4, norm_epsilon=-1)
