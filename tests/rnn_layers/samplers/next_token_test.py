"""Tests for `Sampler.next_token`, `Sampler.row_keys` and packed states:
stepping a model by hand draws what the decode loop draws."""

import keras
import numpy as np
import pytest
from keras import ops

from rnn_layers.samplers import GreedySampler
from rnn_layers.samplers import RandomSampler
from rnn_layers.samplers.packed_states import pack_states
from rnn_layers.samplers.packed_states import state_sizes
from rnn_layers.samplers.packed_states import unpack_states
from tests.rnn_layers.samplers.fake_models import TinyDecoder


def _numpy(x):
    return keras.ops.convert_to_numpy(x)


def _stepped(sampler, decoder, prompt, prompt_length, seed, **settings):
    """Feeds the prompt, then picks each token with `next_token`."""
    batch, max_length = prompt.shape
    mask = np.arange(max_length)[None, :] < prompt_length  # (batch, T)
    seeds = (sampler.row_keys(seed, prompt, mask) if sampler.stochastic
             else None)
    tokens, states = prompt.copy(), decoder.initial_cache(batch)
    for index in range(1, max_length):
        logits, states = decoder.step_fn(
            ops.convert_to_tensor(tokens[:, index - 1]), states)
        if index < prompt_length:  # forced prompt token
            continue
        token, _ = sampler.next_token(
            logits, index, seeds, ops.convert_to_tensor(tokens), **settings)
        tokens[:, index] = _numpy(token)
    return tokens


@pytest.mark.parametrize("sampler,settings", [
    (GreedySampler(), {}),
    (RandomSampler(), {"temperature": 1.5, "top_k": 4, "top_p": 0.9}),
    (RandomSampler(no_repeat_ngram_size=2), {"temperature": 3.0}),
])
def test_stepping_with_next_token_equals_the_decode_loop(sampler, settings):
    decoder = TinyDecoder(vocabulary=7, units=6)
    prompt = np.array([[1, 2, 3, 0, 0, 0, 0, 0],
                       [4, 5, 6, 0, 0, 0, 0, 0]], "int32")
    mask = np.arange(8)[None, :] < 3
    looped = _numpy(sampler(decoder.next, prompt,
                            decoder.initial_cache(2), mask=mask, seed=11,
                            **settings))
    stepped = _stepped(sampler, decoder, prompt, 3, 11, **settings)
    np.testing.assert_array_equal(stepped, looped)
    if sampler.stochastic:  # another seed, another stream
        other = _stepped(sampler, decoder, prompt, 3, 12, **settings)
        assert not np.array_equal(other, stepped)


def test_packed_states_round_trip():
    h = np.arange(6, dtype="float32").reshape(2, 3)
    c = -np.arange(8, dtype="float32").reshape(2, 4)
    packed = pack_states((h, c))
    assert tuple(packed.shape) == (2, 7)
    assert state_sizes((h, c)) == (3, 4)
    back_h, back_c = unpack_states(packed, (3, 4))
    np.testing.assert_array_equal(_numpy(back_h), h)
    np.testing.assert_array_equal(_numpy(back_c), c)
