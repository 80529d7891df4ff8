"""Tests of the NARX layer against the seed's NARX equation."""

import numpy as np
import pytest

from rnn_layers.structures.narx import NARX
from tests.rnn_layers.cells import variant_checks
from tests.rnn_layers.structures import structure_references
from tests.test_case import assert_close
from tests.test_case import run_layer_test


def test_layer():
    run_layer_test(
        NARX,
        {"units": 4, "output_units": 2, "input_delays": 2,
         "output_delays": 2},
        input_shape=(2, 5, 3),
        expected_output_shape=(2, 5, 2),
        expected_num_trainable_weights=5,
        supports_masking=True,
    )


@pytest.mark.parametrize("input_delays, output_delays", [(0, 1), (2, 3)])
def test_matches_reference(input_delays, output_delays):
    x = variant_checks.random_inputs((2, 6, 3))
    layer = NARX(4, output_units=2, input_delays=input_delays,
                 output_delays=output_delays)
    layer.build(x.shape)
    w = variant_checks.randomize_weights(layer)
    expected = structure_references.narx(
        w, x.astype("float64"), input_delays, output_delays, 2
    )
    assert_close(layer(x), expected, atol=1e-5)


def test_teacher_forcing_uses_true_outputs_only_when_training():
    x = variant_checks.random_inputs((2, 6, 3))
    y_true = variant_checks.random_inputs((2, 6, 2), seed=7)
    y_prev = np.concatenate([np.zeros((2, 1, 2)), y_true[:, :-1]], axis=1)
    forced = np.concatenate([x, y_prev], axis=-1).astype("float32")
    layer = NARX(4, output_units=2, input_delays=1, output_delays=2,
                 teacher_forcing=True)
    layer.build(forced.shape)
    w = variant_checks.randomize_weights(layer)
    x64 = x.astype("float64")
    assert_close(
        layer(forced, training=True),
        structure_references.narx(w, x64, 1, 2, 2, y_true=y_true),
        atol=1e-5,
    )
    assert_close(
        layer(forced, training=False),
        structure_references.narx(w, x64, 1, 2, 2),
        atol=1e-5,
    )


def test_rejects_negative_delays():
    with pytest.raises(ValueError, match="input_delays=-1"):
        NARX(4, output_units=1, input_delays=-1)


def test_mask_ends_at_sequence_length():
    x = variant_checks.random_inputs((2, 6, 3))
    mask = np.ones((2, 6), bool)
    mask[1, 4:] = False
    layer = NARX(4, output_units=2, return_sequences=False)
    padded = layer(x, mask=mask)
    short = layer(x[1:, :4])
    assert_close(padded[1:], short, atol=1e-6)
