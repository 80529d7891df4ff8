"""Exports a language model as a SavedModel that takes and returns text.

Signatures (run on CPU with only `tensorflow` and `tensorflow_text`
imported; tokenization is in the graph, see
`datasets.tokenizers.GraphTokenizer`):

- `serving_default(prompts)`: string `(batch,)` -> `completion` string
  `(batch,)`: `SERVING_NEW_TOKENS` tokens sampled at temperature
  `SERVING_TEMPERATURE` with top-p `SERVING_TOP_P` and seed 0 (so the same
  request gets the same answer).
- `generate(prompts, max_new_tokens, temperature, top_k, top_p, seed)`:
  the same with explicit scalars; `top_k <= 0` and `top_p >= 1` disable
  those filters. Returns `completion`. A prompt's completion depends only
  on the prompt and these scalars, never on the other prompts of the
  request: equal prompts get equal completions (send them with other seeds
  for different samples), and different prompts draw unrelated noise (the
  seed is keyed by each prompt's tokens).
- `score(texts)`: string `(batch,)` -> `log_prob` (float32, natural log of
  the probability of the text's tokens, each given the start token and the
  tokens before it), `tokens` (int32, tokens scored) and `perplexity`
  (`exp(-log_prob / tokens)`; `1.0` for a text with no tokens).
- `start(prompts, seed)`: string `(batch,)` and int32 `()` -> where a
  stream starts: `token` int32 `(batch,)` (the prompt's last token, or the
  start token for `""`: the next token to feed), `state` float32 `(batch,
  state_size)` (the recurrent states before that token, `(h, c)` per LSTM
  layer or `h` per GRU layer concatenated bottom first; `state_size` is the
  static width of the signature's `state`), `index` int32 `(batch,)` (the
  position of the next token, `1 + prompt tokens`) and `seed` int32
  `(batch,)` (the request seed keyed by the row's prompt, as `generate`
  keys it). `start([""] * batch, seed)` is the zero state.
- `step(token, state, index, seed, temperature, top_k, top_p)`: int32
  `(batch,)`, float32 `(batch, state_size)`, int32 `(batch,)`, int32
  `(batch,)` and the scalars of `generate` -> `logits` float32 `(batch,
  vocabulary)` (the model's, never-sampled ids at `-1e9`), `token` int32
  `(batch,)` (drawn as `generate` draws the token at `index`), `text`
  string `(batch,)` (the token as it continues the text so far: appended to
  the prompt, the texts spell it out, spaces included at word level),
  `state` and `index + 1`. Feeding each output `token`, `state` and
  `index` back (and the same `seed`) streams `generate`'s completion token
  for token: `start` then `max_new_tokens` steps equal `generate` with the
  same prompts, seed and sampling scalars.

Per-request bounds (so no request runs unbounded): at most `MAX_PROMPTS`
prompts per `generate`, `serving_default`, `start` or `step` request and `MAX_TEXTS` texts
per `score` request (more fail with INVALID_ARGUMENT "a request holds at
most ...; split it into several requests"); of each prompt only the last `MAX_PROMPT_BYTES`
bytes and `MAX_PROMPT_TOKENS` tokens are read, at most `MAX_NEW_TOKENS`
tokens are added; of each text only the first `MAX_SCORE_BYTES` bytes and
`MAX_SCORE_TOKENS` tokens are scored. A `generate` request thus costs at
most `MAX_PROMPTS * (1 + MAX_PROMPT_TOKENS + MAX_NEW_TOKENS)` recurrent
steps, a `score` request at most `MAX_TEXTS * MAX_SCORE_TOKENS` steps and
logits.

Bad inputs have defined answers:

- empty prompt: the continuation of the start token (a fresh line);
- unknown characters or words, invalid UTF-8 (decoded to U+FFFD): `<unk>`;
- long prompts: only the last `MAX_PROMPT_BYTES` bytes are read (before
  decoding, so a 1 MB request costs no more than a short one) and then the
  last `MAX_PROMPT_TOKENS` tokens are kept;
- long texts to score: the first `MAX_SCORE_BYTES` bytes, then the first
  `MAX_SCORE_TOKENS` tokens (`tokens` says how many were scored);
- `max_new_tokens` is clipped to `[0, MAX_NEW_TOKENS]`;
- `top_k <= 0` and `top_p >= 1` disable those filters, a `top_k` above the
  vocabulary size keeps every token, any `seed` is valid;
- `temperature` outside `(0, MAX_TEMPERATURE]` (NaN included) or `top_p <= 0`
  (NaN included): the request fails with an INVALID_ARGUMENT error naming
  the argument;
- a `step` with token ids outside `[0, vocabulary)`, a `state` that is not
  `(batch, state_size)`, `index` or `seed` of another batch, or more than
  `MAX_PROMPTS` rows fails with INVALID_ARGUMENT naming the input.

Warm-up records (`assets.extra/tf_serving_warmup_requests`) call every
signature once. `reference_requests(restored)` gives the answers of the
Python path (`apps.language_model.generate.complete`,
`sampling.sequence_log_probs`; any backend) to `serving_default`,
`generate` and `score`, which a TensorFlow export of the same run must
equal (`tests/apps/jax_parity_test.py`).

Example:

```
python -m apps.language_model.export --run_dir runs/language_model
```
"""

import dataclasses
import pathlib

import keras
import numpy as np

from apps.framework import BaseExportConfig
from apps.framework import Restored
from apps.framework import export_command
from apps.language_model.config import APP
from apps.language_model.generate import complete
from apps.language_model.sampling import MAX_TEMPERATURE
from apps.language_model.sampling import generate_ids
from apps.language_model.sampling import sequence_log_probs
from apps.language_model.sampling import start_stream
from apps.language_model.sampling import stream_state_sizes
from apps.language_model.sampling import stream_step
from datasets.tokenizers import GraphTokenizer, Tokenizer
from rnn_layers import samplers
from saved_models.export import export_versioned, require_tensorflow_backend
from saved_models.request_checks import at_most_per_request
from saved_models.request_checks import batch_bound_check
from saved_models.request_checks import id_range_checks

MAX_PROMPTS = 256  # prompts per `generate` / `serving_default` request
MAX_TEXTS = 16  # texts per `score` request
MAX_PROMPT_BYTES = 4096  # bytes of a prompt read, from its end
MAX_PROMPT_TOKENS = 256  # prompt tokens kept, from the end
MAX_SCORE_BYTES = 16384  # bytes of a text scored, from its start
MAX_SCORE_TOKENS = 2048  # tokens of a text scored, from its start
MAX_NEW_TOKENS = 1024  # most tokens `generate` adds
SERVING_NEW_TOKENS = 200  # tokens `serving_default` adds
SERVING_TEMPERATURE = 0.8
SERVING_TOP_P = 0.95
WARMUP_PROMPTS = ("", "The ", "x" * 64)
WARMUP_SEED = 0  # seed of the warm-up `generate`, `start` and `step` requests
REFERENCE_PROMPTS = ("The ", "", "def ")
REFERENCE_NEW_TOKENS = 24  # tokens of the reference `generate` request


def _prompt_ids(graph_tokenizer, prompts):
    """Padded prompt ids `(batch, max_len)` and lengths `(batch,)`."""
    import tensorflow as tf

    prompts = at_most_per_request(
        tf.reshape(prompts, [-1]), MAX_PROMPTS, "prompts")  # (batch,)
    length = tf.strings.length(prompts)
    tail = tf.strings.substr(
        prompts, tf.maximum(length - MAX_PROMPT_BYTES, 0),
        tf.fill(tf.shape(length), MAX_PROMPT_BYTES),
    )  # the last bytes only; a cut character decodes to U+FFFD
    ids = graph_tokenizer.tokenize(tail)[:, -MAX_PROMPT_TOKENS:]  # ragged
    return ids.to_tensor(0), tf.cast(ids.row_lengths(), tf.int32)


def _sampling_checks(temperature, top_p) -> list:
    """Asserts on `temperature` and `top_p` (NaN fails them all)."""
    import tensorflow as tf

    return [
        tf.debugging.assert_positive(
            temperature,
            message=f"`temperature` must be in (0, {MAX_TEMPERATURE:g}]"),
        tf.debugging.assert_less_equal(
            temperature, MAX_TEMPERATURE,
            message=f"`temperature` must be in (0, {MAX_TEMPERATURE:g}]"),
        tf.debugging.assert_positive(
            top_p, message="`top_p` must be > 0 (>= 1 disables it)"),
    ]


def make_generate_fn(model: keras.Model, tokenizer: Tokenizer, graph_tokenizer):
    """The function behind the `generate` signature."""
    import tensorflow as tf

    sampler = samplers.get("random")  # made outside the trace: owns a variable

    def generate(prompts, max_new_tokens, temperature, top_k, top_p, seed):
        with tf.control_dependencies(_sampling_checks(temperature, top_p)):
            max_new = tf.clip_by_value(max_new_tokens, 0, MAX_NEW_TOKENS)
            ids, lengths = _prompt_ids(graph_tokenizer, prompts)
        new_ids = generate_ids(
            model, ids, lengths, tokenizer.start_id, max_new,
            sampler=sampler, seed=seed, temperature=temperature,
            top_k=top_k, top_p=top_p, banned_ids=tokenizer.unsampled_ids,
        )  # (batch, max_new)
        return {"completion": graph_tokenizer.detokenize(new_ids)}

    return generate


def make_score_fn(model: keras.Model, tokenizer: Tokenizer, graph_tokenizer):
    """The function behind the `score` signature."""
    import tensorflow as tf

    def score(texts):
        texts = at_most_per_request(
            tf.reshape(texts, [-1]), MAX_TEXTS, "texts")  # (batch,)
        head = tf.strings.substr(texts, 0, MAX_SCORE_BYTES)
        ids = graph_tokenizer.tokenize(head)[:, :MAX_SCORE_TOKENS]
        lengths = tf.cast(ids.row_lengths(), tf.int32)
        dense = ids.to_tensor(0)  # (batch, max_len)
        batch = tf.shape(dense)[0]
        dense = tf.concat(
            [tf.fill([batch, 1], tokenizer.start_id), dense,
             tf.zeros([batch, 1], tf.int32)], axis=1,
        )  # start token first; one pad so the model sees >= 1 step
        log_prob = sequence_log_probs(model, dense, lengths)
        count = tf.cast(lengths, tf.float32)
        perplexity = tf.where(
            lengths > 0, tf.exp(-log_prob / tf.maximum(count, 1.0)), 1.0
        )
        return {"log_prob": log_prob, "tokens": lengths,
                "perplexity": perplexity}

    return score


def make_stream_fns(model: keras.Model, tokenizer: Tokenizer,
                    graph_tokenizer):
    """The functions behind the `start` and `step` signatures.

    Both sample as `generate` samples (the same `"random"` sampler, banned
    ids and seed keying), so `start` then `step` repeated gives
    `generate`'s completion token for token.

    Args:
        model: a model from `build_model`.
        tokenizer: the run's `Tokenizer`.
        graph_tokenizer: `GraphTokenizer(tokenizer)`, tracked by the
            archive.

    Returns:
        `(start, step)`, functions of the signature inputs returning the
        output dicts (see the module docstring).
    """
    import tensorflow as tf

    sampler = samplers.get("random")  # made outside the trace: owns a variable
    state_size = sum(stream_state_sizes(model))
    vocabulary = tokenizer.vocabulary_size

    def start(prompts, seed):
        ids, lengths = _prompt_ids(graph_tokenizer, prompts)
        stream = start_stream(model, ids, lengths, tokenizer.start_id,
                              sampler, seed=seed)
        return {"token": stream["token"], "state": stream["state"],
                "index": stream["index"],
                "seed": tf.bitcast(stream["seeds"], tf.int32)}

    def step(token, state, index, seed, temperature, top_k, top_p):
        batch = tf.shape(token)[0]
        checks = _sampling_checks(temperature, top_p) + [
            batch_bound_check(batch, MAX_PROMPTS, "streams"),
            *id_range_checks(token, vocabulary, "token"),
            tf.debugging.assert_equal(
                tf.shape(state), tf.stack([batch, state_size]),
                message=f"`state` must be [batch, {state_size}] with the "
                        "batch of `token`, as `start` or `step` returned it"),
            tf.debugging.assert_equal(
                tf.shape(index), tf.shape(token),
                message="`index` must be [batch] like `token`"),
            tf.debugging.assert_equal(
                tf.shape(seed), tf.shape(token),
                message="`seed` must be [batch] like `token`, as `start` "
                        "returned it"),
        ]
        with tf.control_dependencies(checks):  # nothing runs before them
            token, state, index, seed = (
                tf.identity(x) for x in (token, state, index, seed))
        logits, picked, state = stream_step(
            model, sampler, token, state, index,
            tf.bitcast(seed, tf.uint32), temperature=temperature,
            top_k=top_k, top_p=top_p, banned_ids=tokenizer.unsampled_ids)
        pair = graph_tokenizer.detokenize(tf.stack([token, picked], axis=1))
        alone = graph_tokenizer.detokenize(token[:, None])
        length = tf.strings.length(pair)  # bytes; `pair` starts with `alone`
        text = tf.strings.substr(
            pair, tf.minimum(tf.strings.length(alone), length), length)
        return {"logits": logits, "token": picked, "text": text,
                "state": state, "index": index + 1}

    return start, step


def build_archive(model: keras.Model, tokenizer: Tokenizer):
    """An `ExportArchive` with `serving_default`, `generate`, `score`,
    `start` and `step` (see the module docstring)."""
    import tensorflow as tf

    require_tensorflow_backend()
    graph_tokenizer = GraphTokenizer(tokenizer)
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.track(graph_tokenizer.tables)
    generate = make_generate_fn(model, tokenizer, graph_tokenizer)
    prompts_spec = tf.TensorSpec([None], tf.string, name="prompts")
    archive.add_endpoint(
        "serving_default",
        lambda prompts: generate(
            prompts, tf.constant(SERVING_NEW_TOKENS),
            tf.constant(SERVING_TEMPERATURE), tf.constant(0),
            tf.constant(SERVING_TOP_P), tf.constant(0),
        ),
        input_signature=[prompts_spec],
    )
    archive.add_endpoint(
        "generate", generate,
        input_signature=[
            prompts_spec,
            tf.TensorSpec([], tf.int32, name="max_new_tokens"),
            tf.TensorSpec([], tf.float32, name="temperature"),
            tf.TensorSpec([], tf.int32, name="top_k"),
            tf.TensorSpec([], tf.float32, name="top_p"),
            tf.TensorSpec([], tf.int32, name="seed"),
        ],
    )
    archive.add_endpoint(
        "score", make_score_fn(model, tokenizer, graph_tokenizer),
        input_signature=[tf.TensorSpec([None], tf.string, name="texts")],
    )
    start, step = make_stream_fns(model, tokenizer, graph_tokenizer)
    archive.add_endpoint(
        "start", start,
        input_signature=[prompts_spec,
                         tf.TensorSpec([], tf.int32, name="seed")],
    )
    state_size = sum(stream_state_sizes(model))
    archive.add_endpoint(
        "step", step,
        input_signature=[
            tf.TensorSpec([None], tf.int32, name="token"),
            tf.TensorSpec([None, state_size], tf.float32, name="state"),
            tf.TensorSpec([None], tf.int32, name="index"),
            tf.TensorSpec([None], tf.int32, name="seed"),
            tf.TensorSpec([], tf.float32, name="temperature"),
            tf.TensorSpec([], tf.int32, name="top_k"),
            tf.TensorSpec([], tf.float32, name="top_p"),
        ],
    )
    return archive


def warmup_requests(model: keras.Model, tokenizer: Tokenizer) -> list:
    """`(signature, inputs)` warm-up requests: one per signature.

    `step` gets the state `start` returns for `WARMUP_PROMPTS` with zero
    states (a valid request of the right shapes; warm-up only needs it
    to run).
    """
    import numpy as np

    batch = len(WARMUP_PROMPTS)
    state_size = sum(stream_state_sizes(model))
    sampling = {"temperature": np.float32(SERVING_TEMPERATURE),
                "top_k": np.int32(0), "top_p": np.float32(SERVING_TOP_P)}
    prompts = list(WARMUP_PROMPTS)
    return [
        ("serving_default", {"prompts": prompts}),
        ("generate", {"prompts": prompts, "max_new_tokens": np.int32(8),
                      "seed": np.int32(WARMUP_SEED), **sampling}),
        ("score", {"texts": prompts}),
        ("start", {"prompts": prompts, "seed": np.int32(WARMUP_SEED)}),
        ("step", {"token": np.full(batch, tokenizer.start_id, "int32"),
                  "state": np.zeros((batch, state_size), "float32"),
                  "index": np.ones(batch, "int32"),
                  "seed": np.full(batch, WARMUP_SEED, "int32"), **sampling}),
    ]


def reference_requests(restored: Restored) -> list[dict]:
    """Answers of the Python path to `serving_default`, `generate` and
    `score`, on any backend.

    `serving_default` is `complete` with the signature's sampling settings,
    seed included (the sampler's noise is the same on every backend);
    `generate` with `top_k=1` is greedy `complete`; `score` is
    `sequence_log_probs` over the Python tokenizer's ids of the served
    texts.

    Args:
        restored: the run from `apps.framework.restore`.

    Returns:
        list of `{"signature", "inputs", "outputs"}` dicts (see
        `apps.framework.App.reference_function`).
    """
    model, tokenizer = restored.model, restored.assets["tokenizer"]
    prompts = list(REFERENCE_PROMPTS)
    served = complete(
        model, tokenizer, prompts, SERVING_NEW_TOKENS, sampler="random",
        seed=0, temperature=SERVING_TEMPERATURE, top_k=0,
        top_p=SERVING_TOP_P)
    greedy = complete(model, tokenizer, prompts, REFERENCE_NEW_TOKENS)
    texts = [prompt + completion
             for prompt, completion in zip(prompts, served)]
    encoded = [tokenizer.encode(text) for text in texts]
    lengths = np.array([len(ids) for ids in encoded], "int32")
    ids = np.zeros((len(texts), lengths.max() + 2), "int32")
    ids[:, 0] = tokenizer.start_id  # then the tokens, then >= 1 pad
    for row, row_ids in enumerate(encoded):
        ids[row, 1:1 + len(row_ids)] = row_ids
    log_prob = keras.ops.convert_to_numpy(
        sequence_log_probs(model, ids, lengths))
    return [
        {"signature": "serving_default", "inputs": {"prompts": prompts},
         "outputs": {"completion": served}},
        {"signature": "generate",
         "inputs": {"prompts": prompts,
                    "max_new_tokens": np.int32(REFERENCE_NEW_TOKENS),
                    "temperature": np.float32(1.0), "top_k": np.int32(1),
                    "top_p": np.float32(1.0), "seed": np.int32(7)},
         "outputs": {"completion": greedy}},
        {"signature": "score", "inputs": {"texts": texts},
         "outputs": {"log_prob": log_prob, "tokens": lengths,
                     "perplexity": np.exp(-log_prob / lengths).astype(
                         "float32")}},
    ]


def export_restored(
    restored: Restored,
    model_dir: str = "saved_models/language_model",
    version: int | None = None,
) -> pathlib.Path:
    """Exports a restored run to `<model_dir>/<version>/` with warm-up requests.

    Args:
        restored: the run from `apps.framework.restore`.
        model_dir: str, the model's folder. Defaults to
            `"saved_models/language_model"`.
        version: int or `None` for the next free one. Defaults to `None`.

    Returns:
        `pathlib.Path` of the version folder.

    Raises:
        RuntimeError: "export needs KERAS_BACKEND=tensorflow" off TensorFlow.
    """
    require_tensorflow_backend()
    model, tokenizer = restored.model, restored.assets["tokenizer"]
    archive = build_archive(model, tokenizer)
    requests = warmup_requests(model, tokenizer)
    return export_versioned(archive, model_dir, version,
                            warmup_requests=requests)


@dataclasses.dataclass(frozen=True)
class ExportConfig(BaseExportConfig):
    """What to export.

    Args:
        run_dir: str, the training run to export. Defaults to
            `"runs/language_model"`.
        model_dir: str, folder of versioned exports. Defaults to
            `"saved_models/language_model"`.
    """

    run_dir: str = "runs/language_model"
    model_dir: str = "saved_models/language_model"


build_parser, main = export_command(
    APP,
    "Export a trained language model as a versioned SavedModel "
    "(needs KERAS_BACKEND=tensorflow).",
    ExportConfig,
)


if __name__ == "__main__":
    main()
