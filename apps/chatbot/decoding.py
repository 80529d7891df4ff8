"""Replies from a trained chatbot: beam search, greedy or top-p sampling.

The encoder runs once per message (`apps.chatbot.model.encoder_model`); the
decoder is `rnn_layers`' `AttentionDecoder` over the trained layers (never
writing `banned_ids`), the memory masked where the context is `<pad>`, so
the same code runs eagerly (for `generate` and `evaluate`) and inside the
exported graph (`export`).

`DecodingConfig` holds the settings every entry point shares (and flags:
`--sampling beam --num_beams 4 --length_penalty 0.6 ...`).

Streaming (the exported `encode` and `step` signatures) runs `decode` one
token per call: `start_reply` is everything `decode` does before its loop,
`reply_step` one pass of the loop (`AttentionDecoder.next_token`), with the
recurrent states packed into one float32 tensor (`reply_state_sizes`).
"""

import dataclasses

import keras
import numpy as np
from keras import ops

from apps.chatbot import data
from apps.chatbot.model import PAD_ID, encoder_model, reply_embedding
from apps.framework.flags import require_choice
from apps.framework.flags import require_non_negative
from apps.framework.flags import require_positive_integers
from apps.framework.flags import require_positive_numbers
from rnn_layers import AttentionDecoder
from rnn_layers import BeamSampler
from rnn_layers import GreedySampler
from rnn_layers import TopPSampler
from rnn_layers import samplers
from rnn_layers.samplers import best_of_samples
from rnn_layers.samplers import consensus_of_samples
from rnn_layers.samplers import pack_states, state_sizes, unpack_states

SAMPLINGS = ("beam", "top_p")
RANKINGS = ("log_prob", "consensus")


@dataclasses.dataclass(frozen=True)
class DecodingConfig:
    """How replies are decoded.

    Args:
        sampling: str, `"beam"` (beam search; `num_beams=1` is greedy) or
            `"top_p"` (nucleus sampling). Defaults to `"beam"`.
        num_beams: int, beam width. Defaults to `4`.
        length_penalty: float, GNMT length penalty alpha of the beam
            search (`0` ranks by log-probability). Defaults to `0.6`.
        no_repeat_ngram_size: int, forbid repeating any n-gram of this size
            within a reply; `0` disables. Defaults to `3`.
        top_p: float in (0, 1], nucleus mass of `top_p` sampling.
            Defaults to `0.9`.
        temperature: float, divides the logits before sampling.
            Defaults to `1.0`.
        max_reply_tokens: int, most tokens per reply; `0` takes the
            training's `max_reply_tokens`. Defaults to `0`.
        num_samples: int, replies `top_p` sampling draws per message, of
            which `ranking` keeps one. Defaults to `1`.
        ranking: str, how `num_samples > 1` replies are ranked:
            `"log_prob"` (sample-and-rank: best log-probability over the
            GNMT length penalty of `length_penalty`,
            `rnn_layers.samplers.best_of_samples`) or `"consensus"`
            (minimum Bayes risk: the reply most like the others,
            `rnn_layers.samplers.consensus_of_samples`). Defaults to
            `"log_prob"`.
    """

    sampling: str = "beam"
    num_beams: int = 4
    length_penalty: float = 0.6
    no_repeat_ngram_size: int = 3
    top_p: float = 0.9
    temperature: float = 1.0
    max_reply_tokens: int = 0
    num_samples: int = 1
    ranking: str = "log_prob"

    def __post_init__(self):
        require_choice(self, "sampling", SAMPLINGS)
        require_choice(self, "ranking", RANKINGS)
        require_positive_integers(self, ("num_beams", "num_samples"))
        require_non_negative(
            self, ("length_penalty", "no_repeat_ngram_size",
                   "max_reply_tokens"))
        require_positive_numbers(self, ("top_p", "temperature"))
        if self.top_p > 1:
            raise ValueError(
                f"Received `top_p={self.top_p}`; expected 0 < top_p <= 1.")

    def reply_length(self, train_config) -> int:
        """`max_reply_tokens`, or the training's when it is `0`."""
        return self.max_reply_tokens or train_config.max_reply_tokens


def make_sampler(config: DecodingConfig):
    """The `rnn_layers` sampler of a `DecodingConfig`.

    `GreedySampler` for a beam of 1, `BeamSampler`, or `TopPSampler`.
    Build it outside traced functions (a sampler owns a seed variable).
    """
    ngram = config.no_repeat_ngram_size
    if config.sampling == "top_p":
        return TopPSampler(p=config.top_p, temperature=config.temperature,
                           no_repeat_ngram_size=ngram)
    if config.num_beams == 1:
        return GreedySampler(no_repeat_ngram_size=ngram)
    return BeamSampler(num_beams=config.num_beams,
                       length_penalty=config.length_penalty,
                       no_repeat_ngram_size=ngram)


def banned_ids(tokenizer) -> list[int]:
    """Ids a reply never holds: `<pad>`, `<unk>`, `<s>` and `<sep>`."""
    return [tokenizer.pad_id, tokenizer.unk_id, tokenizer.start_id,
            tokenizer.token_id("separator")]


def make_decoder(model: keras.Model, tokenizer, sampler,
                 max_reply_tokens: int) -> AttentionDecoder:
    """The `AttentionDecoder` over the trained decoder layers.

    The `banned_ids` are never generated.

    Args:
        model: the chatbot of `build_model` (weights loaded).
        tokenizer: the run's tokenizer (its `<s>` and `</s>` ids).
        sampler: from `make_sampler`.
        max_reply_tokens: int, most tokens per reply, `</s>` excluded.
    """
    return AttentionDecoder(
        model.get_layer("decoder").cell,
        reply_embedding(model),
        model.get_layer("logits"),
        sampler=sampler,
        start_token_id=tokenizer.start_id,
        end_token_id=tokenizer.end_id,
        max_length=max_reply_tokens + 1,
        pad_token_id=PAD_ID,
        banned_token_ids=banned_ids(tokenizer),
    )


def decode(encoder: keras.Model, decoder: AttentionDecoder, context,
           seed=0, temperature=None, top_p=None, return_scores=False,
           num_samples=1, length_penalty=0.0, ranking="log_prob"):
    """Reply ids of a batch of contexts.

    A sampled reply draws its noise from `seed` keyed by its own context
    (`rnn_layers.samplers.prompt_keys`), so equal contexts get equal
    replies and different ones unrelated draws, whatever the batch. With
    `num_samples > 1` a sampling decoder draws that many replies (sample
    `i` from seed `seed * num_samples + i`) and keeps one, as `ranking`
    says (see `DecodingConfig`).

    Args:
        encoder: `encoder_model(model)`.
        decoder: from `make_decoder`.
        context: int `(batch, Tc)` context ids, right-padded with `<pad>`;
            every row has at least one token.
        seed: int or scalar int tensor, the seed of sampling (unused by
            beam search). Defaults to `0`.
        temperature: optional float or scalar tensor overriding the
            sampler's.
        top_p: optional float or scalar tensor overriding the sampler's.
        return_scores: bool, also return each reply's log-probability.
            Defaults to `False`.
        num_samples: Python int, replies drawn per context by a sampling
            decoder. Defaults to `1`.
        length_penalty: float, the length penalty of `"log_prob"` ranking.
            Defaults to `0.0`.
        ranking: `"log_prob"` or `"consensus"` (see `DecodingConfig`).
            Defaults to `"log_prob"`.

    Returns:
        int32 `(batch, max_reply_tokens + 2)`: `<s>`, the reply, `</s>`,
        `<pad>`...; with `return_scores`, also float32 `(batch,)` scores.
    """
    context = ops.cast(context, "int32")
    valid = ops.not_equal(context, PAD_ID)  # (batch, Tc)
    memory, h0, c0 = encoder(context, training=False)
    if not decoder.sampler.stochastic:
        return decoder(memory, valid, [h0, c0], seed=seed,
                       temperature=temperature, top_p=top_p,
                       return_scores=return_scores)
    samples = [
        decoder(memory, valid, [h0, c0],
                seed=context_seeds(decoder, seed * num_samples + index,
                                   context),
                temperature=temperature, top_p=top_p,
                return_scores=return_scores or num_samples > 1)
        for index in range(num_samples)
    ]
    if num_samples == 1:
        return samples[0]
    tokens = ops.stack([tokens for tokens, _ in samples])
    scores = ops.stack([scores for _, scores in samples])
    if ranking == "consensus":
        tokens, scores = consensus_of_samples(tokens, scores, (
            PAD_ID, decoder.start_token_id, decoder.end_token_id))
    else:
        tokens, scores = best_of_samples(tokens, scores, PAD_ID,
                                         length_penalty)
    return (tokens, scores) if return_scores else tokens


def context_seeds(decoder: AttentionDecoder, seed, context):
    """`uint32` `(batch,)`: `seed` keyed by each row's context.

    What `decode` hands a sampling decoder as its seed, so a reply's noise
    depends on its own context only.
    """
    context = ops.cast(context, "int32")
    return samplers.prompt_keys(decoder.sampler.row_seeds(seed), context,
                                ops.not_equal(context, PAD_ID))


def reply_state_sizes(decoder: AttentionDecoder) -> tuple:
    """Sizes of the states packed in a reply stream's `state`.

    The wrapper's state list: the LSTM's `h` and `c`, then the attention
    vector; their sum is the width of `start_reply`'s `state`.
    """
    return state_sizes(decoder.initial_states(1))


def start_reply(encoder: keras.Model, decoder: AttentionDecoder, context,
                seed=0):
    """Where `decode` starts its loop, for streaming a reply.

    Args:
        encoder: `encoder_model(model)`.
        decoder: from `make_decoder`; a sampling one keys `seeds` as
            `decode` keys them.
        context: int `(batch, Tc)` context ids, as in `decode`.
        seed: int or scalar int tensor, as in `decode`. Defaults to `0`.

    Returns:
        dict with `memory` `(batch, Tc, depth)` and `memory_mask` bool
        `(batch, Tc)` (the encoder outputs and their valid positions),
        `state` float32 `(batch, sum(reply_state_sizes(decoder)))`,
        `tokens` int32 `(batch, max_reply_tokens + 2)` (`<s>` then
        `<pad>`), `index` int32 `(batch,)` of ones (the next position) and
        `seeds` `uint32` `(batch,)` (the noise keys `decode` draws with).
    """
    context = ops.cast(context, "int32")
    batch = ops.shape(context)[0]
    memory, h0, c0 = encoder(context, training=False)
    return {
        "memory": memory,
        "memory_mask": ops.not_equal(context, PAD_ID),  # (batch, Tc)
        "state": pack_states(decoder.initial_states(batch, [h0, c0])),
        "tokens": decoder.start_tokens(batch),
        "index": ops.ones((batch,), dtype="int32"),
        "seeds": decoder.row_keys(context_seeds(decoder, seed, context),
                                  batch),
    }


def reply_step(decoder: AttentionDecoder, tokens, index, state, memory,
               memory_mask, seeds, temperature=None, top_p=None):
    """One token of a reply stream: the step `decode` makes at `index`.

    Args:
        decoder: from `make_decoder` (greedy or sampling, not a beam).
        tokens: int `(batch, max_reply_tokens + 2)`, the reply so far
            (`start_reply`'s, then the previous step's).
        index: int `(batch,)`, the position written now.
        state: float32 `(batch, state_size)`, packed states.
        memory: `(batch, Tc, depth)` and `memory_mask` bool `(batch, Tc)`,
            from `start_reply`.
        memory_mask: see `memory`.
        seeds: `uint32` `(batch,)` from `start_reply`.
        temperature: optional float or scalar tensor, as in `decode`.
        top_p: optional float or scalar tensor, as in `decode`.

    Returns:
        dict with `logits` float32 `(batch, vocabulary)`, `token` int32
        `(batch,)` (`<pad>` after `</s>`), `log_prob` float32 `(batch,)`
        (summed over a reply: `decode`'s score), the new `tokens` and the
        packed `state`.
    """
    states = list(unpack_states(state, reply_state_sizes(decoder)))
    constants = decoder.wrapper.prepare_constants(memory, memory_mask)
    logits, token, log_prob, tokens, states = decoder.next_token(
        tokens, index, states, constants, seeds=seeds,
        temperature=temperature, top_p=top_p)
    return {"logits": logits, "token": token, "log_prob": log_prob,
            "tokens": tokens, "state": pack_states(states)}


class Responder:
    """Answers messages in Python with a trained model (eager, any backend).

    Args:
        model: the chatbot of `build_model` (weights loaded).
        tokenizer: the run's tokenizer.
        train_config: the run's `TrainConfig` (context limits).
        config: `DecodingConfig`.
        seed: int, seed of `top_p` sampling (see `decode`). Defaults to
            `0`.

    Example:

    >>> restored = restore(APP, "runs/chatbot")
    >>> responder = Responder(restored.model, restored.assets["tokenizer"],
    ...                       restored.train_config, DecodingConfig())
    >>> responder.reply(["Hello"])
    ['Hi']
    """

    def __init__(self, model, tokenizer, train_config, config, seed=0):
        self.tokenizer = tokenizer
        self.train_config = train_config
        self.seed = seed
        self.config = config
        self.encoder = encoder_model(model)
        self.decoder = make_decoder(
            model, tokenizer, make_sampler(config),
            config.reply_length(train_config))

    def context_ids(self, messages: list[str | bytes]) -> np.ndarray:
        """int32 `(batch, Tc)` contexts of the messages (`data`).

        Raises:
            ValueError: naming the first message without tokens.
        """
        rows = [data.encode_message(
            self.tokenizer, message, self.train_config.max_context_tokens,
            self.train_config.context_turns) for message in messages]
        for index, row in enumerate(rows):
            if not len(row):
                raise ValueError(
                    f"Received an empty message (number {index + 1}, "
                    f"{messages[index][:40]!r}); expected some text.")
        return data.pad_rows(rows, max(len(row) for row in rows))

    def reply_ids(self, messages, return_scores=False):
        """`decode` of the messages: ids `(batch, length)` [and scores]."""
        result = decode(self.encoder, self.decoder,
                        self.context_ids(messages), seed=self.seed,
                        return_scores=return_scores,
                        num_samples=self.config.num_samples,
                        length_penalty=self.config.length_penalty,
                        ranking=self.config.ranking)
        return keras.tree.map_structure(ops.convert_to_numpy, result)

    def reply(self, messages: list[str | bytes]) -> list[str]:
        """The reply to each message (turns separated by line breaks)."""
        if not messages:
            return []
        ids = self.reply_ids(messages)
        return [self.tokenizer.decode(row[1:]) for row in ids]
