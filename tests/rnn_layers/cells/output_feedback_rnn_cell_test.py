"""Tests of OutputFeedbackRNNCell against the seed's output-feedback equations."""

import numpy as np
import pytest

from rnn_layers import RNN
from rnn_layers.cells.output_feedback_rnn_cell import OutputFeedbackRNNCell
from rnn_layers.layers.output_feedback_rnn import OutputFeedbackRNN
from tests.rnn_layers.cells import variant_checks
from tests.rnn_layers.cells.variant_references import output_feedback_step
from tests.rnn_layers.cells.variant_references import run_sequence
from tests.test_case import assert_close
from tests.test_case import run_layer_test


def make_cell():
    return OutputFeedbackRNNCell(5, output_units=3)


def test_drop_in_layer():
    run_layer_test(
        OutputFeedbackRNN,
        {"units": 5, "output_units": 3, "return_sequences": True},
        input_shape=(2, 5, 3),
        expected_output_shape=(2, 5, 3),
        expected_num_trainable_weights=5,
    )


def test_weight_shapes():
    layer = RNN(make_cell())
    layer.build((2, 5, 3))
    shapes = [tuple(w.shape) for w in layer.weights]
    assert shapes == [(3, 5), (3, 5), (5, 3), (5,), (3,)]


def test_outputs_and_states_match_reference():
    variant_checks.check_outputs_and_states(make_cell, output_feedback_step)


def test_mask_matches_reference():
    variant_checks.check_mask(make_cell, output_feedback_step)


def test_bidirectional_matches_reference():
    variant_checks.check_bidirectional(make_cell, output_feedback_step)


def test_gradients_match_finite_differences():
    variant_checks.check_gradients(make_cell, output_feedback_step)


def test_teacher_forcing_reads_true_outputs_only_when_training():
    x = variant_checks.random_inputs()
    rng = np.random.default_rng(4)
    y_true = rng.dirichlet(np.ones(3), size=(2, 5))  # (batch, time, 3)
    y_prev = np.concatenate([np.zeros((2, 1, 3)), y_true[:, :-1]], axis=1)
    forced_inputs = np.concatenate([x, y_prev], axis=-1).astype("float32")
    layer = RNN(
        OutputFeedbackRNNCell(5, output_units=3, teacher_forcing=True),
        return_sequences=True,
    )
    layer.build(forced_inputs.shape)
    w = variant_checks.randomize_weights(layer)

    # Training: every step sees the true previous output.
    expected = np.stack(
        [
            output_feedback_step(w, x[:, t].astype("float64"),
                                 [y_prev[:, t]])[0]
            for t in range(5)
        ],
        axis=1,
    )
    assert_close(layer(forced_inputs, training=True), expected, atol=1e-5)

    # Inference: the true outputs are ignored, the cell feeds itself back.
    free, _ = run_sequence(
        output_feedback_step, w, x.astype("float64"), [np.zeros((2, 3))]
    )
    assert_close(layer(forced_inputs, training=False), free, atol=1e-5)


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="output_units=0"):
        OutputFeedbackRNNCell(5, output_units=0)
    with pytest.raises(ValueError, match="recurrent_dropout=0.5"):
        OutputFeedbackRNNCell(5, output_units=2, recurrent_dropout=0.5)
