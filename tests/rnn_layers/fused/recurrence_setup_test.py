import keras
import numpy as np
import pytest

from rnn_layers.fused.recurrence_setup import masked_step
from rnn_layers.fused.recurrence_setup import recurrence_setup
from tests.test_case import assert_close

TIME, BATCH, UNITS = 4, 2, 3


def _setup(mask=None, recurrent_mask=None, activations=("tanh",)):
    return recurrence_setup(
        np.zeros((TIME, BATCH, 4 * UNITS), "float32"),
        np.zeros((BATCH, UNITS), "float32"),
        np.ones((UNITS, 4 * UNITS), "float32"),
        mask,
        recurrent_mask,
        "bfloat16",
        [keras.activations.get(name) for name in activations],
    )


def test_defaults_stand_in_for_missing_masks():
    setup = _setup(activations=("tanh", "sigmoid"))
    assert (setup.units, setup.masked, setup.dropped) == (UNITS, False, False)
    assert_close(setup.mask, np.ones((TIME, 1, 1)), atol=0)
    assert_close(setup.recurrent_mask, np.ones((1, UNITS)), atol=0)
    assert_close(setup.recurrent_kernel, np.ones((UNITS, 4 * UNITS)), atol=0)
    assert [fn(0.0) for fn, _ in setup.activations] == [0.0, 0.5]
    # XLA's CPU dot has no fast bfloat16 kernel: TF loops stay float32.
    expected = "float32" if keras.backend.backend() == "tensorflow" else (
        "bfloat16")
    assert setup.step_dtype == expected


def test_given_masks_pass_through():
    mask = np.zeros((TIME, BATCH, 1), "float32")
    dropout = np.full((BATCH, UNITS), 2.0, "float32")
    setup = _setup(mask=mask, recurrent_mask=dropout)
    assert setup.masked and setup.dropped
    assert setup.mask is mask and setup.recurrent_mask is dropout


def test_unsupported_activation_is_refused():
    with pytest.raises(ValueError, match="'hard_sigmoid'"):
        _setup(activations=("hard_sigmoid",))


def test_masked_step_keeps_or_takes_the_state():
    previous = np.array([[1.0, 2.0]], "float32")
    new = np.array([[3.0, 6.0]], "float32")
    assert_close(masked_step(previous, new, 1.0), new, atol=0)
    assert_close(masked_step(previous, new, 0.0), previous, atol=0)
    assert_close(masked_step(previous, new, 0.25),
                 np.array([[1.5, 3.0]]), atol=1e-6)
