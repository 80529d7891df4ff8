import keras
import numpy as np
import pytest

from rnn_layers.attention import attention_math
from rnn_layers.attention.gaussian_window import GaussianWindow
from tests.test_case import assert_close


def _numpy_window(h, chars, kappa_tm1, mask, kernel, bias, kappa_scale):
    params = h @ kernel + bias
    alpha_hat, beta_hat, kappa_hat = np.split(params, 3, axis=-1)
    alpha, beta = np.exp(alpha_hat), np.exp(beta_hat)
    kappa = kappa_tm1 + kappa_scale * np.exp(kappa_hat)
    num_chars = chars.shape[1]
    phi = np.zeros((h.shape[0], num_chars + 1))
    for b in range(h.shape[0]):
        for u in range(num_chars + 1):
            phi[b, u] = np.sum(alpha[b] * np.exp(-beta[b] * (kappa[b] - u) ** 2))
    window = np.einsum("bu,buv->bv", phi[:, :-1] * mask, chars)
    return window, phi, kappa


def test_matches_numpy_reference_over_steps():
    rng = np.random.default_rng(0)
    batch, units, num_chars, vocab, k = 2, 5, 4, 6, 3
    chars = np.eye(vocab, dtype="float32")[rng.integers(0, vocab, (batch, num_chars))]
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0]], "float32")
    layer = GaussianWindow(
        k, kappa_scale=0.5,
        bias_initializer=keras.initializers.RandomNormal(seed=1))
    kappa = np.zeros((batch, k), "float32")
    ref_kappa = kappa.astype("float64")
    for _ in range(3):
        h = rng.normal(size=(batch, units)).astype("float32")
        window, phi, kappa = layer(h, chars, kappa, character_mask=mask)
        kernel = keras.ops.convert_to_numpy(layer.kernel)
        bias = keras.ops.convert_to_numpy(layer.bias)
        ref = _numpy_window(h, chars, ref_kappa, mask, kernel, bias, 0.5)
        assert_close((window, phi, kappa), ref, atol=1e-4, rtol=1e-4)
        ref_kappa = ref[2]
    # kappa only moves forward.
    assert np.all(keras.ops.convert_to_numpy(kappa) > 0)


def test_window_finished_rule():
    # Peak at u=1 for a 3-character string, then at u=3 (past the end).
    phi = np.array([[0.1, 0.9, 0.2, 0.0], [0.0, 0.1, 0.2, 0.8]], "float32")
    lengths = np.array([3, 3])
    finished = attention_math.window_finished(phi, lengths)
    assert keras.ops.convert_to_numpy(finished).tolist() == [False, True]
    # A shorter string (length 1) has passed its end when phi(1) > phi(0).
    finished = attention_math.window_finished(phi, np.array([1, 1]))
    assert keras.ops.convert_to_numpy(finished).tolist() == [True, True]


def test_config_round_trip_and_errors():
    layer = GaussianWindow(4, kappa_scale=0.1)
    config = layer.get_config()
    assert GaussianWindow.from_config(config).get_config() == config
    with pytest.raises(ValueError, match="num_components=0"):
        GaussianWindow(0)
    with pytest.raises(ValueError, match="kappa_scale=-1"):
        GaussianWindow(2, kappa_scale=-1)
