import numpy as np

from rnn_layers.cells.layer_norm_math import layer_norm
from rnn_layers.cells.layer_norm_math import normalize
from rnn_layers.cells.layer_norm_math import normalize_grad
from rnn_layers.cells.layer_norm_math import scale_shift_grads
from rnn_layers.cells.layer_norm_math import stacked_scale_shift
from tests.test_case import assert_close

EPSILON = 1e-3


def _random(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def _np_normalize(x):
    mean = x.mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=-1, keepdims=True) + EPSILON)
    return (x - mean) * inv_std, inv_std


def test_layer_norm_matches_numpy():
    x, gamma, beta = _random(3, 5), _random(5, seed=1), _random(5, seed=2)
    x_hat, inv_std = normalize(x.astype("float32"), EPSILON)
    want_hat, want_inv_std = _np_normalize(x)
    assert_close(x_hat, want_hat, atol=1e-5)
    assert_close(inv_std, want_inv_std, atol=1e-5)
    assert_close(layer_norm(x.astype("float32"), gamma.astype("float32"),
                            beta.astype("float32"), EPSILON),
                 want_hat * gamma + beta, atol=1e-5)


def test_normalize_grad_matches_finite_differences():
    x, upstream = _random(2, 6), _random(2, 6, seed=1)
    x_hat, inv_std = _np_normalize(x)
    actual = normalize_grad(upstream, x_hat, inv_std)
    expected = np.zeros_like(x)
    step = 1e-6
    for position in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[position] += step
        down[position] -= step
        expected[position] = np.sum(
            (_np_normalize(up)[0] - _np_normalize(down)[0]) * upstream
        ) / (2 * step)
    assert_close(actual, expected, atol=1e-6)


def test_scale_shift_grads_sum_all_but_the_last_axis():
    d_y, x_hat = _random(4, 2, 3), _random(4, 2, 3, seed=1)
    assert_close(scale_shift_grads(d_y, x_hat),
                 np.stack([(d_y * x_hat).sum(axis=(0, 1)),
                           d_y.sum(axis=(0, 1))]),
                 atol=1e-6)
    stacked = stacked_scale_shift((np.ones(3), np.zeros(3)))
    assert stacked.dtype == "float32" and tuple(stacked.shape) == (2, 3)
