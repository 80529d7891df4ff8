"""Tests for apps/language_model/model.py: shapes, tying, the step function."""

import keras
import numpy as np
import pytest

from apps.language_model.model import (
    ModelConfig, build_model, initial_states, make_step_fn)


@pytest.mark.parametrize("cell, tie, layers", [
    ("lstm", False, 2), ("gru", True, 1), ("lstm", True, 1)])
def test_step_function_matches_the_sequence_model(cell, tie, layers):
    config = ModelConfig(vocabulary_size=11, embedding_dim=4, units=6,
                         num_layers=layers, cell=cell, tie_embeddings=tie)
    keras.utils.set_random_seed(0)
    model = build_model(config)
    ids = np.random.default_rng(0).integers(0, 11, (2, 5)).astype("int32")
    full = keras.ops.convert_to_numpy(model(ids))  # (2, 5, 11)
    assert full.shape == (2, 5, 11)
    step = make_step_fn(model)
    states = initial_states(model, 2)
    for t in range(5):
        logits, states = step(ids[:, t], states)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(logits),
                                   full[:, t], atol=1e-5)


def test_tied_model_shares_the_embedding_matrix():
    config = ModelConfig(vocabulary_size=11, embedding_dim=6, units=6,
                         num_layers=1, tie_embeddings=True)
    tied = build_model(config)
    untied = build_model(ModelConfig(vocabulary_size=11, embedding_dim=6,
                                     units=6, num_layers=1))
    assert tied.count_params() == untied.count_params() - 6 * 11
    shared = tied.get_layer("logits").embedding.embeddings
    assert shared is tied.get_layer("embedding").embeddings


@pytest.mark.parametrize("overrides, match", [
    ({"units": 0}, "units"), ({"cell": "rnn"}, "cell"),
    ({"dropout": 1.0}, "dropout")])
def test_model_config_validation(overrides, match):
    with pytest.raises(ValueError, match=match):
        ModelConfig(**overrides)
