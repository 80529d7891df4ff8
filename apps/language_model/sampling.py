"""Sampling continuations with `rnn_layers` samplers, O(1) per token.

`generate_ids` lays prompts of different lengths into one buffer
`(batch, start + max_prompt + max_new_tokens)`: position 0 holds the start
token, then each prompt, marked in the sampler's `mask`; every later position
is sampled. Row `i`'s continuation is the `max_new_tokens` positions after
its own prompt (`continuation_ids`). The recurrent states ride in the
sampler's cache, so the prompt is read once, one cell step per token.

`temperature`, `top_k`, `top_p` and `seed` are call arguments of the
library samplers (scalar tensors in the exported `generate` signature), and
a row's draws depend only on its own prompt and the seed, never on its
batch neighbours (`rnn_layers.Sampler`).
"""

import keras
from keras import ops

from apps.language_model.model import initial_states, make_step_fn
from rnn_layers import ban_tokens, recurrent_next, samplers

# The hottest temperature accepted: above it, `NEG_INF / temperature` would
# no longer make banned tokens impossible.
MAX_TEMPERATURE = 100.0

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
    top_k=None,
    top_p=None,
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
        sampler: a short name of `rnn_layers.samplers.get` (`"greedy"`,
            `"random"`, `"top_k"`, `"top_p"`, `"beam"`) or a `Sampler`.
            Inside `tf.function` pass an instance made outside: a sampler
            creates a variable. Defaults to `"greedy"`.
        seed: int or scalar int tensor for the draws. Defaults to `None`.
        temperature: float or scalar tensor overriding the sampler's.
            Defaults to `None`.
        top_k: int or scalar tensor overriding the sampler's; `<= 0`
            disables. Defaults to `None`.
        top_p: float or scalar tensor overriding the sampler's; `>= 1`
            disables. Defaults to `None`.
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
    step = ban_tokens(recurrent_next(make_step_fn(model)), banned_ids)
    if constrain is not None:
        step = constrain(step)
    tokens = samplers.get(sampler)(
        step, buffer, initial_states(model, ops.shape(buffer)[0]), index=1,
        mask=mask, end_token_id=end_token_id, seed=seed,
        temperature=temperature, top_k=top_k, top_p=top_p,
    )
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
