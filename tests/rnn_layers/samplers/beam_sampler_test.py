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
    greedy = GreedySampler()(bigram_next(GARDEN_PATH), prompt,
                             step_counter(1), end_token_id=4)
    beam = BeamSampler(num_beams=2)(bigram_next(GARDEN_PATH), prompt,
                                    step_counter(1), end_token_id=4)
    assert _numpy(greedy).tolist()[0][:3] == [0, 1, 3]
    assert _numpy(beam).tolist() == [[0, 2, 3, 4, 0]]


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
    # A strong length penalty prefers the longer hypothesis.
    long = BeamSampler(num_beams=2, length_penalty=3.0)(
        bigram_next(table), prompt, step_counter(2), end_token_id=2)
    assert _numpy(long)[0].tolist()[:3] == [0, 1, 1]


def test_config_and_errors():
    sampler = BeamSampler(num_beams=3, length_penalty=0.6,
                          return_all_beams=True, no_repeat_ngram_size=2)
    assert BeamSampler.from_config(sampler.get_config()).get_config() == (
        sampler.get_config())
    with pytest.raises(ValueError, match="num_beams=0"):
        BeamSampler(num_beams=0)
    with pytest.raises(ValueError, match="length_penalty=-1"):
        BeamSampler(length_penalty=-1)


def test_attention_decoder_with_memory_expanded_to_beams():
    from rnn_layers import LSTMCell
    from rnn_layers.attention import AttentionWrapper
    from rnn_layers.attention import LuongAttention
    from rnn_layers.samplers import recurrent_next

    vocabulary, depth = 6, 4
    rng = np.random.default_rng(0)
    memory = rng.normal(size=(2, 5, depth)).astype("float32")
    memory_mask = np.array([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0]], bool)
    embedding = keras.layers.Embedding(vocabulary, 3)
    wrapper = AttentionWrapper(LSTMCell(5), LuongAttention(),
                               memory_depth=depth, attention_layer_size=4)
    head = keras.layers.Dense(
        vocabulary,
        kernel_initializer=keras.initializers.RandomNormal(stddev=2.0))

    def decode(sampler, constants):
        def step_fn(tokens, states):
            output, states = wrapper(embedding(tokens), list(states),
                                     constants=constants)
            return head(output), tuple(states)

        # The prompt and cache are per example; the sampler repeats them.
        prompt = np.ones((2, 6), "int32")
        cache = tuple(wrapper.get_initial_state(2))
        return _numpy(sampler(recurrent_next(step_fn), prompt, cache,
                              end_token_id=0))

    constants = wrapper.prepare_constants(memory, memory_mask)
    output, _ = wrapper(embedding(np.ones((2,), "int32")),
                        wrapper.get_initial_state(2), constants=constants)
    head(output)  # build every layer outside the decode loop
    greedy = decode(GreedySampler(), constants)
    one_beam = BeamSampler(num_beams=1)
    assert decode(one_beam, one_beam.expand_to_beams(constants)).tolist() == (
        greedy.tolist())
    three = BeamSampler(num_beams=3)
    tokens = decode(three, three.expand_to_beams(constants))
    assert tokens.shape == (2, 6)
