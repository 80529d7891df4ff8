import keras
import numpy as np
import pytest

from rnn_layers.heads import mixture_density_math as mdm
from rnn_layers.heads.mixture_density import MixtureDensity
from tests.test_case import assert_close
from tests.test_case import run_layer_test


def _numpy_nll(targets, params, m):
    e_hat = params[..., 0]
    pi_hat, mu1, mu2, s1_hat, s2_hat, rho_hat = np.split(params[..., 1:], 6, -1)
    pi = np.exp(pi_hat) / np.exp(pi_hat).sum(-1, keepdims=True)
    s1, s2, rho = np.exp(s1_hat), np.exp(s2_hat), np.tanh(rho_hat)
    x1, x2, pen = targets[..., :1], targets[..., 1:2], targets[..., 2]
    z = ((x1 - mu1) / s1) ** 2 + ((x2 - mu2) / s2) ** 2 - 2 * rho * (
        x1 - mu1) * (x2 - mu2) / (s1 * s2)
    density = np.exp(-z / (2 * (1 - rho ** 2))) / (
        2 * np.pi * s1 * s2 * np.sqrt(1 - rho ** 2))
    e = 1 / (1 + np.exp(-e_hat))
    return -np.log((pi * density).sum(-1)) - np.log(
        np.where(pen == 1, e, 1 - e))


def test_loss_matches_numpy_reference():
    rng = np.random.default_rng(0)
    m = 3
    params = rng.normal(size=(2, 5, 6 * m + 1)).astype("float32")
    targets = rng.normal(size=(2, 5, 3)).astype("float32")
    targets[..., 2] = rng.integers(0, 2, size=(2, 5))
    expected = _numpy_nll(targets.astype("float64"), params.astype("float64"), m)
    assert_close(mdm.mixture_density_nll(targets, params, m), expected,
                 atol=1e-4, rtol=1e-5)
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], "float32")
    assert_close(mdm.mixture_density_loss(targets, params, m, mask),
                 (expected * mask).sum() / mask.sum(), atol=1e-4)


def test_loss_stays_finite_for_extreme_outputs():
    m = 2
    params = np.full((1, 1, 6 * m + 1), 40.0, "float32")
    params[..., 0] = -200.0  # pen logit far from a lifted pen
    targets = np.array([[[50.0, -50.0, 1.0]]], "float32")
    loss = keras.ops.convert_to_numpy(mdm.mixture_density_nll(targets, params, m))
    assert np.all(np.isfinite(loss))


def _params(pi, mu1, mu2, s1, s2, rho, e):
    return np.concatenate([
        [np.log(e / (1 - e))], np.log(pi), mu1, mu2, np.log(s1), np.log(s2),
        np.arctanh(rho)]).astype("float32")


def test_sampled_statistics_match_parameters():
    pi, mu1, mu2 = np.array([0.3, 0.7]), np.array([-1.0, 2.0]), np.array([0.5, 1.0])
    s1, s2, rho = np.array([0.5, 1.0]), np.array([1.0, 0.4]), np.array([0.6, -0.3])
    e = 0.2
    n = 20000
    params = np.tile(_params(pi, mu1, mu2, s1, s2, rho, e), (n, 1))
    samples = keras.ops.convert_to_numpy(mdm.sample_mixture(params, 2, seed=3))
    mean = np.array([pi @ mu1, pi @ mu2])
    second = np.zeros((2, 2))
    for j in range(2):
        cov_j = np.array([[s1[j] ** 2, rho[j] * s1[j] * s2[j]],
                          [rho[j] * s1[j] * s2[j], s2[j] ** 2]])
        mu_j = np.array([mu1[j], mu2[j]])
        second += pi[j] * (cov_j + np.outer(mu_j, mu_j))
    cov = second - np.outer(mean, mean)
    np.testing.assert_allclose(samples[:, :2].mean(0), mean, atol=0.05)
    np.testing.assert_allclose(np.cov(samples[:, :2].T), cov, atol=0.08)
    assert set(np.unique(samples[:, 2])) <= {0.0, 1.0}
    np.testing.assert_allclose(samples[:, 2].mean(), e, atol=0.015)


def test_bias_sharpens_samples():
    params = np.tile(_params(np.array([0.5, 0.5]), np.array([0.0, 0.0]),
                             np.array([0.0, 0.0]), np.array([1.0, 1.0]),
                             np.array([1.0, 1.0]), np.array([0.0, 0.0]), 0.5),
                     (5000, 1))
    plain = keras.ops.convert_to_numpy(mdm.sample_mixture(params, 2, seed=1))
    biased = keras.ops.convert_to_numpy(
        mdm.sample_mixture(params, 2, bias=1.0, seed=1))
    # sigma <- exp(log sigma - b): the spread shrinks by e.
    np.testing.assert_allclose(biased[:, :2].std(0) * np.e,
                               plain[:, :2].std(0), rtol=0.1)


def test_layer_contract_and_methods():
    layer = run_layer_test(
        MixtureDensity,
        {"num_components": 2, "seed": 1},
        input_shape=(2, 4, 5),
        expected_output_shape=(2, 4, 13),
        expected_num_trainable_weights=2,
    )
    params = layer(np.ones((2, 4, 5), "float32"))
    loss = layer.loss(np.zeros((2, 4, 3), "float32"), params)
    assert np.isfinite(keras.ops.convert_to_numpy(loss))
    assert tuple(layer.sample(params[:, -1], bias=0.5).shape) == (2, 3)
    with pytest.raises(ValueError, match="num_components=0"):
        MixtureDensity(0)
