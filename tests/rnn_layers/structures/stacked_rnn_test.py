"""Tests of StackedRNN: deep, deep bidirectional and residual stacks."""

import numpy as np
import pytest

from rnn_layers import GRUCell
from rnn_layers import LSTMCell
from rnn_layers.structures.stacked_rnn import StackedRNN
from tests.rnn_layers.cells import variant_checks
from tests.rnn_layers.cells.variant_references import lstm_step
from tests.rnn_layers.cells.variant_references import run_sequence
from tests.test_case import assert_close
from tests.test_case import run_layer_test


def zeros(units):
    return [np.zeros((2, units)), np.zeros((2, units))]


def test_layer():
    run_layer_test(
        StackedRNN,
        {"cells": [LSTMCell(4), GRUCell(4)], "residual": True},
        input_shape=(2, 5, 3),
        expected_output_shape=(2, 5, 4),
        expected_num_trainable_weights=6,
        supports_masking=True,
    )


def test_deep_residual_matches_reference():
    """h^1 = LSTM(x); h^2 = LSTM(h^1) + h^1 (seed 7.3 Deep RNN, GNMT)."""
    x = variant_checks.random_inputs()
    stack = StackedRNN([LSTMCell(4), LSTMCell(4)], residual=True)
    stack.build(x.shape)
    w0 = variant_checks.randomize_weights(stack.rnn_layers[0], seed=1)
    w1 = variant_checks.randomize_weights(stack.rnn_layers[1], seed=2)
    h1, _ = run_sequence(lstm_step, w0, x.astype("float64"), zeros(4))
    h2, _ = run_sequence(lstm_step, w1, h1, zeros(4))
    assert_close(stack(x), h2 + h1, atol=1e-5)


def test_deep_bidirectional_matches_reference():
    """Each layer reads [forward; backward] of the layer below (seed 7.3)."""
    x = variant_checks.random_inputs()
    stack = StackedRNN(
        [LSTMCell(3), LSTMCell(2)], bidirectional=True,
        return_sequences=False,
    )
    stack.build(x.shape)
    inputs = x.astype("float64")
    for index, (layer, units) in enumerate(zip(stack.rnn_layers, [3, 2])):
        forward = variant_checks.randomize_weights(
            layer.forward_layer, seed=10 + index
        )
        backward = variant_checks.randomize_weights(
            layer.backward_layer, seed=20 + index
        )
        fw, _ = run_sequence(lstm_step, forward, inputs, zeros(units))
        bw, _ = run_sequence(lstm_step, backward, inputs[:, ::-1],
                             zeros(units))
        if index == 0:
            inputs = np.concatenate([fw, bw[:, ::-1]], axis=-1)
    expected = np.concatenate([fw[:, -1], bw[:, -1]], axis=-1)
    assert_close(stack(x), expected, atol=1e-5)


def test_mask_and_states():
    x = variant_checks.random_inputs()
    mask = np.ones((2, 5), bool)
    mask[1, 3:] = False
    stack = StackedRNN([LSTMCell(4), LSTMCell(4)], return_state=True)
    stack.build(x.shape)
    w0 = variant_checks.randomize_weights(stack.rnn_layers[0], seed=1)
    w1 = variant_checks.randomize_weights(stack.rnn_layers[1], seed=2)
    outputs, *states = stack(x, mask=mask)
    assert len(states) == 4  # [h, c] of each layer, bottom first
    h1, s1 = run_sequence(lstm_step, w0, x[1:, :3].astype("float64"),
                          [np.zeros((1, 4))] * 2)
    _, s2 = run_sequence(lstm_step, w1, h1, [np.zeros((1, 4))] * 2)
    assert_close([s[1:] for s in states], s1 + s2, atol=1e-5)


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="cells=\\[\\]"):
        StackedRNN([])
    with pytest.raises(ValueError, match="merge_mode='max'"):
        StackedRNN([LSTMCell(2)], merge_mode="max")
    with pytest.raises(ValueError, match="layer 1 maps width 4 to 3"):
        StackedRNN([LSTMCell(4), LSTMCell(3)], residual=True)(
            np.ones((1, 2, 3), "float32")
        )
