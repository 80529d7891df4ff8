import keras
import numpy as np

from rnn_layers.samplers import GreedySampler
from tests.rnn_layers.samplers.fake_models import TinyDecoder
from tests.rnn_layers.samplers.fake_models import bigram_next
from tests.rnn_layers.samplers.fake_models import step_counter

# Token t is followed by (t + 1) % 5 with probability 0.9.
CYCLE = 0.025 + 0.875 * np.roll(np.eye(5), 1, axis=1)


def _numpy(x):
    return keras.ops.convert_to_numpy(x)


def test_exact_continuation_and_prompts_of_different_lengths():
    prompt = np.array([[3, 0, 0, 0, 0, 0], [1, 4, 2, 0, 0, 0]], "int32")
    mask = np.array([[1, 0, 0, 0, 0, 0], [1, 1, 1, 0, 0, 0]], bool)
    tokens = GreedySampler()(bigram_next(CYCLE), prompt, step_counter(2),
                             mask=mask)
    assert _numpy(tokens).tolist() == [[3, 4, 0, 1, 2, 3],
                                       [1, 4, 2, 3, 4, 0]]


def test_end_token_pads_the_rest_and_stops_early():
    prompt = np.array([[1, 0, 0, 0, 0, 0], [3, 0, 0, 0, 0, 0]], "int32")
    tokens = GreedySampler()(bigram_next(CYCLE), prompt, step_counter(2),
                             end_token_id=4, pad_token_id=0)
    # Row 0 reaches 4 after 3 steps, row 1 after one; both then pad.
    assert _numpy(tokens).tolist() == [[1, 2, 3, 4, 0, 0], [3, 4, 0, 0, 0, 0]]


def test_ngram_blocking_is_exact():
    # Always prefers token 1, then 2, then 3.
    table = np.tile([0.05, 0.5, 0.3, 0.15], (4, 1))
    prompt = np.zeros((1, 7), "int32")
    tokens = GreedySampler(no_repeat_ngram_size=2)(
        bigram_next(table), prompt, step_counter(1))
    # Bigrams must stay unique: 0 1, 1 1, 1 2, 2 1, 1 3, 3 1.
    assert _numpy(tokens).tolist() == [[0, 1, 1, 2, 1, 3, 1]]


def test_recurrent_decoder_matches_a_python_loop_one_step_per_token():
    decoder = TinyDecoder()
    prompt = np.array([[2, 5, 0, 0, 0, 0, 0], [6, 0, 0, 0, 0, 0, 0]], "int32")
    mask = prompt > 0
    tokens = _numpy(GreedySampler()(
        decoder.next, prompt, decoder.initial_cache(2), mask=mask))
    # Reference: feed each token once, argmax where no prompt token.
    states = decoder.initial_cache(2)
    expected = prompt.copy()
    for index in range(1, 7):
        logits, states = decoder.step_fn(expected[:, index - 1], states)
        choice = np.argmax(_numpy(logits), -1)
        expected[:, index] = np.where(mask[:, index], prompt[:, index], choice)
    assert tokens.tolist() == expected.tolist()


def test_scores_cover_generated_tokens_only():
    prompt = np.array([[3, 0, 0, 0, 0, 0], [1, 4, 2, 0, 0, 0]], "int32")
    mask = prompt > 0
    mask[1, 0] = True
    tokens, scores = GreedySampler()(
        bigram_next(CYCLE), prompt, step_counter(2), mask=mask,
        end_token_id=0, return_scores=True)
    # Row 0: 4 then the end token 0; row 1: 3, 4, then 0. Each step 0.9.
    assert _numpy(tokens).tolist() == [[3, 4, 0, 0, 0, 0],
                                       [1, 4, 2, 3, 4, 0]]
    np.testing.assert_allclose(_numpy(scores), np.log([0.9 ** 2, 0.9 ** 3]),
                               rtol=1e-5)
