import keras
import numpy as np
import pytest

from rnn_layers.samplers import BeamSampler
from rnn_layers.samplers import GreedySampler
from tests.rnn_layers.samplers.fake_models import TinyDecoder
from tests.rnn_layers.samplers.fake_models import bigram_next
from tests.rnn_layers.samplers.fake_models import step_counter

# Start token 0. Greedy takes 1 (0.6) then at best 0.35; the best sequence
# goes through 2 (0.4) and then 3 (0.95): 0.38 > 0.21. Token 4 is the end.
GARDEN_PATH = np.array([
    [0.0, 0.6, 0.4, 0.0, 0.0],
    [0.0, 0.3, 0.0, 0.35, 0.35],
    [0.0, 0.0, 0.0, 0.95, 0.05],
    [0.0, 0.0, 0.0, 0.0, 1.0],
    [0.2, 0.2, 0.2, 0.2, 0.2],
]) + 1e-6


def _numpy(x):
    return keras.ops.convert_to_numpy(x)


def test_finds_the_best_sequence_that_greedy_misses():
    prompt = np.zeros((1, 5), "int32")
    greedy, greedy_score = GreedySampler()(
        bigram_next(GARDEN_PATH), prompt, step_counter(1), end_token_id=4,
        return_scores=True)
    beam, beam_score = BeamSampler(num_beams=2)(
        bigram_next(GARDEN_PATH), prompt, step_counter(1), end_token_id=4,
        return_scores=True)
    assert _numpy(greedy).tolist() == [[0, 1, 3, 4, 0]]
    assert _numpy(beam).tolist() == [[0, 2, 3, 4, 0]]
    table = GARDEN_PATH / GARDEN_PATH.sum(-1, keepdims=True)
    np.testing.assert_allclose(
        _numpy(greedy_score),
        [np.log(table[0, 1] * table[1, 3] * table[3, 4])], rtol=1e-5)
    np.testing.assert_allclose(
        _numpy(beam_score), [np.log(table[0, 2] * table[2, 3] * table[3, 4])],
        rtol=1e-5)


def _teacher_forced_log_probs(decoder, tokens, end_token_id):
    """NumPy sum of `log p(token | prefix)` over generated positions."""
    states = decoder.initial_cache(tokens.shape[0])
    total = np.zeros(tokens.shape[0])
    alive = np.ones(tokens.shape[0], bool)
    for index in range(1, tokens.shape[1]):
        logits, states = decoder.step_fn(tokens[:, index - 1], states)
        logits = _numpy(logits).astype("float64")
        log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
        picked = log_probs[np.arange(len(total)), tokens[:, index]]
        total += np.where(alive, picked, 0.0)
        alive &= tokens[:, index] != end_token_id
    return total


def test_beam_log_prob_beats_greedy_on_a_random_model():
    decoder = TinyDecoder(seed=4)
    prompt = np.zeros((3, 7), "int32")
    prompt[:, 0] = [1, 2, 5]
    kwargs = dict(end_token_id=3, return_scores=True)
    greedy, greedy_scores = GreedySampler()(
        decoder.next, prompt, decoder.initial_cache(3), **kwargs)
    beam, beam_scores = BeamSampler(num_beams=4)(
        decoder.next, prompt, decoder.initial_cache(3), **kwargs)
    greedy, beam = _numpy(greedy), _numpy(beam)
    np.testing.assert_allclose(
        _numpy(greedy_scores), _teacher_forced_log_probs(decoder, greedy, 3),
        atol=1e-4)
    np.testing.assert_allclose(
        _numpy(beam_scores), _teacher_forced_log_probs(decoder, beam, 3),
        atol=1e-4)
    assert np.all(_numpy(beam_scores) >= _numpy(greedy_scores) - 1e-5)
    assert np.any(_numpy(beam_scores) > _numpy(greedy_scores) + 1e-3)


@pytest.mark.parametrize("ngram", [0, 2])
def test_one_beam_equals_greedy(ngram):
    decoder = TinyDecoder()
    prompt = np.array([[2, 5, 0, 0, 0, 0, 0, 0],
                       [6, 0, 0, 0, 0, 0, 0, 0],
                       [1, 1, 1, 0, 0, 0, 0, 0]], "int32")
    kwargs = dict(mask=prompt > 0, end_token_id=3)
    greedy = GreedySampler(no_repeat_ngram_size=ngram)(
        decoder.next, prompt, decoder.initial_cache(3), **kwargs)
    beam = BeamSampler(num_beams=1, no_repeat_ngram_size=ngram)(
        decoder.next, prompt, decoder.initial_cache(3), **kwargs)
    assert _numpy(beam).tolist() == _numpy(greedy).tolist()


def test_all_beams_sorted_and_length_penalty():
    # From 0: end (2) now with 0.5, or 1 (0.5) then 1 again (0.9) ... end.
    table = np.array([[0.0, 0.5, 0.5], [0.0, 0.9, 0.1], [1.0, 0.0, 0.0]])
    table = table + 1e-6
    prompt = np.zeros((2, 6), "int32")
    sampler = BeamSampler(num_beams=2, return_all_beams=True)
    tokens, scores = sampler(bigram_next(table), prompt, step_counter(2),
                             end_token_id=2)
    tokens, scores = _numpy(tokens), _numpy(scores)
    assert tokens.shape == (2, 2, 6) and scores.shape == (2, 2)
    assert np.all(scores[:, 0] >= scores[:, 1])
    assert tokens[0, 0].tolist() == [0, 2, 0, 0, 0, 0]
    np.testing.assert_allclose(scores[0, 0], np.log(0.5), atol=1e-4)
    # A strong length penalty prefers the longer hypothesis; the score
    # stays its log-probability.
    long, long_score = BeamSampler(num_beams=2, length_penalty=3.0)(
        bigram_next(table), prompt, step_counter(2), end_token_id=2,
        return_scores=True)
    long = _numpy(long)[0].tolist()
    assert long == [0, 1, 1, 1, 1, 1]
    table = table / table.sum(-1, keepdims=True)
    np.testing.assert_allclose(_numpy(long_score)[0],
                               np.log(table[0, 1] * table[1, 1] ** 4),
                               rtol=1e-4)


def test_config_and_errors():
    sampler = BeamSampler(num_beams=3, length_penalty=0.6,
                          return_all_beams=True, no_repeat_ngram_size=2)
    assert BeamSampler.from_config(sampler.get_config()).get_config() == (
        sampler.get_config())
    with pytest.raises(ValueError, match="num_beams=0"):
        BeamSampler(num_beams=0)
    with pytest.raises(ValueError, match="length_penalty=-1"):
        BeamSampler(length_penalty=-1)
