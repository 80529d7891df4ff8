"""Tests of TimeDelay (TDNN) against the seed's window equation."""

import numpy as np
import pytest

from rnn_layers.structures.time_delay import TimeDelay
from tests.rnn_layers.cells import variant_checks
from tests.rnn_layers.structures import structure_references
from tests.test_case import assert_close
from tests.test_case import run_layer_test


def test_layer():
    run_layer_test(
        TimeDelay,
        {"units": 4, "delays": 2, "dilation_rate": 2},
        input_shape=(2, 6, 3),
        expected_output_shape=(2, 6, 4),
        expected_num_trainable_weights=2,
        supports_masking=True,
    )


@pytest.mark.parametrize("delays, dilation", [(0, 1), (2, 1), (2, 2)])
def test_matches_reference_and_gradients(delays, dilation):
    x = variant_checks.random_inputs((2, 6, 3))
    layer = TimeDelay(4, delays=delays, dilation_rate=dilation)
    layer.build(x.shape)
    w = variant_checks.randomize_weights(layer)
    expected = structure_references.time_delay(
        x.astype("float64"), w["kernel"], w["bias"], delays, dilation
    )
    assert_close(layer(x), expected, atol=1e-5)

    upstream = np.random.default_rng(3).normal(size=expected.shape)
    grad_x, grad_w = variant_checks.layer_gradients(
        layer, x, upstream.astype("float32")
    )

    def loss(inputs, kernel, bias):
        y = structure_references.time_delay(inputs, kernel, bias, delays,
                                            dilation)
        return float(np.sum(y * upstream))

    wanted = variant_checks.finite_difference(
        loss, [x.astype("float64"), w["kernel"], w["bias"]]
    )
    assert_close([grad_x] + grad_w, wanted, atol=1e-5)


def test_is_causal():
    x = variant_checks.random_inputs((1, 6, 3))
    layer = TimeDelay(4, delays=2)
    changed = x.copy()
    changed[:, 4:] += 1.0
    assert_close(layer(changed)[:, :4], layer(x)[:, :4], atol=0)


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="delays=-1"):
        TimeDelay(4, delays=-1)
    with pytest.raises(ValueError, match="dilation_rate=0"):
        TimeDelay(4, dilation_rate=0)
