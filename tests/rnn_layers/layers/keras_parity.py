"""Shared parity checks of the drop-in layers against `keras.layers`."""

import os
import tempfile
from unittest import mock

import keras
import numpy as np

from tests.rnn_layers.parity import outputs_and_gradients
from tests.test_case import assert_close

MASKS = {
    "none": None,
    # Right padding, left padding and holes: a masked step carries through.
    "mixed": np.array(
        [[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1], [0, 1, 0, 1, 1, 0]], bool
    ),
}


def paired_layers(keras_cls, ours_cls, units, input_shape, seed=0, **kwargs):
    """Builds a Keras layer and ours with the same random weights."""
    reference = keras_cls(units, **kwargs)
    ours = ours_cls(units, **kwargs)
    reference.build(input_shape)
    ours.build(input_shape)
    rng = np.random.default_rng(seed)
    weights = [
        (0.5 * rng.normal(size=w.shape)).astype("float32")
        for w in reference.get_weights()
    ]
    reference.set_weights(weights)
    ours.set_weights(weights)
    return reference, ours


def check_parity(keras_cls, ours_cls, units, num_states, mask_name,
                 go_backwards, with_initial_state, shape=(3, 6, 4), jit=False,
                 **kwargs):
    """Asserts outputs, final states and all gradients agree to 1e-5."""
    rng = np.random.default_rng(1)
    inputs = rng.normal(size=shape).astype("float32")
    initial_state = None
    if with_initial_state:
        initial_state = [
            rng.normal(size=(shape[0], units)).astype("float32")
            for _ in range(num_states)
        ]
    reference, ours = paired_layers(
        keras_cls, ours_cls, units, shape, return_sequences=True,
        return_state=True, go_backwards=go_backwards, **kwargs,
    )
    mask = MASKS[mask_name]
    expected = outputs_and_gradients(
        reference, inputs, mask, initial_state, jit=jit
    )
    actual = outputs_and_gradients(ours, inputs, mask, initial_state, jit=jit)
    assert_close(actual[0], expected[0], atol=1e-5, msg="outputs/states")
    # Gradients of a sum of squares scale with the outputs; compare relative
    # to their size as well as absolutely.
    assert_close(actual[1], expected[1], atol=1e-5, rtol=1e-5,
                 msg="gradients")


def check_stateful(keras_cls, ours_cls, units):
    """Two batches through stateful layers, then a reset."""
    shape = (2, 4, 3)
    reference, ours = paired_layers(
        keras_cls, ours_cls, units, shape, stateful=True
    )
    rng = np.random.default_rng(2)
    for _ in range(2):
        batch = rng.normal(size=shape).astype("float32")
        assert_close(ours(batch), reference(batch), atol=1e-5)
    ours.reset_states()
    reference.reset_states()
    batch = rng.normal(size=shape).astype("float32")
    assert_close(ours(batch), reference(batch), atol=1e-5)


def check_bidirectional(keras_cls, ours_cls, units):
    """`keras.layers.Bidirectional` around ours equals it around Keras'."""
    shape = (3, 6, 4)
    inputs = np.random.default_rng(3).normal(size=shape).astype("float32")
    mask = MASKS["mixed"]
    reference = keras.layers.Bidirectional(
        keras_cls(units, return_sequences=True)
    )
    ours = keras.layers.Bidirectional(ours_cls(units, return_sequences=True))
    reference.build(shape)
    ours.build(shape)
    ours.set_weights(reference.get_weights())
    expected = outputs_and_gradients(reference, inputs, mask)
    actual = outputs_and_gradients(ours, inputs, mask)
    assert_close(actual[0], expected[0], atol=1e-5)
    assert_close(actual[1], expected[1], atol=1e-5, rtol=1e-5)


def check_dropout(ours_cls, units):
    """Dropout changes training outputs only, and fused == generic masks."""
    shape = (4, 5, 6)
    inputs = np.random.default_rng(4).normal(size=shape).astype("float32")
    layer = ours_cls(units, dropout=0.5, recurrent_dropout=0.5, seed=7)
    inference = np.asarray(layer(inputs, training=False))
    assert_close(layer(inputs, training=False), inference, atol=0)
    first = np.asarray(layer(inputs, training=True))
    second = np.asarray(layer(inputs, training=True))
    assert not np.allclose(first, inference)
    assert not np.allclose(first, second), "masks must change per batch"
    no_dropout = ours_cls(units)
    no_dropout.build(shape)
    no_dropout.set_weights(layer.get_weights())
    assert_close(no_dropout(inputs, training=True), inference, atol=1e-6)


def check_weights_both_ways(keras_cls, ours_cls, units, **kwargs):
    """`set_weights` works from Keras to ours and from ours to Keras."""
    shape = (2, 3, 5)
    inputs = np.random.default_rng(5).normal(size=shape).astype("float32")
    ours = ours_cls(units, **kwargs)
    ours.build(shape)
    reference = keras_cls(units, **kwargs)
    reference.build(shape)
    assert [w.shape for w in ours.weights] == [
        w.shape for w in reference.weights
    ]
    assert [w.name for w in ours.trainable_weights] == [
        w.name for w in reference.trainable_weights
    ]
    reference.set_weights(ours.get_weights())
    assert_close(reference(inputs), ours(inputs), atol=1e-5)


def check_default_config_is_keras(keras_cls, ours_cls, **kwargs):
    """A default layer of ours gives Keras' config, and takes Keras' back."""
    ours = ours_cls(3, name="rnn", **kwargs)
    reference = keras_cls(3, name="rnn", **kwargs)
    assert (
        keras_cls.from_config(ours.get_config()).get_config()
        == reference.get_config()
    )
    assert (
        ours_cls.from_config(reference.get_config()).get_config()
        == ours.get_config()
    )


def check_keras_file_loads_in_keras(keras_cls, ours_cls):
    """A `.keras` file holding our default layer loads with Keras' class.

    Loaded as in a process without `rnn_layers`: our registration is lifted
    for the load, and `custom_objects` maps our registered name to Keras'
    class.
    """
    inputs = keras.Input((4, 3))
    model = keras.Model(inputs, ours_cls(5, return_sequences=True)(inputs))
    x = np.random.default_rng(6).normal(size=(2, 4, 3)).astype("float32")
    name = keras.saving.get_registered_name(ours_cls)
    registry = keras.saving.get_custom_objects()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        with mock.patch.dict(registry):
            del registry[name]
            reloaded = keras.saving.load_model(
                path, custom_objects={name: keras_cls}, safe_mode=True
            )
    assert type(reloaded.layers[1]) is keras_cls
    assert_close(reloaded(x), model(x), atol=1e-5)
