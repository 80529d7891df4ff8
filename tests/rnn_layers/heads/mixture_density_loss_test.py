import os

import keras
import numpy as np
import pytest

from rnn_layers.heads.mixture_density import MixtureDensity
from rnn_layers.heads.mixture_density_loss import MixtureDensityLoss
from rnn_layers.heads.mixture_density_loss import clip_gradient
from tests.rnn_layers.heads.mixture_density_test import _numpy_nll
from tests.test_case import assert_close

M = 2


def _batch(seed=0):
    rng = np.random.default_rng(seed)
    params = rng.normal(size=(2, 4, 6 * M + 1)).astype("float32")
    targets = rng.normal(size=(2, 4, 3)).astype("float32")
    targets[..., 2] = rng.integers(0, 2, size=(2, 4))
    return targets, params


def _gradient(fn, x):
    """d fn(x) / dx as NumPy, on TensorFlow or JAX."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        x = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            value = fn(x)
        return np.asarray(tape.gradient(value, x))
    import jax

    return np.asarray(jax.grad(fn)(x))


def test_reductions_match_numpy_reference():
    targets, params = _batch()
    nll = _numpy_nll(targets.astype("float64"), params.astype("float64"), M)
    weights = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], "float32")
    loss = MixtureDensityLoss(M)
    assert_close(loss(targets, params), nll.mean(), atol=1e-5)
    assert_close(loss(targets, params, sample_weight=weights),
                 (nll * weights).sum() / weights.sum(), atol=1e-5)
    summed = MixtureDensityLoss(M, reduction="sum")
    assert_close(summed(targets, params, sample_weight=weights),
                 (nll * weights).sum(), atol=1e-4)
    per_step = MixtureDensityLoss(M, reduction="none")
    assert_close(per_step(targets, params), nll, atol=1e-5)


def test_output_gradient_clip_caps_each_step_derivative():
    targets, params = _batch(1)
    targets[0, 0, :2] = 40.0  # far from every mean: huge derivatives
    weights = np.array([[1, 1, 1, 0], [1, 1, 1, 1]], "float32")
    count = weights.sum()

    def loss_with(clip):
        loss = MixtureDensityLoss(M, output_gradient_clip=clip)
        return lambda p: loss(targets, p, sample_weight=weights)

    free = _gradient(loss_with(None), params)
    clipped = _gradient(loss_with(100.0), params)
    assert np.abs(free * count).max() > 300  # per-step derivatives
    np.testing.assert_allclose(
        clipped, np.clip(free * count, -100, 100) / count, rtol=1e-4,
        atol=1e-7)
    assert_close(loss_with(100.0)(params), loss_with(None)(params))


def test_clip_gradient_scales_and_passes_values():
    x = np.array([1.0, -2.0, 3.0], "float32")

    def fn(v):
        return keras.ops.sum(clip_gradient(v, 1.0, 4.0) * np.array(
            [0.1, -1.0, 0.2], "float32"))

    np.testing.assert_allclose(_gradient(fn, x), [0.1, -0.25, 0.2],
                               rtol=1e-6)


def test_trains_a_model_and_round_trips(tmp_path):
    inputs = keras.Input((None, 3))
    hidden = keras.layers.Dense(5, activation="tanh")(inputs)
    model = keras.Model(inputs, MixtureDensity(M)(hidden))
    loss = MixtureDensityLoss(M, output_gradient_clip=100.0)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=loss)
    targets, _ = _batch(2)
    weights = np.ones((2, 4), "float32")
    first = model.evaluate(targets, targets, sample_weight=weights, verbose=0)
    model.fit(targets, targets, sample_weight=weights, epochs=20, verbose=0)
    last = model.evaluate(targets, targets, sample_weight=weights, verbose=0)
    assert last < first
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    assert reloaded.loss.get_config() == loss.get_config()
    assert MixtureDensityLoss.from_config(loss.get_config()).get_config() == (
        loss.get_config())


def test_bad_arguments():
    with pytest.raises(ValueError, match="num_components=0"):
        MixtureDensityLoss(0)
    with pytest.raises(ValueError, match="output_gradient_clip=-1"):
        MixtureDensityLoss(2, output_gradient_clip=-1)
