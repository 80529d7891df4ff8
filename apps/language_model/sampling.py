"""Sampling continuations with `rnn_layers` samplers, O(1) per token.

`generate_ids` lays prompts of different lengths into one buffer
`(batch, start + max_prompt + max_new_tokens)`: position 0 holds the start
token, then each prompt, marked in the sampler's `mask`; every later position
is sampled. Row `i`'s continuation is the `max_new_tokens` positions after
its own prompt (`continuation_ids`). The recurrent states ride in the
sampler's cache, so the prompt is read once, one cell step per token.

`FilteredSampler` takes `top_k` and `top_p` as call arguments (tensors in the
exported `generate` signature): the library's `TopKSampler`/`TopPSampler`
fix them in the constructor as Python numbers.
"""

import keras
import numpy as np
from keras import ops

from apps.language_model.model import initial_states, make_step_fn
from rnn_layers import Sampler, recurrent_next, samplers

NEG_INF = -1e9


class FilteredSampler(Sampler):
    """Temperature sampling restricted to the top-k / top-p tokens.

    `top_k <= 0` keeps every token and `top_p >= 1` keeps the whole mass;
    both filters apply together (the intersection), and the most probable
    token always stays. Both may be scalar tensors.

    Call arguments:
        top_k: int or scalar int tensor. Defaults to `0`.
        top_p: float or scalar float tensor. Defaults to `1.0`.
        **kwargs: `Sampler.__call__` arguments.
    """

    def __call__(self, next, prompt, cache=None, top_k=0, top_p=1.0, **kwargs):
        self._filters = (top_k, top_p)
        try:
            return super().__call__(next, prompt, cache, **kwargs)
        finally:
            self._filters = None

    def get_next_token(self, probabilities):
        top_k, top_p = self._filters
        vocabulary = probabilities.shape[-1]
        sorted_probs, sorted_ids = ops.top_k(
            probabilities, k=vocabulary, sorted=True
        )  # (batch, vocabulary) each, descending
        rank = ops.arange(vocabulary, dtype="int32")[None]  # (1, vocabulary)
        top_k = ops.cast(top_k, "int32")
        keep_k = ops.logical_or(top_k <= 0, rank < top_k)
        mass_before = ops.cumsum(sorted_probs, axis=-1) - sorted_probs
        keep_p = mass_before < ops.cast(top_p, "float32")
        keep = ops.logical_or(ops.logical_and(keep_k, keep_p), rank == 0)
        logits = ops.where(
            keep, ops.log(ops.maximum(sorted_probs, 1e-30)), NEG_INF
        )
        choice = keras.random.categorical(
            logits, 1, seed=self.seed_generator
        )  # (batch, 1)
        return ops.take_along_axis(sorted_ids, choice, axis=-1)[:, 0]


def ban_tokens(step, token_ids, vocabulary_size: int):
    """Wraps a sampler step so that `token_ids` are never drawn.

    Args:
        step: `next(prompt, cache, index) -> (logits, hidden, cache)`, the
            protocol of `rnn_layers.samplers.recurrent_next`.
        token_ids: sequence of int ids whose logits become `NEG_INF`.
        vocabulary_size: int, the logits' last dimension.

    Returns:
        A step of the same protocol with float32 logits.
    """
    penalty = np.zeros(vocabulary_size, "float32")
    penalty[np.asarray(token_ids, "int32")] = NEG_INF

    def banned(prompt, cache, index):
        logits, hidden, cache = step(prompt, cache, index)
        return ops.cast(logits, "float32") + penalty[None], hidden, cache

    return banned


def build_buffer(prompts, prompt_lengths, start_id: int, max_new_tokens):
    """The sampler's token buffer and prompt mask.

    Args:
        prompts: int `(batch, max_prompt)`, prompt ids left-aligned, padded.
        prompt_lengths: int `(batch,)`.
        start_id: int, the start token id written at position 0.
        max_new_tokens: int or scalar tensor.

    Returns:
        `(buffer, mask)`: int32 and bool `(batch, 1 + max_prompt +
        max_new_tokens)`.
    """
    prompts = ops.cast(prompts, "int32")
    batch = ops.shape(prompts)[0]
    buffer = ops.concatenate(
        [
            ops.full((batch, 1), start_id, dtype="int32"),
            prompts,
            ops.zeros((batch, max_new_tokens), dtype="int32"),
        ],
        axis=1,
    )  # (batch, length)
    positions = ops.arange(ops.shape(buffer)[1], dtype="int32")[None]
    lengths = ops.cast(prompt_lengths, "int32")[:, None]
    mask = positions <= lengths  # start token and prompt
    return buffer, mask


def continuation_ids(tokens, prompt_lengths, max_new_tokens):
    """Row `i`'s `max_new_tokens` ids after its prompt: `(batch, new)`."""
    offsets = ops.arange(max_new_tokens, dtype="int32")[None]
    positions = ops.cast(prompt_lengths, "int32")[:, None] + 1 + offsets
    return ops.take_along_axis(tokens, positions, axis=1)


def generate_ids(
    model: keras.Model,
    prompts,
    prompt_lengths,
    start_id: int,
    max_new_tokens,
    sampler="greedy",
    seed=None,
    temperature=None,
    top_k=0,
    top_p=1.0,
    end_token_id=None,
    banned_ids=(),
    constrain=None,
):
    """Samples continuations of a batch of prompts.

    Args:
        model: a model from `build_model` (stateless).
        prompts: int `(batch, max_prompt)` ids, left-aligned, `0`-padded.
        prompt_lengths: int `(batch,)`.
        start_id: int, the tokenizer's start id.
        max_new_tokens: int (or scalar tensor), tokens to add per row.
        sampler: a short name (`"greedy"`, `"random"`, `"top_k"`,
            `"top_p"`, `"beam"`), a `Sampler`, or `"filtered"` (or a
            `FilteredSampler`) for `top_k`/`top_p`. Inside `tf.function`
            pass an instance made outside: a sampler creates a variable.
            Defaults to `"greedy"`.
        seed: int or scalar tensor for the draws. Defaults to `None`.
        temperature: float or scalar tensor overriding the sampler's.
        top_k: int or tensor, for `FilteredSampler`. Defaults to `0` (off).
        top_p: float or tensor, for `FilteredSampler`. Defaults to `1.0`
            (off).
        end_token_id: optional int that ends a row (then padded with 0).
        banned_ids: ids never sampled, such as `Tokenizer.unsampled_ids`.
            Defaults to `()`.
        constrain: optional `step -> step` wrapper that edits the logits
            of each step (e.g. `poetry.end_after_lines`). Defaults to `None`.

    Returns:
        int32 `(batch, max_new_tokens)` continuation ids.
    """
    buffer, mask = build_buffer(prompts, prompt_lengths, start_id,
                                max_new_tokens)
    batch = ops.shape(buffer)[0]
    step = recurrent_next(make_step_fn(model))
    if len(banned_ids):
        step = ban_tokens(step, banned_ids, model.output.shape[-1])
    if constrain is not None:
        step = constrain(step)
    cache = initial_states(model, batch)
    kwargs = dict(
        index=1, mask=mask, end_token_id=end_token_id, seed=seed,
        temperature=temperature,
    )
    if isinstance(sampler, str) and sampler == "filtered":
        sampler = FilteredSampler()
    if isinstance(sampler, FilteredSampler):
        tokens = sampler(
            step, buffer, cache, top_k=top_k, top_p=top_p, **kwargs
        )
    else:
        tokens = samplers.get(sampler)(step, buffer, cache, **kwargs)
    return continuation_ids(tokens, prompt_lengths, max_new_tokens)


def sequence_log_probs(model: keras.Model, ids, lengths):
    """Summed log-probabilities of `ids[:, 1:]` given the prefixes.

    Args:
        model: a model from `build_model`.
        ids: int `(batch, time)`, each row the start token then its tokens,
            padded after `lengths`.
        lengths: int `(batch,)`, tokens per row after the start token.

    Returns:
        float32 `(batch,)` total natural-log probabilities.
    """
    logits = ops.cast(model(ids[:, :-1], training=False), "float32")
    log_probs = ops.log_softmax(logits, axis=-1)  # (batch, time - 1, vocab)
    targets = ops.cast(ids[:, 1:], "int32")[..., None]
    picked = ops.take_along_axis(log_probs, targets, axis=-1)[..., 0]
    positions = ops.arange(ops.shape(picked)[1], dtype="int32")[None]
    valid = positions < ops.cast(lengths, "int32")[:, None]
    return ops.sum(ops.where(valid, picked, 0.0), axis=-1)
