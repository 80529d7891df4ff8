"""Graph pieces of the handwriting export against their NumPy originals."""

import keras
import numpy as np
import pytest

from apps.handwriting import serving
from datasets import strokes as stroke_format

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="the export's graph pieces are tf ops",
)


@pytest.mark.parametrize("factor", [1, 2, 3])
def test_downsample_strokes_matches_numpy_per_item(factor):
    import tensorflow as tf

    rng = np.random.default_rng(factor)
    strokes = rng.normal(size=(4, 30, 3)).astype("float32")
    strokes[..., 2] = rng.random((4, 30)) < 0.2
    lengths = np.array([30, 0, 1, 17], np.int32)
    out, out_lengths = serving.downsample_strokes(
        tf.constant(strokes), tf.constant(lengths), factor)
    out, out_lengths = out.numpy(), out_lengths.numpy()
    for row, length in enumerate(lengths):
        expected = stroke_format.downsample(strokes[row, :length], factor)
        assert out_lengths[row] == len(expected)
        np.testing.assert_allclose(out[row, :len(expected)], expected,
                                   atol=1e-5)
        if factor > 1:
            assert not out[row, len(expected):].any()
    none, none_lengths = serving.downsample_strokes(
        tf.zeros([2, 0, 3]), tf.zeros([2], tf.int32), factor)
    assert none.shape == (2, 0, 3) and none_lengths.numpy().tolist() == [0, 0]


def test_check_priming_downsamples_after_the_checks():
    import tensorflow as tf

    strokes = np.tile(np.array([[2.0, 1.0, 0.0]], "float32"), (2, 8, 1))
    strokes[:, 7, 2] = 1.0
    strokes[1, 2, 0] = np.nan
    normal, lengths, error = serving.check_priming(
        tf.constant(strokes), tf.constant([8, 8]), (2.0, 1.0), clip=15.0,
        max_points=10, downsample=2)
    assert [e.decode() for e in error.numpy()] == [
        "", "priming strokes hold NaN or infinite values"]
    expected = stroke_format.downsample(strokes[0], 2) / [2.0, 1.0, 1.0]
    assert lengths.numpy().tolist() == [len(expected), 0]
    np.testing.assert_allclose(normal.numpy()[0, :len(expected)], expected)
    assert not normal.numpy()[1].any()
