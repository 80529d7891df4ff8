"""Tests for apps/language_model/sampling.py: buffers, sampling, scoring."""

import keras
import numpy as np

from apps.language_model import sampling
from apps.language_model.model import ModelConfig, build_model
from rnn_layers import BeamSampler

CONFIG = ModelConfig(vocabulary_size=9, embedding_dim=4, units=5, num_layers=1)


def _to_numpy(x):
    return keras.ops.convert_to_numpy(x)


def test_buffer_marks_start_and_each_prompt():
    buffer, mask = sampling.build_buffer(
        np.array([[5, 6, 7], [8, 0, 0]]), np.array([3, 1]), 2, 2)
    assert _to_numpy(buffer).tolist() == [[2, 5, 6, 7, 0, 0], [2, 8, 0, 0, 0, 0]]
    assert _to_numpy(mask).tolist() == [
        [True] * 4 + [False] * 2, [True, True] + [False] * 4]
    tokens = np.arange(12).reshape(2, 6)
    assert _to_numpy(sampling.continuation_ids(
        tokens, np.array([3, 1]), 2)).tolist() == [[4, 5], [8, 9]]


def test_filters_of_the_call_apply_and_rows_are_independent():
    keras.utils.set_random_seed(0)
    model = build_model(CONFIG)
    prompts, lengths = np.array([[3, 4, 5], [6, 0, 0]]), np.array([3, 1])
    greedy = _to_numpy(sampling.generate_ids(model, prompts, lengths, 1, 6))
    for filters in ({"top_k": 1}, {"top_p": 1e-6}):
        filtered = _to_numpy(sampling.generate_ids(
            model, prompts, lengths, 1, 6, sampler="random", seed=3,
            temperature=5.0, **filters))
        np.testing.assert_array_equal(filtered, greedy)
    drawn = _to_numpy(sampling.generate_ids(
        model, prompts, lengths, 1, 6, sampler="random", seed=3,
        temperature=5.0, top_k=0, top_p=1.0))
    assert (drawn != greedy).any()  # hot, unfiltered draws leave the argmax
    for row in range(2):
        alone = _to_numpy(sampling.generate_ids(
            model, prompts[row:row + 1, :lengths[row]], lengths[row:row + 1],
            1, 6, sampler="random", seed=3, temperature=5.0))
        np.testing.assert_array_equal(alone[0], drawn[row])
    beam1 = _to_numpy(sampling.generate_ids(
        model, prompts, lengths, 1, 6, sampler=BeamSampler(num_beams=1)))
    np.testing.assert_array_equal(beam1, greedy)


def test_sequence_log_probs_sum_the_next_token_log_softmax():
    keras.utils.set_random_seed(0)
    model = build_model(CONFIG)
    ids = np.array([[1, 3, 4, 0], [1, 5, 0, 0]], "int32")
    got = _to_numpy(sampling.sequence_log_probs(model, ids, np.array([2, 1])))
    logits = _to_numpy(model(ids[:, :-1]))
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = [log_probs[0, 0, 3] + log_probs[0, 1, 4], log_probs[1, 0, 5]]
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_banned_ids_are_never_sampled():
    keras.utils.set_random_seed(0)
    model = build_model(CONFIG)
    logits = model.get_layer("logits")
    kernel, bias = logits.get_weights()
    bias[[0, 1]] = 50.0  # <pad> and <unk> would win every draw
    logits.set_weights([kernel, bias])
    prompts, lengths = np.array([[3, 4], [5, 0]]), np.array([2, 1])
    free = _to_numpy(sampling.generate_ids(
        model, prompts, lengths, 2, 8, sampler="random", seed=1))
    assert set(free.ravel()) <= {0, 1}
    for sampler in ("greedy", "random", "beam"):
        banned = _to_numpy(sampling.generate_ids(
            model, prompts, lengths, 2, 8, sampler=sampler, seed=1,
            banned_ids=(0, 1)))
        assert banned.shape == (2, 8)
        assert not set(banned.ravel()) & {0, 1}, sampler
