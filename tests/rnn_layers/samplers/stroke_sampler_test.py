import keras
import numpy as np
import pytest

from rnn_layers.samplers.gumbel_noise import uniform_noise
from rnn_layers.samplers.stroke_sampler import StrokeSampler
from rnn_layers.samplers.stroke_sampler import sample_points
from tests.rnn_layers.heads.mixture_density_test import _params

M = 2


def _sharp_params(batch, mu=(1.0, 2.0), pen_logit=30.0):
    """Both components at `mu` with tiny sigma: samples are exactly `mu`."""
    row = np.concatenate([
        [pen_logit], [0.0, 0.0], [mu[0]] * M, [mu[1]] * M, [-30.0] * M,
        [-30.0] * M, [0.0] * M]).astype("float32")
    return keras.ops.convert_to_tensor(np.tile(row, (batch, 1)))


def _run(sampler, next, strokes, **kwargs):
    points, lengths = sampler(next, strokes, **kwargs)
    return keras.ops.convert_to_numpy(points), keras.ops.convert_to_numpy(
        lengths)


def test_fake_model_gives_exact_points_and_stops_per_row():
    stops = np.array([3, 6, 10], "int32")  # row r is done at row stops[r]

    def next(strokes, cache, index):
        (count,) = cache
        done = keras.ops.convert_to_tensor(stops) <= index
        return _sharp_params(3), done, (count + 1,)

    start = np.zeros((3, 8, 3), "float32")
    points, lengths, (count,) = StrokeSampler(M, seed=1)(
        next, start, cache=(keras.ops.zeros(()),), return_cache=True)
    points = keras.ops.convert_to_numpy(points)
    lengths = keras.ops.convert_to_numpy(lengths)
    assert lengths.tolist() == [3, 6, 8]
    assert float(count) == 7  # one model step per written row
    expected = np.zeros((3, 8, 3), "float32")
    for row, length in enumerate(lengths):
        expected[row, 1:length] = [1.0, 2.0, 1.0]
    np.testing.assert_allclose(points, expected, atol=1e-6)


def test_priming_rows_are_copied_and_never_stop():
    def next(strokes, cache, index):
        return _sharp_params(2), keras.ops.ones((2,), "bool"), cache

    start = np.zeros((2, 6, 3), "float32")
    start[:, 1:4] = [[5.0, -5.0, 0.0]]
    mask = np.zeros((2, 6), bool)
    mask[0, 1:4] = True  # row 0 primed with three points, row 1 not
    points, lengths = _run(StrokeSampler(M, seed=0), next, start, mask=mask)
    assert lengths.tolist() == [4, 1]
    np.testing.assert_array_equal(points[0, 1:4], start[0, 1:4])
    np.testing.assert_array_equal(points[0, 4:], 0.0)
    np.testing.assert_array_equal(points[1], 0.0)


def test_next_reads_the_previous_point():
    def next(strokes, cache, index):
        previous = keras.ops.take(strokes, index - 1, axis=1)  # (1, 3)
        shift = np.zeros((1, 6 * M + 1), "float32")
        shift[0, 1 + M:1 + 2 * M] = 1.0  # the mu1 of both components
        params = _sharp_params(1, mu=(1.0, 0.0), pen_logit=-30.0)
        return params + previous[:, :1] * shift, None, cache

    points, _ = _run(StrokeSampler(M), next, np.zeros((1, 4, 3), "float32"),
                     seed=3)
    # mu1 = 1 + previous dx: 1, 2, 3.
    np.testing.assert_allclose(points[0, 1:], [[1, 0, 0], [2, 0, 0],
                                               [3, 0, 0]], atol=1e-5)


def test_sampled_statistics_match_the_mixture():
    pi, mu1, mu2 = np.array([0.3, 0.7]), np.array([-1.0, 2.0]), np.array(
        [0.5, 1.0])
    s1, s2, rho = np.array([0.5, 1.0]), np.array([1.0, 0.4]), np.array(
        [0.6, -0.3])
    n, e = 20000, 0.2
    params = np.tile(_params(pi, mu1, mu2, s1, s2, rho, e), (n, 1))
    seeds = keras.ops.convert_to_tensor(np.arange(n, dtype="uint32"))
    samples = keras.ops.convert_to_numpy(
        sample_points(params, M, 0.0, uniform_noise(seeds, 5, M + 3)))
    mean = np.array([pi @ mu1, pi @ mu2])
    second = np.zeros((2, 2))
    for j in range(2):
        cov_j = np.array([[s1[j] ** 2, rho[j] * s1[j] * s2[j]],
                          [rho[j] * s1[j] * s2[j], s2[j] ** 2]])
        second += pi[j] * (cov_j + np.outer([mu1[j], mu2[j]],
                                            [mu1[j], mu2[j]]))
    np.testing.assert_allclose(samples[:, :2].mean(0), mean, atol=0.05)
    np.testing.assert_allclose(np.cov(samples[:, :2].T),
                               second - np.outer(mean, mean), atol=0.08)
    np.testing.assert_allclose(samples[:, 2].mean(), e, atol=0.015)
    # Bias: sigma shrinks by exp(-b), the likelier component dominates.
    biased = keras.ops.convert_to_numpy(
        sample_points(params, M, 1.0, uniform_noise(seeds, 5, M + 3)))
    picked_second = np.abs(biased[:, 0] - 2.0) < np.abs(biased[:, 0] + 1.0)
    expected_share = 0.7 ** 2 / (0.3 ** 2 + 0.7 ** 2)  # softmax(2 log pi)
    np.testing.assert_allclose(picked_second.mean(), expected_share,
                               atol=0.02)
    second_rows = biased[picked_second]
    np.testing.assert_allclose(second_rows[:, 1].std(), 0.4 * np.exp(-1),
                               rtol=0.05)


def test_rows_depend_only_on_their_seed():
    def next(strokes, cache, index):
        batch = keras.ops.shape(strokes)[0]
        row = _params(np.array([0.5, 0.5]), np.zeros(2), np.zeros(2),
                      np.ones(2), np.ones(2), np.zeros(2), 0.3)
        params = keras.ops.tile(keras.ops.convert_to_tensor(row)[None],
                                (batch, 1))
        return params, None, cache

    sampler = StrokeSampler(M)
    wide, _ = _run(sampler, next, np.zeros((3, 6, 3), "float32"),
                   seed=np.array([7, 8, 7]))
    alone, _ = _run(sampler, next, np.zeros((1, 6, 3), "float32"),
                    seed=np.array([8]))
    np.testing.assert_array_equal(wide[0], wide[2])
    np.testing.assert_array_equal(wide[1], alone[0])
    assert not np.allclose(wide[0], wide[1])


def test_traces_with_tensor_bias_and_seed():
    def next(strokes, cache, index):
        return _sharp_params(2), None, cache

    sampler = StrokeSampler(M)

    def run(strokes, bias, seed):
        return sampler(next, strokes, bias=bias, seed=seed)

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        run = tf.function(run)
    else:
        import jax

        run = jax.jit(run)
    points, lengths = run(np.zeros((2, 5, 3), "float32"), np.float32(0.5),
                          np.array([1, 2], "int32"))
    points = keras.ops.convert_to_numpy(points)
    np.testing.assert_allclose(points[:, 1:], np.tile([1.0, 2.0, 1.0],
                                                      (2, 4, 1)), atol=1e-6)
    assert keras.ops.convert_to_numpy(lengths).tolist() == [5, 5]


def test_config_and_errors():
    sampler = StrokeSampler(3, bias=0.5, seed=2)
    assert StrokeSampler.from_config(sampler.get_config()).get_config() == {
        "num_components": 3, "bias": 0.5, "seed": 2}
    with pytest.raises(ValueError, match="bias=-1"):
        StrokeSampler(3, bias=-1)
    with pytest.raises(ValueError, match="num_components=0"):
        StrokeSampler(0)
    with pytest.raises(ValueError, match="seed of shape|`seed` of shape"):
        sampler.row_seeds(np.zeros((2, 2), "int32"))
