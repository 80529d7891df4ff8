import keras
import numpy as np
import pytest

from rnn_layers import NEG_INF
from rnn_layers.samplers.sampler_math import filter_logits
from tests.rnn_layers.samplers.sampling_reference import filtered_distribution


def _kept(logits, top_k, top_p):
    return keras.ops.convert_to_numpy(
        filter_logits(np.asarray(logits, "float32"), top_k, top_p)) > NEG_INF


@pytest.mark.parametrize(
    "top_k,top_p",
    [(0, 1.0), (2, 1.0), (0, 0.5), (3, 0.6), (1, 0.99), (-1, 0.3),
     (10, 2.0)],
)
def test_matches_the_numpy_reference(top_k, top_p):
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4, 6)) * 2
    logits[3] = [0.0, 1.0, 1.0, 1.0, 0.0, 1.0]  # ties
    probabilities = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    expected = np.stack([filtered_distribution(p, top_k, top_p) > 0
                         for p in probabilities])
    assert _kept(logits, top_k, top_p).tolist() == expected.tolist()


def test_tensor_arguments_and_values_kept():
    logits = np.log(np.array([[0.1, 0.5, 0.15, 0.25]], "float32"))
    out = keras.ops.convert_to_numpy(filter_logits(
        logits, keras.ops.convert_to_tensor(2),
        keras.ops.convert_to_tensor(0.95)))
    assert out[0, [1, 3]].tolist() == logits[0, [1, 3]].tolist()
    assert out[0, [0, 2]].tolist() == [NEG_INF, NEG_INF]


def test_most_probable_token_always_stays():
    logits = np.array([[0.0, 5.0, 1.0]], "float32")
    assert _kept(logits, 1, 1e-6).tolist() == [[False, True, False]]
