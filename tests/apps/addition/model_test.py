"""Tests for apps/addition/model.py."""

import keras
import numpy as np
import pytest

import rnn_layers
from apps.addition.model import ModelConfig, build_model, exact_match


def test_output_shape_for_any_length():
    model = build_model(ModelConfig(embedding_dim=2, units=3, num_layers=2))
    for steps in (4, 7):
        digits = np.random.default_rng(0).integers(0, 10, (2, steps, 2))
        assert model(digits.astype("int32")).shape == (2, steps, 10)


def test_uses_rnn_layers_lstm():
    model = build_model(ModelConfig(units=3, num_layers=2))
    lstms = [l for l in model.layers if isinstance(l, rnn_layers.LSTM)]
    assert len(lstms) == 2


@pytest.mark.parametrize(
    "kwargs, error",
    [({"units": 0}, ValueError), ({"num_layers": -1}, ValueError),
     ({"embedding_dim": 2.5}, TypeError)],
)
def test_config_validation(kwargs, error):
    with pytest.raises(error, match=next(iter(kwargs))):
        ModelConfig(**kwargs)


def test_config_is_frozen():
    with pytest.raises(AttributeError):
        ModelConfig().units = 3


def test_exact_match_metric():
    y_true = np.array([[1, 2], [3, 4]])
    logits = keras.ops.one_hot(np.array([[1, 2], [3, 5]]), 10)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(exact_match(y_true, logits)), [1.0, 0.0]
    )
