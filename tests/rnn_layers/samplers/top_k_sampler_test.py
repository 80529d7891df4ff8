import keras
import numpy as np
import pytest

from rnn_layers.samplers import RandomSampler
from rnn_layers.samplers import TopKSampler
from tests.rnn_layers.samplers.fake_models import bigram_next
from tests.rnn_layers.samplers.fake_models import step_counter

PROBS = np.array([0.05, 0.3, 0.02, 0.25, 0.08, 0.2, 0.1])
TABLE = np.tile(PROBS, (7, 1))


def _draw(sampler, seed, rows=64, length=6):
    prompt = np.zeros((rows, length), "int32")
    return keras.ops.convert_to_numpy(sampler(
        bigram_next(TABLE), prompt, step_counter(rows), seed=seed))[:, 1:]


@pytest.mark.parametrize("k", [1, 3])
def test_never_emits_outside_the_top_k(k):
    tokens = _draw(TopKSampler(k=k, temperature=2.0), np.arange(64))
    allowed = set(np.argsort(-PROBS)[:k].tolist())
    assert set(np.unique(tokens).tolist()) == allowed


def test_equals_random_sampler_with_top_k():
    seeds = np.arange(64)
    assert _draw(TopKSampler(k=3), seeds).tolist() == _draw(
        RandomSampler(top_k=3), seeds).tolist()


def test_seed_reproducible_and_distinct():
    sampler = TopKSampler(k=4)
    first = _draw(sampler, 3, rows=1, length=40)
    assert np.array_equal(first, _draw(sampler, 3, rows=1, length=40))
    assert not np.array_equal(first, _draw(sampler, 4, rows=1, length=40))


def test_config_and_errors():
    sampler = TopKSampler(k=2, temperature=0.5, seed=1, no_repeat_ngram_size=3)
    config = sampler.get_config()
    assert config["k"] == 2 and "top_k" not in config
    assert TopKSampler.from_config(config).get_config() == config
    with pytest.raises(ValueError, match="k=0"):
        TopKSampler(k=0)
    with pytest.raises(ValueError, match="temperature=0"):
        TopKSampler(temperature=0)
