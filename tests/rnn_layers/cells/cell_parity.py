"""One step of our cells against `keras.layers.*Cell` with copied weights."""

import keras
import numpy as np

from tests.test_case import assert_close


def check_step_matches_keras(keras_cell, our_cell, num_states):
    rng = np.random.default_rng(0)
    inputs = rng.normal(size=(3, 4)).astype("float32")
    states = [
        rng.normal(size=(3, our_cell.units)).astype("float32")
        for _ in range(num_states)
    ]
    keras_cell.build((3, 4))
    our_cell.build((3, 4))
    assert [w.name for w in our_cell.weights if w.trainable] == [
        w.name for w in keras_cell.weights if w.trainable
    ]
    weights = [
        (0.5 * rng.normal(size=w.shape)).astype("float32")
        for w in keras_cell.get_weights()
    ]
    keras_cell.set_weights(weights)
    our_cell.set_weights(weights)
    expected = keras_cell(inputs, states)
    actual = our_cell(inputs, states)
    assert_close(actual, expected, atol=1e-5)


def check_config_round_trip(cell):
    config = cell.get_config()
    clone = type(cell).from_config(config)
    assert clone.get_config() == config
    rebuilt = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(cell)
    )
    assert type(rebuilt) is type(cell)
