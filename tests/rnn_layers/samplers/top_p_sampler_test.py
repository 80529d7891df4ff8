import keras
import numpy as np
import pytest

from rnn_layers.samplers import TopPSampler
from tests.rnn_layers.samplers.fake_models import bigram_next
from tests.rnn_layers.samplers.fake_models import step_counter

PROBS = np.array([0.05, 0.3, 0.02, 0.25, 0.08, 0.2, 0.1])
TABLE = np.tile(PROBS, (7, 1))


def _draw(sampler, rows=64, length=6):
    prompt = np.zeros((rows, length), "int32")
    return keras.ops.convert_to_numpy(sampler(
        bigram_next(TABLE), prompt, step_counter(rows),
        seed=np.arange(rows)))[:, 1:]


@pytest.mark.parametrize(
    "p,allowed", [(0.2, {1}), (0.5, {1, 3}), (0.7, {1, 3, 5})]
)
def test_never_emits_outside_the_nucleus(p, allowed):
    tokens = _draw(TopPSampler(p=p))
    assert set(np.unique(tokens).tolist()) == allowed


def test_k_limits_the_candidates():
    tokens = _draw(TopPSampler(p=0.99, k=2))
    assert set(np.unique(tokens).tolist()) == {1, 3}


def test_config_and_errors():
    sampler = TopPSampler(p=0.8, k=3, seed=2)
    config = sampler.get_config()
    assert (config["p"], config["k"]) == (0.8, 3)
    assert TopPSampler.from_config(config).get_config() == config
    assert TopPSampler().get_config()["k"] is None
    with pytest.raises(ValueError, match="p=1.5"):
        TopPSampler(p=1.5)
