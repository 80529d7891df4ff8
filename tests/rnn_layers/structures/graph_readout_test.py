"""Tests of GraphReadout against NumPy pooling."""

import numpy as np
import pytest

from rnn_layers.structures.graph_readout import GraphReadout
from tests.rnn_layers.cells import variant_checks
from tests.rnn_layers.structures import structure_references
from tests.test_case import assert_close

STATES = np.random.default_rng(0).normal(size=(2, 4, 3)).astype("float32")
MASK = np.array([[1, 1, 1, 1], [1, 0, 1, 0]], "float32")


@pytest.mark.parametrize("mode", ["sum", "mean", "max", "attention"])
def test_matches_reference_and_ignores_padding(mode):
    layer = GraphReadout(mode)
    layer.build([STATES.shape, MASK.shape])
    kernel = None
    if mode == "attention":
        kernel = variant_checks.randomize_weights(layer)["kernel"]
    expected = np.stack([
        structure_references.graph_readout(
            STATES[b][MASK[b] > 0].astype("float64"), mode, kernel
        )
        for b in range(2)
    ])
    assert_close(layer([STATES, MASK]), expected, atol=1e-5)
    perm = [3, 1, 0, 2]
    assert_close(
        layer([STATES[:, perm], MASK[:, perm]]), expected, atol=1e-5
    )


def test_round_trip():
    variant_checks.check_model_round_trip(
        GraphReadout("attention"), [STATES, MASK]
    )


def test_rejects_unknown_mode():
    with pytest.raises(ValueError, match="mode='median'"):
        GraphReadout("median")
