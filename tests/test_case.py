"""Shared checks every `rnn_layers` layer goes through.

`run_layer_test` is the project's version of Keras' own `run_layer_test`
(keras/src/testing/test_case.py): it builds the layer from its config, checks
the output shape and weight count, round-trips `get_config`, saves and loads a
model holding it as a `.keras` file with `safe_mode=True`, and runs one `fit`
step to prove gradients reach every trainable weight.
"""

import copy
import os
import tempfile

import keras
import numpy as np


def assert_close(actual, expected, atol=1e-5, rtol=0.0, msg=""):
    """Asserts two nested structures of arrays agree elementwise.

    Args:
        actual: array, tensor, or list/tuple of them.
        expected: same structure as `actual`.
        atol: absolute tolerance. Defaults to `1e-5`.
        rtol: relative tolerance. Defaults to `0.0`.
        msg: text prepended to the failure message.
    """
    actual_flat = keras.tree.flatten(actual)
    expected_flat = keras.tree.flatten(expected)
    if len(actual_flat) != len(expected_flat):
        raise AssertionError(
            f"{msg} structures differ: {len(actual_flat)} vs "
            f"{len(expected_flat)} leaves"
        )
    for index, (a, e) in enumerate(zip(actual_flat, expected_flat)):
        a = keras.ops.convert_to_numpy(a).astype("float64")
        e = keras.ops.convert_to_numpy(e).astype("float64")
        np.testing.assert_allclose(
            a, e, atol=atol, rtol=rtol, err_msg=f"{msg} (leaf {index})"
        )


def run_layer_test(
    layer_cls,
    init_kwargs,
    input_shape,
    expected_output_shape,
    expected_num_trainable_weights=None,
    expected_num_non_trainable_weights=None,
    input_dtype="float32",
    supports_masking=None,
    run_training_step=True,
):
    """Runs the standard battery of checks on one layer configuration.

    Args:
        layer_cls: the layer class under test.
        init_kwargs: dict of constructor arguments.
        input_shape: tuple, the full input shape including batch.
        expected_output_shape: tuple (or list of tuples for several outputs).
        expected_num_trainable_weights: int or `None` to skip the check.
        expected_num_non_trainable_weights: int or `None` to skip the check.
        input_dtype: dtype of the random input. Defaults to `"float32"`.
        supports_masking: expected `supports_masking` value, or `None` to skip.
        run_training_step: whether to fit one step and require every trainable
            weight to change. Defaults to `True`.

    Returns:
        The built layer instance.
    """
    rng = np.random.default_rng(0)
    if input_dtype.startswith("int"):
        inputs = rng.integers(1, 5, size=input_shape).astype(input_dtype)
    else:
        inputs = rng.normal(size=input_shape).astype(input_dtype)

    layer = layer_cls(**init_kwargs)
    if supports_masking is not None:
        assert layer.supports_masking == supports_masking

    # Config round trip: same config out as in, and from_config works.
    config = layer.get_config()
    clone = layer_cls.from_config(copy.deepcopy(config))
    assert clone.get_config() == config, "get_config round trip differs"

    outputs = layer(inputs)
    shapes = [tuple(o.shape) for o in keras.tree.flatten(outputs)]
    expected_shapes = (
        [tuple(s) for s in expected_output_shape]
        if isinstance(expected_output_shape, list)
        else [tuple(expected_output_shape)]
    )
    assert shapes == expected_shapes, f"{shapes} != {expected_shapes}"
    if expected_num_trainable_weights is not None:
        assert len(layer.trainable_weights) == expected_num_trainable_weights
    if expected_num_non_trainable_weights is not None:
        assert (
            len(layer.non_trainable_weights)
            == expected_num_non_trainable_weights
        )

    # .keras save/load round trip with safe_mode=True, same outputs.
    model_inputs = keras.Input(batch_shape=input_shape, dtype=input_dtype)
    model_outputs = layer_cls.from_config(copy.deepcopy(config))(
        model_inputs
    )
    model = keras.Model(model_inputs, model_outputs)
    reference = model(inputs)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        reloaded = keras.saving.load_model(path, safe_mode=True)
    assert_close(reloaded(inputs), reference, atol=1e-6, msg="reload")

    if run_training_step:
        first_output = keras.tree.flatten(model_outputs)[0]
        target = np.zeros(first_output.shape, dtype="float32")
        train_model = keras.Model(model_inputs, first_output)
        train_model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        before = [w.numpy().copy() for w in train_model.trainable_weights]
        train_model.fit(inputs, target, epochs=1, batch_size=input_shape[0],
                        verbose=0)
        after = [w.numpy() for w in train_model.trainable_weights]
        for weight, old, new in zip(
            train_model.trainable_weights, before, after
        ):
            assert not np.allclose(old, new), f"{weight.path} did not train"
    return layer
