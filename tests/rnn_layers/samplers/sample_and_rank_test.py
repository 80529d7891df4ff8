"""Tests for `best_of_samples` and `consensus_of_samples` (every backend)."""

import numpy as np
import pytest
from keras import ops

from rnn_layers.samplers import best_of_samples
from rnn_layers.samplers import consensus_of_samples
from rnn_layers.samplers.sample_and_rank import _bigram_bleu


def test_picks_the_best_score_per_row_and_penalises_length():
    tokens = np.array([
        [[1, 5, 2, 0, 0], [1, 2, 0, 0, 0]],
        [[1, 5, 6, 7, 2], [1, 4, 2, 0, 0]],
    ])  # (samples, batch, length)
    scores = np.array([[-1.0, -3.0], [-1.2, -2.0]], "float32")
    best, best_scores = best_of_samples(tokens, scores)
    np.testing.assert_array_equal(ops.convert_to_numpy(best),
                                  [[1, 5, 2, 0, 0], [1, 4, 2, 0, 0]])
    np.testing.assert_allclose(ops.convert_to_numpy(best_scores), [-1.0, -2.0])
    # ((5 + 5) / 6) ** 2 outweighs 0.2 nats against ((5 + 3) / 6) ** 2.
    longer, longer_scores = best_of_samples(tokens, scores, length_penalty=2.0)
    np.testing.assert_array_equal(ops.convert_to_numpy(longer)[0],
                                  [1, 5, 6, 7, 2])
    np.testing.assert_allclose(ops.convert_to_numpy(longer_scores)[0], -1.2)


def test_rejects_a_negative_length_penalty():
    with pytest.raises(ValueError, match="length_penalty=-1"):
        best_of_samples(np.zeros((1, 1, 2), "int32"), np.zeros((1, 1)),
                        length_penalty=-1)


def _reference_bleu2(hypothesis, reference):
    """The similarity `consensus_of_samples` documents, in plain Python."""
    if not hypothesis:
        return np.exp(min(0.0, 1.0 - len(reference))) * 1.0
    unigrams = sum(token in reference for token in hypothesis)
    pairs = set(zip(reference, reference[1:]))
    bigrams = sum(pair in pairs for pair in zip(hypothesis, hypothesis[1:]))
    p1 = (unigrams + 1) / (len(hypothesis) + 1)
    p2 = (bigrams + 1) / (max(len(hypothesis) - 1, 0) + 1)
    brevity = np.exp(min(0.0, 1.0 - len(reference) / len(hypothesis)))
    return brevity * np.sqrt(p1 * p2)


def test_similarity_matches_a_python_reference():
    rng = np.random.default_rng(0)
    tokens = rng.integers(1, 5, size=(4, 3, 7))
    tokens[..., 5:] = 0  # padding
    tokens[0, 0, 2:] = 0  # short
    tokens[1, 1, :] = 0  # empty
    similarity = ops.convert_to_numpy(_bigram_bleu(
        ops.convert_to_tensor(tokens), ops.convert_to_tensor(tokens != 0)))
    for a in range(4):
        for b in range(4):
            for row in range(3):
                hyp = [t for t in tokens[a, row] if t]
                ref = [t for t in tokens[b, row] if t]
                assert similarity[a, b, row] == pytest.approx(
                    _reference_bleu2(hyp, ref), rel=1e-5)


def test_consensus_keeps_the_reply_the_others_share_words_with():
    # Row 0: two samples share "4 5 6"; the odd one out loses although it
    # is the likeliest, and of the two the longer wins (the shorter pays
    # the brevity penalty against it). Start (1) and end (2) are ignored.
    tokens = np.array([
        [[1, 4, 5, 6, 2, 0], [1, 7, 2, 0, 0, 0]],
        [[1, 9, 9, 9, 9, 2], [1, 7, 8, 2, 0, 0]],
        [[1, 4, 5, 6, 7, 2], [1, 7, 8, 2, 0, 0]],
    ])
    scores = np.array([[-3.0, -1.0], [-0.5, -2.0], [-4.0, -2.5]], "float32")
    best, best_scores = consensus_of_samples(tokens, scores, (0, 1, 2))
    best = ops.convert_to_numpy(best)
    np.testing.assert_array_equal(best[0], [1, 4, 5, 6, 7, 2])
    np.testing.assert_array_equal(best[1], [1, 7, 8, 2, 0, 0])
    np.testing.assert_allclose(ops.convert_to_numpy(best_scores), [-4.0, -2.0])
