"""Pure math of a linear-chain CRF: sequence score, log-partition, Viterbi.

Shapes: `potentials` `(batch, time, num_tags)` are unary scores,
`transitions[i, j]` scores tag `i` followed by tag `j`, `start_transitions`
and `end_transitions` `(num_tags,)` score the first and last tags. `mask`
`(batch, time)` is `True` on real steps; real steps come first and every
sequence has at least one. Lafferty et al. 2001; Lample et al. 2016.
"""

from keras import ops


def _mask_or_ones(mask, potentials):
    if mask is None:
        return ops.ones(ops.shape(potentials)[:2], dtype="bool")
    return ops.cast(mask, "bool")


def crf_sequence_score(
    potentials, tags, transitions, start_transitions, end_transitions,
    mask=None,
):
    """Unnormalised score of given tag sequences.

    Args:
        potentials: `(batch, time, num_tags)` float.
        tags: `(batch, time)` int.
        transitions: `(num_tags, num_tags)`.
        start_transitions: `(num_tags,)`.
        end_transitions: `(num_tags,)`.
        mask: optional `(batch, time)` bool. Defaults to all `True`.

    Returns:
        `(batch,)` scores.
    """
    mask = _mask_or_ones(mask, potentials)
    mask_f = ops.cast(mask, potentials.dtype)
    tags = ops.cast(tags, "int32")
    num_tags = ops.shape(potentials)[-1]
    unary = ops.take_along_axis(potentials, tags[..., None], axis=-1)[..., 0]
    unary = ops.sum(unary * mask_f, axis=1)  # (batch,)
    pair_index = tags[:, :-1] * num_tags + tags[:, 1:]  # (batch, time - 1)
    binary = ops.take(ops.reshape(transitions, (-1,)), pair_index, axis=0)
    binary = ops.sum(binary * mask_f[:, 1:], axis=1)  # (batch,)
    lengths = ops.sum(ops.cast(mask, "int32"), axis=1)
    last_tags = ops.take_along_axis(
        tags, ops.maximum(lengths - 1, 0)[:, None], axis=1
    )[:, 0]
    start = ops.take(start_transitions, tags[:, 0], axis=0)
    end = ops.take(end_transitions, last_tags, axis=0)
    return unary + binary + start + end


def _time_major(potentials, mask):
    steps = ops.transpose(potentials[:, 1:], (1, 0, 2))  # (time-1, b, tags)
    step_mask = ops.transpose(mask[:, 1:], (1, 0))  # (time - 1, batch)
    return steps, step_mask


def crf_log_norm(
    potentials, transitions, start_transitions, end_transitions, mask=None
):
    """Log-partition `log sum_y exp(score(y))` by the forward algorithm.

    Returns:
        `(batch,)` log normalisers.
    """
    mask = _mask_or_ones(mask, potentials)
    alpha = start_transitions + potentials[:, 0]  # (batch, tags)

    def step(alpha, inputs):
        potential_t, mask_t = inputs  # (batch, tags), (batch,)
        scores = alpha[:, :, None] + transitions[None] + potential_t[:, None]
        new_alpha = ops.logsumexp(scores, axis=1)  # (batch, tags)
        return ops.where(mask_t[:, None], new_alpha, alpha), None

    alpha, _ = ops.scan(step, alpha, _time_major(potentials, mask))
    return ops.logsumexp(alpha + end_transitions, axis=-1)


def crf_log_likelihood(
    potentials, tags, transitions, start_transitions, end_transitions,
    mask=None,
):
    """`log p(tags | inputs)` = score - log-partition, `(batch,)`."""
    potentials = ops.cast(potentials, "float32")
    score = crf_sequence_score(
        potentials, tags, transitions, start_transitions, end_transitions,
        mask,
    )
    log_norm = crf_log_norm(
        potentials, transitions, start_transitions, end_transitions, mask
    )
    return score - log_norm


def crf_viterbi_decode(
    potentials, transitions, start_transitions, end_transitions, mask=None
):
    """Highest-scoring tag sequences (Viterbi).

    Returns:
        Tuple `(tags, scores)`: int32 `(batch, time)` with 0 on padding,
        and `(batch,)` best scores.
    """
    mask = _mask_or_ones(mask, potentials)
    num_tags = ops.shape(potentials)[-1]
    identity = ops.arange(num_tags, dtype="int32")[None]  # (1, tags)
    score = start_transitions + potentials[:, 0]  # (batch, tags)

    def forward(score, inputs):
        potential_t, mask_t = inputs
        candidates = score[:, :, None] + transitions[None]  # (b, prev, next)
        best_prev = ops.cast(ops.argmax(candidates, axis=1), "int32")
        new_score = ops.max(candidates, axis=1) + potential_t
        keep = mask_t[:, None]
        best_prev = ops.where(keep, best_prev, identity)  # padding: stay
        # `ops.scan` on TensorFlow wants outputs shaped and typed like the
        # carry, so the (small, exact) tag indices travel as floats.
        return ops.where(keep, new_score, score), ops.cast(
            best_prev, score.dtype
        )

    score, backpointers = ops.scan(
        forward, score, _time_major(potentials, mask)
    )  # (batch, tags), (time - 1, batch, tags)
    backpointers = ops.cast(backpointers, "int32")
    score = score + end_transitions
    last_tag = ops.cast(ops.argmax(score, axis=-1), "int32")  # (batch,)

    def backward(tag, backpointer):
        previous = ops.take_along_axis(backpointer, tag[:, None], axis=1)
        return previous[:, 0], tag

    first_tag, later_tags = ops.scan(
        backward, last_tag, backpointers, reverse=True
    )  # (batch,), (time - 1, batch)
    tags = ops.concatenate([first_tag[None], later_tags], axis=0)
    tags = ops.transpose(tags, (1, 0))  # (batch, time)
    tags = ops.where(mask, tags, 0)
    return tags, ops.max(score, axis=-1)
