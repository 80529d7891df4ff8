import keras
import numpy as np
import pytest

from rnn_layers import NEG_INF
from rnn_layers.samplers import BeamSampler
from rnn_layers.samplers import GreedySampler
from rnn_layers.samplers import RandomSampler
from rnn_layers.samplers import ban_tokens
from tests.rnn_layers.samplers.fake_models import bigram_next
from tests.rnn_layers.samplers.fake_models import step_counter

# Token 1 is by far the most likely everywhere, then 2.
TABLE = np.tile([0.02, 0.9, 0.05, 0.03], (4, 1))


def _numpy(x):
    return keras.ops.convert_to_numpy(x)


def test_banned_ids_are_never_generated():
    next = ban_tokens(bigram_next(TABLE), [1, 0])
    prompt = np.array([[1, 1, 0, 0, 0, 0]] * 40, "int32")
    mask = np.zeros(prompt.shape, bool)
    mask[:, :2] = True  # the prompt itself may hold a banned id
    for sampler, seed in ((GreedySampler(), None), (BeamSampler(2), None),
                          (RandomSampler(), np.arange(40))):
        tokens = _numpy(sampler(next, prompt, step_counter(40), mask=mask,
                                seed=seed))
        assert np.all(tokens[:, :2] == 1)
        assert set(np.unique(tokens[:, 2:])) <= {2, 3}
    greedy = _numpy(GreedySampler()(next, prompt[:1], step_counter(1),
                                    mask=mask[:1]))
    assert greedy.tolist() == [[1, 1, 2, 2, 2, 2]]


def test_logits_and_empty_list():
    step = bigram_next(TABLE)
    logits, _, _ = ban_tokens(step, [3])(
        np.zeros((1, 2), "int32"), step_counter(1), 1)
    assert _numpy(logits)[0, 3] == NEG_INF
    assert ban_tokens(step, []) is step
    with pytest.raises(ValueError, match="-1"):
        ban_tokens(step, [-1, 2])
