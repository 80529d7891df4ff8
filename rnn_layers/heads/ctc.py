"""CTC helpers over `keras.ops.ctc_loss` and `keras.ops.ctc_decode`.

Connectionist Temporal Classification (Graves et al. 2006) for unsegmented
sequence labelling, e.g. online handwriting recognition. Label 0 is the
blank by default (`mask_index`), as in `keras.ops`.
"""

from keras import ops

_STRATEGIES = ("greedy", "beam_search")


def _lengths_or_full(lengths, batch, full_length):
    if lengths is None:
        return ops.full((batch,), full_length, dtype="int32")
    return ops.cast(lengths, "int32")


def ctc_loss(labels, logits, label_lengths=None, logit_lengths=None,
             mask_index=0):
    """Per-example CTC negative log-likelihood.

    Args:
        labels: int `(batch, max_label_length)`, padded with anything past
            `label_lengths`.
        logits: float `(batch, time, num_classes)` including the blank.
        label_lengths: optional int `(batch,)`; when `None`, labels equal to
            `mask_index` are treated as padding and not counted. Defaults to
            `None`.
        logit_lengths: optional int `(batch,)`. Defaults to the full time.
        mask_index: int, the blank class. Defaults to `0`.

    Returns:
        `(batch,)` float losses.

    Example:

    >>> logits = np.zeros((2, 6, 4), "float32")
    >>> labels = np.array([[1, 2, 0], [3, 0, 0]])
    >>> tuple(ctc_loss(labels, logits).shape)
    (2,)
    """
    labels = ops.cast(labels, "int32")
    logits = ops.cast(logits, "float32")
    batch, time = ops.shape(logits)[0], ops.shape(logits)[1]
    if label_lengths is None:
        label_lengths = ops.sum(ops.cast(labels != mask_index, "int32"), -1)
    label_lengths = ops.cast(label_lengths, "int32")
    logit_lengths = _lengths_or_full(logit_lengths, batch, time)
    return ops.ctc_loss(
        labels, logits, label_lengths, logit_lengths, mask_index=mask_index
    )


def ctc_decode(logits, logit_lengths=None, strategy="greedy", beam_width=100,
               top_paths=1, mask_index=0):
    """Decodes CTC outputs greedily or with beam search.

    Args:
        logits: float `(batch, time, num_classes)`.
        logit_lengths: optional int `(batch,)`. Defaults to the full time.
        strategy: `"greedy"` or `"beam_search"`. Defaults to `"greedy"`.
        beam_width: int, beam size for `"beam_search"`. Defaults to `100`.
        top_paths: int, paths returned by `"beam_search"`. Defaults to `1`.
        mask_index: int, the blank class. Defaults to `0`.

    Returns:
        Tuple `(paths, scores)`: int `(top_paths, batch, time)` label
        sequences padded with `-1`, and `(batch, top_paths)` scores (the
        negative sum of max logits for greedy, log-probabilities for beam).

    Raises:
        ValueError: for an unknown `strategy`.

    Example:

    >>> logits = np.log(np.eye(4, dtype="float32")[[[1, 1, 0, 2]]] + 1e-3)
    >>> paths, _ = ctc_decode(logits)
    >>> keras.ops.convert_to_numpy(paths)[0, 0, :2].tolist()
    [1, 2]
    """
    if strategy not in _STRATEGIES:
        raise ValueError(
            f"Received `strategy={strategy!r}`; expected one of "
            f"{_STRATEGIES}."
        )
    logits = ops.cast(logits, "float32")
    batch, time = ops.shape(logits)[0], ops.shape(logits)[1]
    logit_lengths = _lengths_or_full(logit_lengths, batch, time)
    return ops.ctc_decode(
        logits,
        logit_lengths,
        strategy=strategy,
        beam_width=beam_width,
        top_paths=top_paths,
        merge_repeated=True,
        mask_index=mask_index,
    )
