import keras
import numpy as np
import pytest

from rnn_layers.samplers import TopPSampler
from tests.rnn_layers.samplers.fake_models import bigram_next
from tests.rnn_layers.samplers.fake_models import step_counter

PROBS = np.array([0.05, 0.3, 0.02, 0.25, 0.08, 0.2, 0.1])
TABLE = np.tile(PROBS, (7, 1))


@pytest.mark.parametrize(
    "p,allowed", [(0.2, {1}), (0.5, {1, 3}), (0.7, {1, 3, 5})]
)
def test_never_emits_outside_the_nucleus(p, allowed):
    prompt = np.zeros((64, 12), "int32")
    tokens = keras.ops.convert_to_numpy(TopPSampler(p=p, seed=5)(
        bigram_next(TABLE), prompt, step_counter(64)))[:, 1:]
    assert set(np.unique(tokens).tolist()) == allowed


def test_k_limits_the_sorted_candidates():
    prompt = np.zeros((32, 8), "int32")
    tokens = keras.ops.convert_to_numpy(TopPSampler(p=0.99, k=2, seed=5)(
        bigram_next(TABLE), prompt, step_counter(32)))[:, 1:]
    assert set(np.unique(tokens).tolist()) == {1, 3}


def test_config_and_errors():
    sampler = TopPSampler(p=0.8, k=3, seed=2)
    assert TopPSampler.from_config(sampler.get_config()).get_config() == (
        sampler.get_config())
    with pytest.raises(ValueError, match="p=1.5"):
        TopPSampler(p=1.5)
