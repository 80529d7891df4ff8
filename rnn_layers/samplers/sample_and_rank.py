"""Choosing one of several sampled sequences: the likeliest (sample-and-rank)
or the one the others agree with (minimum Bayes risk)."""

from keras import ops

from rnn_layers.samplers.sampler_math import gnmt_length_penalty


def _take_best(tokens, scores, ranks):
    """The sample of highest `ranks` `(N, batch)` in each row, and its score.
    """
    pick = ops.one_hot(ops.argmax(ranks, axis=0), ops.shape(ranks)[0],
                       axis=0)  # (N, batch)
    chosen = ops.sum(ops.cast(tokens, "int32") * ops.cast(
        pick[..., None], "int32"), axis=0)
    return chosen, ops.sum(ops.cast(scores, "float32") * pick, axis=0)


def best_of_samples(tokens, scores, pad_token_id=0, length_penalty=0.0):
    """Picks, per row, the sampled sequence with the best penalised score.

    Adiwardana et al. 2020 ("Towards a Human-like Open-Domain Chatbot",
    section 2.4) sample `N` replies independently and answer with the one
    of highest log-probability. Dividing each score by the GNMT length
    penalty `((5 + |Y|) / 6) ** length_penalty` (as `BeamSampler` does)
    offsets that rule's taste for short sequences.

    Args:
        tokens: int `(num_samples, batch, length)`, each sample's tokens
            (padding after the end, as every sampler writes them).
        scores: float `(num_samples, batch)`, each sample's summed
            log-probability.
        pad_token_id: int, the padding id; `|Y|` counts the other tokens.
            Defaults to `0`.
        length_penalty: float `alpha >= 0`; `0` ranks by raw
            log-probability. Defaults to `0.0`.

    Returns:
        `(tokens, scores)`: int `(batch, length)` and float32 `(batch,)`,
        the chosen sample of each row and its (unpenalised) score.

    Example:

    >>> tokens = np.array([[[1, 5, 2, 0]], [[1, 5, 6, 2]]])
    >>> best, score = best_of_samples(tokens, np.array([[-1.0], [-1.5]]),
    ...                               length_penalty=0.0)
    >>> ops.convert_to_numpy(best).tolist(), float(score[0])
    ([[1, 5, 2, 0]], -1.0)
    """
    if length_penalty < 0:
        raise ValueError(
            f"Received `length_penalty={length_penalty!r}`; expected a "
            "float >= 0."
        )
    scores = ops.cast(scores, "float32")
    lengths = ops.sum(ops.cast(ops.not_equal(tokens, pad_token_id), "int32"),
                      axis=-1)  # (num_samples, batch)
    return _take_best(tokens, scores, scores / gnmt_length_penalty(
        lengths, length_penalty))


def _bigram_bleu(tokens, valid):
    """Smoothed BLEU-2 of every sample against every other, per row.

    Args:
        tokens: int `(num_samples, batch, length)`.
        valid: bool, same shape, `True` on the tokens that count.

    Returns:
        float32 `(num_samples, num_samples, batch)`: entry `[a, b]` scores
        hypothesis `a` against reference `b`.
    """
    # (N, 1, B, L, 1) against (1, N, B, 1, L): does token i of a equal
    # token j of b?
    hyp, ref = tokens[:, None, :, :, None], tokens[None, :, :, None, :]
    both = ops.logical_and(valid[:, None, :, :, None],
                           valid[None, :, :, None, :])
    same = ops.logical_and(ops.equal(hyp, ref), both)  # (N, N, B, L, L)
    pairs = ops.logical_and(same[..., :-1, :-1], same[..., 1:, 1:])
    valid_pairs = ops.logical_and(valid[..., :-1], valid[..., 1:])
    # An n-gram of `a` matches when `b` holds it anywhere.
    unigram_hits = ops.sum(ops.cast(ops.any(same, axis=-1), "float32"), -1)
    bigram_hits = ops.sum(ops.cast(ops.any(pairs, axis=-1), "float32"), -1)
    lengths = ops.sum(ops.cast(valid, "float32"), axis=-1)  # (N, B)
    bigrams = ops.sum(ops.cast(valid_pairs, "float32"), axis=-1)
    # Add-one smoothing of both precisions (Lin & Och 2004).
    p1 = (unigram_hits + 1.0) / (lengths[:, None] + 1.0)
    p2 = (bigram_hits + 1.0) / (bigrams[:, None] + 1.0)
    hyp_length = ops.maximum(lengths[:, None], 1.0)
    brevity = ops.exp(ops.minimum(0.0, 1.0 - lengths[None, :] / hyp_length))
    return brevity * ops.sqrt(p1 * p2)


def consensus_of_samples(tokens, scores, ignored_token_ids=(0,)):
    """Picks, per row, the sample that agrees most with the others.

    Minimum Bayes risk decoding (Kumar & Byrne 2004; for sampled
    candidates, Eikema & Aziz 2020): each sample is scored by its mean
    similarity to the other samples of its row, taken as draws of what
    the model would say, and the best is kept. The similarity is a
    smoothed BLEU-2 on token ids (add-one smoothed unigram and bigram
    precisions, an n-gram matching when the other sample holds it
    anywhere, and BLEU's brevity penalty), so the answer is the reply the
    samples share most words and word pairs with: typical but not the
    shortest, unlike ranking by log-probability.

    Args:
        tokens: int `(num_samples, batch, length)`, each sample's tokens.
        scores: float `(num_samples, batch)`, each sample's summed
            log-probability (returned for the chosen one, not used to
            choose).
        ignored_token_ids: ids that are not words (padding, start and end
            tokens). Defaults to `(0,)`.

    Returns:
        `(tokens, scores)`: int `(batch, length)` and float32 `(batch,)`.

    Example:

    >>> tokens = np.array([[[5, 6, 7]], [[5, 6, 8]], [[9, 9, 9]]])
    >>> best, _ = consensus_of_samples(tokens, np.zeros((3, 1)))
    >>> ops.convert_to_numpy(best).tolist()
    [[5, 6, 7]]
    """
    tokens = ops.cast(tokens, "int32")
    valid = ops.ones(ops.shape(tokens), dtype="bool")
    for token_id in ignored_token_ids:
        valid = ops.logical_and(valid, ops.not_equal(tokens, token_id))
    similarity = _bigram_bleu(tokens, valid)  # (N, N, B)
    num_samples = ops.shape(tokens)[0]
    others = 1.0 - ops.eye(num_samples)[:, :, None]
    expected = ops.sum(similarity * others, axis=1)  # (N, B)
    return _take_best(tokens, scores, expected)
