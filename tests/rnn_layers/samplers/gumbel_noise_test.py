import keras
import numpy as np

from rnn_layers.samplers.gumbel_noise import gumbel_noise
from rnn_layers.samplers.gumbel_noise import hash32
from rnn_layers.samplers.gumbel_noise import uniform_noise
from tests.rnn_layers.samplers.sampling_reference import triple32


def _numpy(x):
    return keras.ops.convert_to_numpy(x)


def _seeds(values):
    return keras.ops.convert_to_tensor(np.asarray(values, "uint32"))


def test_hash_matches_the_reference_bit_for_bit():
    x = np.array([0, 1, 2, 12345, 2**31, 2**32 - 1], "uint32")
    assert _numpy(hash32(_seeds(x))).tolist() == triple32(x).tolist()


def test_noise_is_the_documented_function_of_seed_step_and_token():
    seeds, step, vocabulary = np.array([0, 7, 2**32 - 1], "uint32"), 5, 6
    row_keys = triple32(triple32(seeds ^ np.uint32(0x9E3779B9)) ^ step)
    token_keys = triple32(np.arange(vocabulary) ^ 0x85EBCA6B)
    bits = triple32(row_keys[:, None] ^ token_keys[None])
    u = ((bits >> np.uint64(9)).astype("float64") + 0.5) / 2**23
    np.testing.assert_array_equal(
        _numpy(uniform_noise(_seeds(seeds), step, vocabulary)), u)
    np.testing.assert_allclose(
        _numpy(gumbel_noise(_seeds(seeds), step, vocabulary)),
        -np.log(-np.log1p(-u)), rtol=1e-6)


def test_noise_is_gumbel_and_steps_are_uncorrelated():
    seeds = _seeds(np.arange(20000))
    g = _numpy(gumbel_noise(seeds, 3, 4))  # (20000, 4)
    next_step = _numpy(gumbel_noise(seeds, 4, 4))
    assert np.all(np.isfinite(g))
    # Standard Gumbel: mean Euler's gamma, variance pi^2 / 6.
    np.testing.assert_allclose(g.mean(0), 0.5772, atol=0.03)
    np.testing.assert_allclose(g.var(0), np.pi ** 2 / 6, atol=0.07)
    correlations = [np.corrcoef(g[:, 0], g[:, 1])[0, 1],
                    np.corrcoef(g[:, 0], next_step[:, 0])[0, 1]]
    assert np.all(np.abs(correlations) < 0.03)
