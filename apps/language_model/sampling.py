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

Streaming runs the same loop one token per call: `start_stream` reads each
prompt up to its last token (the cell steps `generate_ids` makes over it)
and keys the seed by the prompt as the sampler does; `stream_step` then
feeds one token and picks the next with `Sampler.next_token`, the pick of
the sampler's own loop. Stepping from `start_stream` therefore gives the
continuation `generate_ids` gives with the same arguments, token for token.
"""

import keras
from keras import ops

from apps.language_model.model import initial_states, make_step_fn
from rnn_layers import ban_tokens, recurrent_next, samplers
from rnn_layers.samplers import pack_states, state_sizes, unpack_states

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


def make_next(model: keras.Model, banned_ids=()):
    """The sampler `next(prompt, cache, index)` over the model's cells.

    One cell step per token (`make_step_fn`), reading `prompt[:, index -
    1]`, with `banned_ids` never sampled; `generate_ids` and `stream_step`
    both step through it.
    """
    return ban_tokens(recurrent_next(make_step_fn(model)), banned_ids)


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
    step = make_next(model, banned_ids)
    if constrain is not None:
        step = constrain(step)
    tokens = samplers.get(sampler)(
        step, buffer, initial_states(model, ops.shape(buffer)[0]), index=1,
        mask=mask, end_token_id=end_token_id, seed=seed,
        temperature=temperature, top_k=top_k, top_p=top_p,
    )
    return continuation_ids(tokens, prompt_lengths, max_new_tokens)


def stream_state_sizes(model: keras.Model) -> tuple:
    """Sizes of the states packed in a stream's `state` (bottom first).

    `(units, units)` per LSTM layer (`h`, `c`), `(units,)` per GRU layer;
    their sum is the width of `start_stream`'s `state`.
    """
    return state_sizes(initial_states(model, 1))


def start_stream(model: keras.Model, prompts, prompt_lengths, start_id: int,
                 sampler, seed=None):
    """Where `generate_ids` starts sampling each row, for streaming.

    Reads `[start] + prompt` up to its last token with the cell steps of
    `generate_ids` (rows of different lengths in one masked loop), so the
    first `stream_step` feeds that last token and samples the first new
    one.

    Args:
        model: a model from `build_model` (stateless).
        prompts: int `(batch, max_prompt)` ids, left-aligned, `0`-padded.
        prompt_lengths: int `(batch,)`.
        start_id: int, the tokenizer's start id.
        sampler: the `Sampler` of the stream (its `row_keys` key the seed).
        seed: int or int tensor `()` / `(batch,)`, as in `generate_ids`.
            Defaults to `None` (the sampler's).

    Returns:
        dict with `token` int32 `(batch,)` (each row's last prompt token,
        or `start_id` for an empty prompt: the next token to feed),
        `state` float32 `(batch, sum(stream_state_sizes(model)))` (the
        states before that token), `index` int32 `(batch,)` (the position
        of the next sampled token, `1 + prompt_length`) and `seeds` uint32
        `(batch,)` (the noise keys `generate_ids` draws with).

    Example:

    >>> stream = start_stream(model, np.array([[5, 6]]), np.array([2]), 1,
    ...                       samplers.get("random"), seed=0)
    >>> keras.ops.convert_to_numpy(stream["index"]).tolist()
    [3]
    """
    buffer, mask = build_buffer(prompts, prompt_lengths, start_id, 0)
    lengths = ops.cast(prompt_lengths, "int32")  # (batch,)
    next = make_next(model)

    def cond(index, states):
        return index <= ops.shape(buffer)[1] - 1

    def body(index, states):
        _, _, stepped = next(buffer, states, index)  # reads index - 1
        reading = (index <= lengths)[:, None]  # (batch, 1)
        states = tuple(ops.where(reading, new, old)
                       for new, old in zip(stepped, states))
        return index + 1, states

    states = initial_states(model, ops.shape(buffer)[0])
    _, states = ops.while_loop(
        cond, body, (ops.convert_to_tensor(1, "int32"), states))
    token = ops.take_along_axis(buffer, lengths[:, None], axis=1)[:, 0]
    return {
        "token": token,
        "state": pack_states(states),
        "index": lengths + 1,
        "seeds": samplers.get(sampler).row_keys(seed, buffer, mask),
    }


def stream_step(model: keras.Model, sampler, token, state, index, seeds,
                temperature=None, top_k=None, top_p=None, banned_ids=()):
    """One token of a stream: the step `generate_ids` makes at `index`.

    Args:
        model: a model from `build_model` (stateless).
        sampler: the stream's `Sampler` (an instance inside `tf.function`).
        token: int `(batch,)`, the token to feed (`start_stream`'s, then
            the previous step's).
        state: float32 `(batch, state_size)`, packed states
            (`start_stream`'s, then the previous step's).
        index: int `(batch,)`, the position of the token picked now.
        seeds: `uint32` `(batch,)` noise keys from `start_stream`.
        temperature: optional float or scalar tensor, as in `generate_ids`.
        top_k: optional int or scalar tensor, as in `generate_ids`.
        top_p: optional float or scalar tensor, as in `generate_ids`.
        banned_ids: ids never sampled, as in `generate_ids`. Defaults to
            `()`.

    Returns:
        `(logits, token, state)`: float32 `(batch, vocabulary)` logits of
        the model (banned ids at `NEG_INF`), the int32 `(batch,)` token
        picked and the float32 packed state after feeding `token`.
    """
    next = make_next(model, banned_ids)
    states = unpack_states(state, stream_state_sizes(model))
    tokens = ops.cast(token, "int32")[:, None]  # (batch, 1): a 1-token buffer
    logits, _, states = next(tokens, states, 1)  # reads tokens[:, 0]
    picked, _ = samplers.get(sampler).next_token(
        logits, ops.cast(index, "int32"), seeds=seeds,
        temperature=temperature, top_k=top_k, top_p=top_p)
    return ops.cast(logits, "float32"), picked, pack_states(states)


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
