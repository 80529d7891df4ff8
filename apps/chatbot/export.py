"""Exports the chatbot as a SavedModel: message string in, reply string out.

Signatures (they run with only `tensorflow` and `tensorflow_text`):

- `serving_default(message)`: string vector; each message is the
  conversation so far, one turn per line, oldest first (the model reads
  its last `context_turns` turns and `max_context_tokens` tokens). Returns
  `reply` (string vector) and `error` (string vector, `""` when answered),
  decoded as exported (`--sampling`, `--num_beams`, `--length_penalty`,
  `--no_repeat_ngram_size`, `--max_reply_tokens`; `--sampling top_p` draws
  with seed 0, so a message always gets the same reply, and with
  `--num_samples N` answers with one of N draws, chosen by `--ranking`).
- `generate(message, num_beams, top_p, temperature, seed)`: the same with
  the decoding chosen per request: `top_p = 0` runs a beam search of
  `num_beams` (1 to the exported `max_beams`; 1 is greedy), `0 < top_p <=
  1` samples from that nucleus (`num_beams` unused) with the noise drawn
  from `seed` keyed by the message's context (equal messages, equal
  replies); `temperature > 0` divides the logits. Returns `reply`,
  `error` and `score`, the reply's log-probability (`</s>` included).
- `encode(message, seed)`: string `(batch,)` and int32 `()` -> where a
  streamed reply starts: `memory` float32 `(batch, Tc, memory_depth)` and
  `memory_mask` bool `(batch, Tc)` (the encoder's outputs over the
  message's context and its valid positions; `Tc <= max_context_tokens`),
  `state` float32 `(batch, state_size)` (the decoder's `h`, `c` and
  attention vector, concatenated), `tokens` int32 `(batch, length)` (the
  reply buffer, `length = max_reply_tokens + 2`: `<s>` then `<pad>`),
  `index` int32 `(batch,)` (ones: the next position), `seed` int32
  `(batch,)` (`seed` keyed by the context, as `generate` keys it) and
  `error` (as `serving_default`'s; an empty message still gets a stream,
  but its reply means nothing). `memory_depth`, `state_size` and `length`
  are the static dimensions of `step`'s inputs.
- `step(tokens, index, state, memory, memory_mask, seed, top_p,
  temperature)`: the outputs of `encode` (then of the previous `step`) and
  the sampling scalars of `generate` -> `logits` float32 `(batch,
  vocabulary)`, `token` int32 `(batch,)` (the token at `index`: greedy for
  `top_p = 0`, else drawn from the nucleus with the noise `generate` draws;
  `<pad>` once a row has written `</s>`), `text` string `(batch,)` (what
  the token adds to the reply text, `""` from `</s>` on), `log_prob`
  float32 `(batch,)` (summed over a reply: `generate`'s `score`), `tokens`
  (with the token written), `index + 1` and `state`. The previous token is
  `tokens[:, index - 1]`; the whole buffer travels so repeated n-grams are
  blocked as `generate` blocks them. Stepping until `token` is `</s>` (or
  `index` reaches `length`) gives `generate`'s reply token for token:
  `num_beams=1` for `top_p = 0`, the same seed for sampling.

Every signature has a warm-up record in
`assets.extra/tf_serving_warmup_requests`. `reference_requests(restored)`
gives the answers of the Python path (`apps.chatbot.decoding.Responder`,
any backend) to `serving_default` and `generate`, which a TensorFlow export
of the same run must equal (`tests/apps/jax_parity_test.py`).

Tokenization, the turn separator and detokenization are inside the graph
(`apps/chatbot/data.py` describes the steps, `datasets.tokenizers` the
tokenizer), so the reply to a message equals `python -m
apps.chatbot.generate`'s with the same decoding.

Every message is answered on its own: its reply never depends on the other
messages of the request. Bad messages never fail the request:

- a message without tokens (`""`, only spaces and line breaks) gets reply
  `""` and error `"empty message; ..."`;
- a long message (1 MB, say) is cut before any other work to its last
  `max_context_tokens * MAX_BYTES_PER_TOKEN` bytes, then to its last
  `max_context_tokens` tokens, and answered;
- invalid UTF-8 bytes read as U+FFFD (`<unk>`), and the message is
  answered; so are mixed languages, words the vocabulary lacks being
  `<unk>` (a Chinese run in an English subword model, say).

A request with more than `MAX_MESSAGES` messages, or `generate` settings
out of range, fails as a whole with INVALID_ARGUMENT and a message saying
what is allowed; so does a `step` with token ids outside the vocabulary,
an `index` outside `[1, length)`, a `state`, `tokens`, `memory`,
`memory_mask` or `seed` of another shape or batch, or a memory longer than
`max_context_tokens`.

Example:

```
python -m apps.chatbot.export --run_dir runs/chatbot --num_beams 4
```
"""

import dataclasses
import pathlib

import keras
import numpy as np

from apps.chatbot import data
from apps.chatbot.config import APP
from apps.chatbot.decoding import DecodingConfig
from apps.chatbot.decoding import Responder
from apps.chatbot.decoding import decode
from apps.chatbot.decoding import make_decoder
from apps.chatbot.decoding import make_sampler
from apps.chatbot.decoding import reply_state_sizes
from apps.chatbot.decoding import reply_step
from apps.chatbot.decoding import start_reply
from apps.chatbot.model import encoder_model
from apps.framework import BaseExportConfig
from apps.framework import Restored
from apps.framework import export_command
from apps.framework.flags import require_positive_integers
from datasets.dialogues import TURN_SEPARATOR
from datasets.tokenizers import GraphTokenizer
from saved_models.export import export_versioned, require_tensorflow_backend
from saved_models.request_checks import at_most_per_request
from saved_models.request_checks import batch_bound_check
from saved_models.request_checks import id_range_checks

MAX_MESSAGES = 64  # messages per request
DEFAULT_MAX_BEAMS = 4  # widest beam of the `generate` signature
EMPTY_ERROR = ("empty message; send some text, the turns of the "
               "conversation separated by line breaks")
WARMUP_MESSAGES = ("Hello", "Hi\nHow are you?", "", "你好 hello")
REFERENCE_MESSAGES = ("Hello\nHow are you?", "hi there", "what is your name?")
REFERENCE_TOP_P = 0.9  # nucleus of the sampled reference request
REFERENCE_SEED = 5


def make_context_fn(tokenizer, graph_tokenizer, max_tokens: int,
                    context_turns: int):
    """`messages (batch,) -> (context int32 (batch, Tc), empty (batch,))`.

    The graph side of `data.encode_message`; empty messages get one `<unk>`
    so the encoder always reads something (their replies are dropped), and
    `Tc >= 1`.
    """
    import tensorflow as tf

    tail = max_tokens * data.MAX_BYTES_PER_TOKEN
    separator = tokenizer.token_id("separator")
    whitespace = "[" + "".join(
        f"\\x{ord(c):02x}" for c in data.ASCII_WHITESPACE) + "]+"

    def contexts(messages):
        length = tf.strings.length(messages)  # bytes, (batch,)
        text = tf.strings.substr(
            messages, tf.maximum(length - tail, 0), tf.fill(
                tf.shape(length), tail))  # the last `tail` bytes
        text = tf.strings.unicode_transcode(
            text, "UTF-8", "UTF-8", errors="replace", replacement_char=0xFFFD)
        turns = tf.strings.split(text, TURN_SEPARATOR)
        turns = tf.strings.strip(tf.strings.regex_replace(
            turns, whitespace, " "))  # (batch, turns) ragged
        ids = graph_tokenizer.tokenize(turns.flat_values)  # (all turns, ids)
        ids = tf.RaggedTensor.from_row_splits(ids, turns.row_splits)
        ids = tf.ragged.boolean_mask(ids, ids.row_lengths(axis=2) > 0)
        ids = ids[:, -context_turns:]  # (batch, turns, ids)
        ids = tf.concat([ids, tf.ones_like(ids[:, :, :1]) * separator],
                        axis=2).merge_dims(1, 2)[:, :-1]  # no final <sep>
        ids = ids[:, -max_tokens:]  # (batch, <= max_tokens)
        empty = tf.equal(ids.row_lengths(), 0)
        dense = ids.to_tensor(0)  # (batch, longest)
        dense = tf.pad(dense, [[0, 0], [0, tf.maximum(
            1 - tf.shape(dense)[1], 0)]])  # (batch, Tc >= 1)
        first = tf.equal(tf.range(tf.shape(dense)[1]), 0)[None]
        dense = tf.where(empty[:, None] & first, tokenizer.unk_id, dense)
        return tf.cast(dense, tf.int32), empty

    return contexts


def _sampling_checks(top_p, temperature) -> list:
    """Asserts on the `top_p` and `temperature` of `generate` and `step`."""
    import tensorflow as tf

    return [
        tf.debugging.assert_greater_equal(
            top_p, 0.0, message="top_p must be 0 (beam search) to 1"),
        tf.debugging.assert_less_equal(
            top_p, 1.0, message="top_p must be 0 (beam search) to 1"),
        tf.debugging.assert_greater(
            temperature, 0.0, message="temperature must be positive"),
    ]


def make_serving_fns(model: keras.Model, tokenizer, train_config,
                     decoding: DecodingConfig,
                     max_beams: int = DEFAULT_MAX_BEAMS):
    """The functions behind the signatures (see the module docstring).

    Args:
        model: the trained chatbot.
        tokenizer: the run's tokenizer.
        train_config: the run's `TrainConfig` (context limits).
        decoding: `DecodingConfig` of `serving_default`.
        max_beams: int, widest beam of `generate`. Defaults to
            `DEFAULT_MAX_BEAMS`.

    Returns:
        `(functions, tables)`: dict signature name -> function
        (`serving_default`, `generate`, `encode`, `step`) and the
        tokenizer's lookup tables, which the archive must track.
    """
    import tensorflow as tf

    graph_tokenizer = GraphTokenizer(tokenizer)
    contexts = make_context_fn(
        tokenizer, graph_tokenizer, train_config.max_context_tokens,
        train_config.context_turns)
    encoder = encoder_model(model)
    length = decoding.reply_length(train_config)

    def decoder_of(config):
        return make_decoder(model, tokenizer, make_sampler(config), length)

    default = decoder_of(decoding)
    beams = [decoder_of(dataclasses.replace(
        decoding, sampling="beam", num_beams=width))
        for width in range(1, max_beams + 1)]
    nucleus = decoder_of(dataclasses.replace(decoding, sampling="top_p"))

    def prepare(message):
        message = at_most_per_request(
            tf.reshape(message, [-1]), MAX_MESSAGES, "messages")  # (batch,)
        context, empty = contexts(message)
        batch = tf.shape(context)[0]
        # An empty batch gets one row: some CPU kernels mishandle 0 rows.
        blank = tf.ones([tf.maximum(1 - batch, 0), tf.shape(context)[1]],
                        tf.int32)
        return tf.concat([context, blank], axis=0), empty, batch

    def finish(tokens, empty, batch):
        reply = graph_tokenizer.detokenize(tokens[:batch, 1:])
        reply = tf.where(empty, "", reply)
        error = tf.where(empty, EMPTY_ERROR, "")
        return reply, error

    def serve(message):
        context, empty, batch = prepare(message)
        tokens = decode(encoder, default, context, seed=0,
                        num_samples=decoding.num_samples,
                        length_penalty=decoding.length_penalty,
                        ranking=decoding.ranking)
        reply, error = finish(tokens, empty, batch)
        return {"reply": reply, "error": error}

    def generate(message, num_beams, top_p, temperature, seed):
        tf.debugging.assert_greater_equal(
            num_beams, 1, message=f"num_beams must be 1 to {max_beams}")
        tf.debugging.assert_less_equal(
            num_beams, max_beams,
            message=f"num_beams must be 1 to {max_beams}")
        _sampling_checks(top_p, temperature)
        context, empty, batch = prepare(message)

        def run(decoder, **overrides):
            return lambda: decode(encoder, decoder, context,
                                  temperature=temperature,
                                  return_scores=True, **overrides)

        tokens, score = tf.cond(
            top_p > 0.0,
            run(nucleus, seed=seed, top_p=top_p),
            lambda: tf.switch_case(num_beams - 1,
                                   [run(decoder) for decoder in beams]),
        )
        reply, error = finish(tokens, empty, batch)
        score = tf.where(empty, 0.0, score[:batch])
        return {"reply": reply, "error": error, "score": score}

    def encode(message, seed):
        context, empty, batch = prepare(message)
        start = start_reply(encoder, nucleus, context, seed)
        start["seed"] = tf.bitcast(start.pop("seeds"), tf.int32)
        start["memory"] = tf.cast(start["memory"], tf.float32)
        start = {name: value[:batch] for name, value in start.items()}
        start["error"] = tf.where(empty, EMPTY_ERROR, "")
        return start

    step = make_step_fn(beams[0], nucleus, graph_tokenizer,
                        tokenizer.vocabulary_size,
                        train_config.max_context_tokens)
    functions = {"serving_default": serve, "generate": generate,
                 "encode": encode, "step": step}
    return functions, graph_tokenizer.tables


def make_step_fn(greedy, nucleus, graph_tokenizer, vocabulary_size: int,
                 max_context_tokens: int):
    """The function behind the `step` signature.

    Args:
        greedy: the greedy `AttentionDecoder` of `generate`'s `num_beams=1`.
        nucleus: the top-p `AttentionDecoder` of `generate`'s `top_p > 0`.
        graph_tokenizer: the `GraphTokenizer` of the archive.
        vocabulary_size: int, the token ids accepted are `[0, this)`.
        max_context_tokens: int, the longest memory `encode` returns.

    Returns:
        `step(tokens, index, state, memory, memory_mask, seed, top_p,
        temperature) -> dict` (see the module docstring).
    """
    import tensorflow as tf

    length = greedy.max_length + 1  # `<s>`, reply, `</s>`
    state_size = sum(reply_state_sizes(greedy))

    def step(tokens, index, state, memory, memory_mask, seed, top_p,
             temperature):
        batch = tf.shape(tokens)[0]
        checks = _sampling_checks(top_p, temperature) + [
            batch_bound_check(batch, MAX_MESSAGES, "replies"),
            *id_range_checks(tokens, vocabulary_size, "tokens"),
            tf.debugging.assert_equal(
                tf.shape(tokens)[1], length,
                message=f"`tokens` must be [batch, {length}], as `encode` "
                        "or `step` returned it"),
            tf.debugging.assert_equal(
                tf.shape(index), [batch],
                message="`index` must be [batch] like `tokens`"),
            tf.debugging.assert_greater_equal(
                index, 1, message=f"`index` must be 1 to {length - 1}"),
            tf.debugging.assert_less(
                index, length,
                message=f"`index` must be 1 to {length - 1}: the reply "
                        "is complete"),
            tf.debugging.assert_equal(
                tf.shape(state), tf.stack([batch, state_size]),
                message=f"`state` must be [batch, {state_size}] with the "
                        "batch of `tokens`, as `encode` or `step` returned "
                        "it"),
            tf.debugging.assert_equal(
                tf.shape(memory)[0], batch,
                message="`memory` must have the batch of `tokens`"),
            tf.debugging.assert_less_equal(
                tf.shape(memory)[1], max_context_tokens,
                message=f"`memory` holds at most {max_context_tokens} "
                        "positions, as `encode` returns it"),
            tf.debugging.assert_equal(
                tf.shape(memory_mask), tf.shape(memory)[:2],
                message="`memory_mask` must be [batch, time] like `memory`"),
            tf.debugging.assert_equal(
                tf.shape(seed), [batch],
                message="`seed` must be [batch] like `tokens`, as `encode` "
                        "returned it"),
        ]
        with tf.control_dependencies(checks):  # nothing runs before them
            tokens, index, state, memory, memory_mask, seed = (
                tf.identity(x) for x in
                (tokens, index, state, memory, memory_mask, seed))
        seeds = tf.bitcast(seed, tf.uint32)

        def run(decoder, **overrides):
            return lambda: reply_step(
                decoder, tokens, index, state, memory, memory_mask, seeds,
                temperature=temperature, **overrides)

        out = tf.cond(top_p > 0.0, run(nucleus, top_p=top_p), run(greedy))
        before = graph_tokenizer.detokenize(tokens[:, 1:])  # reply so far
        after = graph_tokenizer.detokenize(out["tokens"][:, 1:])
        size = tf.strings.length(after)  # bytes; `after` extends `before`
        out["text"] = tf.strings.substr(
            after, tf.minimum(tf.strings.length(before), size), size)
        out["index"] = index + 1
        return out

    return step


def build_archive(model: keras.Model, tokenizer, train_config,
                  decoding: DecodingConfig,
                  max_beams: int = DEFAULT_MAX_BEAMS):
    """An `ExportArchive` with the `serving_default`, `generate`, `encode`
    and `step` signatures (see the module docstring; arguments as
    `make_serving_fns`).
    """
    import tensorflow as tf

    require_tensorflow_backend()
    functions, tables = make_serving_fns(
        model, tokenizer, train_config, decoding, max_beams)
    message = tf.TensorSpec([None], tf.string, name="message")
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.track(tables)
    archive.add_endpoint("serving_default", functions["serving_default"],
                         input_signature=[message])
    archive.add_endpoint("generate", functions["generate"], input_signature=[
        message,
        tf.TensorSpec([], tf.int32, name="num_beams"),
        tf.TensorSpec([], tf.float32, name="top_p"),
        tf.TensorSpec([], tf.float32, name="temperature"),
        tf.TensorSpec([], tf.int32, name="seed"),
    ])
    archive.add_endpoint("encode", functions["encode"], input_signature=[
        message, tf.TensorSpec([], tf.int32, name="seed")])
    shapes = stream_shapes(model, tokenizer, train_config, decoding)
    archive.add_endpoint("step", functions["step"], input_signature=[
        tf.TensorSpec([None, shapes["length"]], tf.int32, name="tokens"),
        tf.TensorSpec([None], tf.int32, name="index"),
        tf.TensorSpec([None, shapes["state_size"]], tf.float32,
                      name="state"),
        tf.TensorSpec([None, None, shapes["memory_depth"]], tf.float32,
                      name="memory"),
        tf.TensorSpec([None, None], tf.bool, name="memory_mask"),
        tf.TensorSpec([None], tf.int32, name="seed"),
        tf.TensorSpec([], tf.float32, name="top_p"),
        tf.TensorSpec([], tf.float32, name="temperature"),
    ])
    return archive


def stream_shapes(model: keras.Model, tokenizer, train_config,
                  decoding: DecodingConfig) -> dict:
    """The static sizes of the `encode` and `step` tensors.

    Returns:
        dict with `length` (of `tokens`: `max_reply_tokens + 2`),
        `state_size` (of `state`: `h`, `c` and the attention vector) and
        `memory_depth` (of `memory`: the encoder's output features).
    """
    decoder = make_decoder(model, tokenizer, make_sampler(decoding),
                           decoding.reply_length(train_config))
    return {"length": decoder.max_length + 1,
            "state_size": sum(reply_state_sizes(decoder)),
            "memory_depth": int(encoder_model(model).outputs[0].shape[-1])}


def warmup_requests(model: keras.Model, tokenizer, train_config,
                    decoding: DecodingConfig) -> list:
    """`(signature, inputs)` warm-up requests: one per signature.

    `step` starts from a one-position zero memory (valid shapes; warm-up
    only needs it to run).
    """
    import numpy as np

    messages = list(WARMUP_MESSAGES)
    batch = len(messages)
    shapes = stream_shapes(model, tokenizer, train_config, decoding)
    tokens = np.full((batch, shapes["length"]), tokenizer.pad_id, "int32")
    tokens[:, 0] = tokenizer.start_id
    return [
        ("serving_default", {"message": messages}),
        ("generate", {"message": messages, "num_beams": np.int32(1),
                      "top_p": np.float32(0.0),
                      "temperature": np.float32(1.0), "seed": np.int32(0)}),
        ("encode", {"message": messages, "seed": np.int32(0)}),
        ("step", {
            "tokens": tokens, "index": np.ones(batch, "int32"),
            "state": np.zeros((batch, shapes["state_size"]), "float32"),
            "memory": np.zeros((batch, 1, shapes["memory_depth"]),
                               "float32"),
            "memory_mask": np.ones((batch, 1), bool),
            "seed": np.zeros(batch, "int32"), "top_p": np.float32(0.9),
            "temperature": np.float32(1.0)}),
    ]


def export_restored(
    restored: Restored,
    model_dir: str = "saved_models/chatbot",
    version: int | None = None,
    decoding: DecodingConfig | None = None,
    max_beams: int = DEFAULT_MAX_BEAMS,
) -> pathlib.Path:
    """Exports a restored run to `<model_dir>/<version>/` with a warm-up.

    Args:
        restored: the run from `apps.framework.restore`.
        model_dir: str, the model's folder. Defaults to
            `"saved_models/chatbot"`.
        version: int or `None` for the next free one. Defaults to `None`.
        decoding: `DecodingConfig` of `serving_default`. Defaults to
            `None` (`DecodingConfig()`: a beam of 4).
        max_beams: int, widest beam of `generate`. Defaults to
            `DEFAULT_MAX_BEAMS`.

    Returns:
        `pathlib.Path` of the version folder.

    Raises:
        RuntimeError: "export needs KERAS_BACKEND=tensorflow" off TensorFlow.
    """
    require_tensorflow_backend()
    decoding = decoding or DecodingConfig()
    model, tokenizer = restored.model, restored.assets["tokenizer"]
    archive = build_archive(model, tokenizer, restored.train_config,
                            decoding, max_beams)
    requests = warmup_requests(model, tokenizer, restored.train_config,
                               decoding)
    return export_versioned(archive, model_dir, version,
                            warmup_requests=requests)


def reference_requests(restored: Restored) -> list[dict]:
    """Answers of `Responder` to `serving_default` and `generate`.

    `serving_default` with the default `DecodingConfig` (a beam of 4), and
    `generate` greedy (`num_beams=1, top_p=0`, with the reply's score) and
    sampled (`top_p=REFERENCE_TOP_P`, seed `REFERENCE_SEED`: the
    sampler's noise is the same on every backend). Runs on any backend.

    Args:
        restored: the run from `apps.framework.restore` (exported with the
            default decoding).

    Returns:
        list of `{"signature", "inputs", "outputs"}` dicts (see
        `apps.framework.App.reference_function`).
    """
    messages = list(REFERENCE_MESSAGES)
    tokenizer = restored.assets["tokenizer"]

    def responder(seed=0, **decoding):
        return Responder(restored.model, tokenizer, restored.train_config,
                         DecodingConfig(**decoding), seed)

    def generated(responder, top_p: float, seed: int):
        ids, scores = responder.reply_ids(messages, return_scores=True)
        return {
            "signature": "generate",
            "inputs": {"message": messages, "num_beams": np.int32(1),
                       "top_p": np.float32(top_p),
                       "temperature": np.float32(1.0), "seed": np.int32(seed)},
            "outputs": {"reply": [tokenizer.decode(row[1:]) for row in ids],
                        "score": scores},
        }

    return [
        {"signature": "serving_default", "inputs": {"message": messages},
         "outputs": {"reply": responder().reply(messages),
                     "error": [""] * len(messages)}},
        generated(responder(num_beams=1), top_p=0.0, seed=0),
        generated(responder(REFERENCE_SEED, sampling="top_p",
                            top_p=REFERENCE_TOP_P),
                  top_p=REFERENCE_TOP_P, seed=REFERENCE_SEED),
    ]


@dataclasses.dataclass(frozen=True)
class ExportConfig(BaseExportConfig):
    """What to export.

    Args:
        run_dir: str, the training run to export. Defaults to
            `"runs/chatbot"`.
        model_dir: str, folder of versioned exports. Defaults to
            `"saved_models/chatbot"`.
        max_beams: int, widest beam the `generate` signature runs.
            Defaults to `DEFAULT_MAX_BEAMS`.
    """

    run_dir: str = "runs/chatbot"
    model_dir: str = "saved_models/chatbot"
    max_beams: int = DEFAULT_MAX_BEAMS

    def __post_init__(self):
        super().__post_init__()
        require_positive_integers(self, "max_beams")


build_parser, main = export_command(
    APP,
    "Export a trained chatbot as a versioned SavedModel (message with "
    "its history -> reply; needs KERAS_BACKEND=tensorflow).",
    ExportConfig, decoding=DecodingConfig,
)


if __name__ == "__main__":
    main()
