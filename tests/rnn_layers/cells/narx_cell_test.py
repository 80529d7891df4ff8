"""Tests of NARXCell against the NARX equation."""

import pytest

from rnn_layers import RNN
from rnn_layers.cells.narx_cell import NARXCell
from tests.rnn_layers.cells import variant_checks
from tests.rnn_layers.cells.variant_references import narx_step


def make_cell():
    return NARXCell(4, output_units=2, output_delays=3)


def test_weight_shapes():
    layer = RNN(make_cell())
    layer.build((2, 5, 3))
    shapes = [tuple(w.shape) for w in layer.weights]
    assert shapes == [(3, 4), (6, 4), (4, 2), (4,), (2,)]


def test_outputs_and_states_match_reference():
    variant_checks.check_outputs_and_states(make_cell, narx_step)


def test_mask_matches_reference():
    variant_checks.check_mask(make_cell, narx_step)


def test_bidirectional_matches_reference():
    variant_checks.check_bidirectional(make_cell, narx_step)


def test_gradients_match_finite_differences():
    variant_checks.check_gradients(make_cell, narx_step)


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="output_delays=0"):
        NARXCell(4, output_units=1, output_delays=0)
    with pytest.raises(ValueError, match="recurrent_dropout=0.1"):
        NARXCell(4, output_units=1, recurrent_dropout=0.1)
