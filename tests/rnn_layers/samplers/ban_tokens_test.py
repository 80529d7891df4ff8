import keras
import numpy as np
import pytest

from rnn_layers import NEG_INF
from rnn_layers.samplers import BeamSampler
from rnn_layers.samplers import GreedySampler
from rnn_layers.samplers import RandomSampler
from rnn_layers.samplers import ban_tokens
from rnn_layers.samplers.ban_tokens import ban_logits
from rnn_layers.samplers.ban_tokens import checked_token_ids
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


def test_ban_logits_ignores_ids_past_the_vocabulary():
    logits = np.zeros((2, 4), "float32")
    banned = _numpy(ban_logits(logits, checked_token_ids([1, 9])))
    assert banned[:, 1].tolist() == [NEG_INF, NEG_INF]
    assert np.all(banned[:, [0, 2, 3]] == 0)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="only TensorFlow traces an unknown vocabulary size")
def test_ban_logits_with_a_vocabulary_known_only_at_run_time():
    import tensorflow as tf

    traced = tf.function(
        lambda logits: ban_logits(logits, checked_token_ids([1, 9])),
        input_signature=[tf.TensorSpec((None, None), tf.float32)])
    banned = traced(tf.zeros((2, 4))).numpy()
    assert banned[:, 1].tolist() == [NEG_INF, NEG_INF]
    assert np.all(banned[:, [0, 2, 3]] == 0)
