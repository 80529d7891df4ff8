"""Beam search with GNMT length penalty, end tokens and n-gram blocking."""

import keras
from keras import ops

from rnn_layers.samplers import sampler_math as sm
from rnn_layers.samplers.sampler import Sampler
from rnn_layers.samplers.sampler import _check_positive_int


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
    decoding. Short name `"beam"`. See `Sampler` for the call arguments.

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
    >>> tokens = BeamSampler(num_beams=2)(next, np.zeros((1, 3), "int32"))
    >>> keras.ops.convert_to_numpy(tokens).tolist()
    [[0, 1, 1]]
    """

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
        log_probs = ops.log(
            ops.maximum(self.compute_probabilities(logits, temperature),
                        1e-30)
        )
        vocabulary = log_probs.shape[-1]

        def only(token):  # 0 for `token`, NEG_INF elsewhere
            return ops.where(
                ops.one_hot(token, vocabulary, dtype="bool"), 0.0, sm.NEG_INF
            )

        in_prompt, prompt_token = forced
        log_probs = ops.where(in_prompt[:, None], only(prompt_token),
                              log_probs)
        pad = ops.full(ops.shape(prompt_token), pad_token_id, "int32")
        return ops.where(finished[:, None], only(pad), log_probs)

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
    ):
        beams = self.num_beams
        prompt, mask, index = self.prepare_inputs(prompt, mask, index)
        max_length = ops.shape(prompt)[1]
        prompt = sm.repeat_beams(prompt, beams)  # (batch * beams, length)
        mask = sm.repeat_beams(mask, beams)
        cache = () if cache is None else cache
        cache = keras.tree.map_structure(
            lambda x: sm.repeat_beams(x, beams), cache
        )
        batch = ops.shape(prompt)[0] // beams
        # Only beam 0 is alive at first so the beams start distinct.
        first = ops.arange(beams) == 0
        scores = ops.cast(ops.where(first, 0.0, sm.NEG_INF), "float32")
        scores = ops.broadcast_to(scores[None], (batch, beams))
        finished = ops.zeros((batch, beams), "bool")
        lengths = ops.zeros((batch, beams), "int32")

        def cond(prompt, cache, index, scores, finished, lengths):
            return ops.logical_and(
                index < max_length, ops.logical_not(ops.all(finished))
            )

        def body(prompt, cache, index, scores, finished, lengths):
            logits, _, cache = next(prompt, cache, index)
            in_prompt = ops.take(mask, index, axis=1)  # (batch * beams,)
            prompt_token = ops.take(prompt, index, axis=1)
            log_probs = self._step_log_probs(
                logits, prompt, index, temperature, (in_prompt, prompt_token),
                sm.flatten_beams(finished), pad_token_id,
            )
            vocabulary = log_probs.shape[-1]
            log_probs = sm.unflatten_beams(log_probs, beams)  # (b, beams, V)
            candidates = scores[..., None] + log_probs  # (b, beams, V)
            grows = ops.logical_not(ops.logical_or(
                finished, sm.unflatten_beams(in_prompt, beams)))
            new_lengths = lengths + ops.cast(grows, "int32")  # (b, beams)
            penalty = sm.gnmt_length_penalty(new_lengths, self.length_penalty)
            ranked = ops.reshape(candidates / penalty[..., None],
                                 (batch, beams * vocabulary))
            _, top = ops.top_k(ranked, k=beams, sorted=True)  # (b, beams)
            beam_index = top // vocabulary
            token = ops.cast(top % vocabulary, "int32")
            scores = ops.take_along_axis(
                ops.reshape(candidates, (batch, -1)), top, axis=1)

            def reorder(x):
                return sm.flatten_beams(sm.gather_beams(
                    sm.unflatten_beams(x, beams), beam_index))

            prompt = reorder(prompt)
            cache = keras.tree.map_structure(reorder, cache)
            finished = sm.gather_beams(finished, beam_index)
            lengths = sm.gather_beams(new_lengths, beam_index)
            token = sm.flatten_beams(token)
            token = ops.where(in_prompt, prompt_token, token)
            prompt = ops.slice_update(prompt, [0, index], token[:, None])
            if end_token_id is not None:
                ended = ops.logical_and(
                    ops.logical_not(in_prompt), token == end_token_id)
                finished = ops.logical_or(
                    finished, sm.unflatten_beams(ended, beams))
            return prompt, cache, index + 1, scores, finished, lengths

        prompt, _, _, scores, _, lengths = ops.while_loop(
            cond, body, (prompt, cache, index, scores, finished, lengths)
        )
        prompt = sm.unflatten_beams(prompt, beams)  # (batch, beams, length)
        final = scores / sm.gnmt_length_penalty(lengths, self.length_penalty)
        _, order = ops.top_k(final, k=beams, sorted=True)  # (batch, beams)
        prompt = sm.gather_beams(prompt, order)
        if self.return_all_beams:
            return prompt, ops.take_along_axis(final, order, axis=1)
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
