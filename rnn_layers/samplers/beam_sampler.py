"""Beam search with GNMT length penalty, end tokens and n-gram blocking."""

import keras
from keras import ops

from rnn_layers.samplers import sampler_math as sm
from rnn_layers.samplers.sampler import Sampler
from rnn_layers.samplers.sampler import _check_positive_int
from rnn_layers.samplers.sampler import write_token


@keras.saving.register_keras_serializable(package="rnn_layers")
class BeamSampler(Sampler):
    """Keeps the `num_beams` best partial sequences at every step.

    Each row carries `num_beams` hypotheses with their summed log
    probabilities; the recurrent states in `cache` are repeated per beam
    and reordered with the beams, so a step still costs one cell step per
    hypothesis. Candidates are ranked by `log p(Y) / lp(Y)` with the GNMT
    length penalty `lp(Y) = ((5 + |Y|) / 6) ** length_penalty` (Wu et al.
    2016, eq. 14), where `|Y|` counts generated tokens up to and including
    the end token. A hypothesis that emitted `end_token_id` is finished:
    it keeps its score and only extends with `pad_token_id`, competing with
    the live ones until the loop ends (at `max_length` or once every beam
    is finished). Prompt tokens (`mask`) are forced on every beam and add
    nothing to the score. With `num_beams=1` the result equals greedy
    decoding. Short name `"beam"`. See `Sampler` for the call arguments;
    `seed`, `top_k` and `top_p` are accepted (one call signature for every
    sampler) and ignored: beam search is deterministic and ranks every
    token. The scores it returns (`return_scores=True`, `return_all_beams`)
    are the summed log-probabilities `log p(Y)` under `log_softmax(logits /
    temperature)`, without the length penalty, as in KerasHub.
    `next` sees `batch * num_beams` rows: tensors it reads from outside the
    cache, such as an attention memory, must be laid out with
    `expand_to_beams` first.

    Args:
        num_beams: positive int. Defaults to `4`.
        length_penalty: float `alpha >= 0`; `0` ranks by raw log
            probability, larger values favour longer outputs. Defaults to
            `0.0`.
        return_all_beams: bool; when `True`, `__call__` returns
            `(tokens (batch, num_beams, max_length), scores (batch,
            num_beams))` sorted best first instead of the best tokens.
            Defaults to `False`.
        **kwargs: `Sampler` arguments (`temperature`,
            `no_repeat_ngram_size`).

    Example:

    >>> def next(prompt, cache, index):
    ...     logits = keras.ops.log(keras.ops.convert_to_tensor(
    ...         [[0.1, 0.5, 0.4]] * prompt.shape[0]))
    ...     return logits, None, cache
    >>> tokens, scores = BeamSampler(num_beams=2)(
    ...     next, np.zeros((1, 3), "int32"), return_scores=True)
    >>> keras.ops.convert_to_numpy(tokens).tolist()
    [[0, 1, 1]]
    >>> round(float(keras.ops.convert_to_numpy(scores)[0]), 4)  # 2 log 0.5
    -1.3863
    """

    stochastic = False

    def __init__(
        self, num_beams=4, length_penalty=0.0, return_all_beams=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        _check_positive_int("num_beams", num_beams)
        if not (isinstance(length_penalty, (int, float))
                and length_penalty >= 0):
            raise ValueError(
                f"Received `length_penalty={length_penalty!r}`; expected a "
                "float >= 0."
            )
        self.num_beams = num_beams
        self.length_penalty = float(length_penalty)
        self.return_all_beams = bool(return_all_beams)

    def _step_log_probs(self, logits, prompt, index, temperature, forced,
                        finished, pad_token_id):
        """`(batch * beams, vocab)` log probabilities with forced tokens."""
        logits = self.prepare_logits(logits, prompt, index)
        log_probs = ops.log_softmax(logits / temperature, axis=-1)
        vocabulary_ids = ops.arange(log_probs.shape[-1], dtype="int32")[None]

        def only(token):  # 0 for `token`, NEG_INF elsewhere
            return ops.where(vocabulary_ids == token[:, None], 0.0, sm.NEG_INF)

        in_prompt, prompt_token = forced
        log_probs = ops.where(in_prompt[:, None], only(prompt_token),
                              log_probs)
        return ops.where(
            finished[:, None], only(ops.full_like(prompt_token, pad_token_id)),
            log_probs,
        )

    def expand_to_beams(self, inputs):
        """Repeats per-example tensors for the beams, `(batch, ...)` ->
        `(batch * num_beams, ...)`, rows ordered `batch_index * beams + beam`.

        A `next` that reads tensors other than the cache (an attention
        memory, its mask and keys) must see them with this layout; beams of
        one example are only ever reordered among themselves, so these
        tensors never need gathering. Nested structures are mapped.
        """
        return keras.tree.map_structure(
            lambda x: sm.repeat_beams(ops.convert_to_tensor(x),
                                      self.num_beams),
            inputs,
        )

    def _penalty(self, lengths):
        return sm.gnmt_length_penalty(lengths, self.length_penalty)

    def __call__(
        self,
        next,
        prompt,
        cache=None,
        index=1,
        mask=None,
        end_token_id=None,
        pad_token_id=0,
        seed=None,
        temperature=None,
        top_k=None,
        top_p=None,
        return_scores=False,
    ):
        beams = self.num_beams
        penalised = self.length_penalty != 0
        prompt, mask, index = self.prepare_inputs(prompt, mask, index)
        temperature = self.resolve_temperature(temperature)
        max_length = ops.shape(prompt)[1]
        batch = ops.shape(prompt)[0]
        # Every tensor below is flat, row r = batch_index * beams + beam.
        prompt = sm.repeat_beams(prompt, beams)  # (batch * beams, length)
        mask = sm.repeat_beams(mask, beams)
        cache = () if cache is None else cache
        cache = keras.tree.map_structure(
            lambda x: sm.repeat_beams(x, beams), cache
        )
        rows = ops.arange(batch * beams, dtype="int32")
        # Only beam 0 is alive at first so the beams start distinct.
        scores = ops.cast(
            ops.where(rows % beams == 0, 0.0, sm.NEG_INF), "float32")
        finished = ops.zeros_like(rows, dtype="bool")
        lengths = ops.zeros_like(rows)
        offsets = ops.arange(batch, dtype="int32")[:, None] * beams  # (b, 1)
        positions = ops.arange(max_length, dtype="int32")

        def cond(prompt, cache, index, scores, finished, lengths):
            return ops.logical_and(
                index < max_length, ops.logical_not(ops.all(finished))
            )

        def body(prompt, cache, index, scores, finished, lengths):
            logits, _, cache = next(prompt, cache, index)
            in_prompt = mask[:, index]  # (rows,)
            prompt_token = prompt[:, index]
            log_probs = self._step_log_probs(
                logits, prompt, index, temperature, (in_prompt, prompt_token),
                finished, pad_token_id,
            )  # (rows, V)
            vocabulary = log_probs.shape[-1]
            candidates = scores[:, None] + log_probs  # (rows, V)
            grows = ops.logical_not(ops.logical_or(finished, in_prompt))
            new_lengths = lengths + ops.cast(grows, "int32")  # (rows,)
            ranked = candidates
            if penalised:
                ranked = candidates / self._penalty(new_lengths)[:, None]
            ranked = ops.reshape(ranked, (-1, beams * vocabulary))
            _, top = ops.top_k(ranked, k=beams, sorted=True)  # (b, k)
            scores = ops.take_along_axis(
                ops.reshape(candidates, (-1, beams * vocabulary)), top,
                axis=1)  # (batch, k), the raw log-probabilities
            scores = ops.reshape(scores, (-1,))
            parent = ops.reshape(top // vocabulary + offsets, (-1,))
            token = ops.cast(ops.reshape(top % vocabulary, (-1,)), "int32")
            lengths = ops.take(new_lengths, parent, axis=0)

            prompt = ops.take(prompt, parent, axis=0)
            cache = keras.tree.map_structure(
                lambda x: ops.take(x, parent, axis=0), cache)
            finished = ops.take(finished, parent, axis=0)
            token = ops.where(in_prompt, prompt_token, token)
            prompt = write_token(prompt, positions, index, token)
            if end_token_id is not None:
                finished = ops.logical_or(finished, ops.logical_and(
                    ops.logical_not(in_prompt), token == end_token_id))
            return prompt, cache, index + 1, scores, finished, lengths

        prompt, _, _, scores, _, lengths = ops.while_loop(
            cond, body, (prompt, cache, index, scores, finished, lengths)
        )
        ranking = sm.unflatten_beams(scores / self._penalty(lengths), beams)
        _, order = ops.top_k(ranking, k=beams, sorted=True)  # (batch, beams)
        prompt = sm.unflatten_beams(prompt, beams)  # (batch, beams, length)
        prompt = sm.gather_beams(prompt, order)
        scores = ops.take_along_axis(
            sm.unflatten_beams(scores, beams), order, axis=1)
        if self.return_all_beams:
            return prompt, scores
        if return_scores:
            return prompt[:, 0], scores[:, 0]
        return prompt[:, 0]

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_beams": self.num_beams,
                "length_penalty": self.length_penalty,
                "return_all_beams": self.return_all_beams,
            }
        )
        return config
