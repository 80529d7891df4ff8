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

Per-request bounds (so no request runs unbounded): at most `MAX_PROMPTS`
prompts per `generate` or `serving_default` request and `MAX_TEXTS` texts
per `score` request (more fail with INVALID_ARGUMENT "at most ... per
request; split the batch"); of each prompt only the last `MAX_PROMPT_BYTES`
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
  the argument.

Example:

```
python -m apps.language_model.export --run_dir runs/language_model
```
"""

import argparse
import dataclasses
import pathlib

import keras

from apps.framework import BaseExportConfig
from apps.framework import Restored
from apps.framework import config_parser
from apps.framework import run_export
from apps.language_model.config import APP
from apps.language_model.sampling import MAX_TEMPERATURE
from apps.language_model.sampling import generate_ids
from apps.language_model.sampling import sequence_log_probs
from datasets.tokenizers import GraphTokenizer, Tokenizer
from rnn_layers import samplers
from saved_models.export import export_versioned, require_tensorflow_backend

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


def _at_most(texts, limit: int, name: str):
    """`texts` `(batch,)`, after checking that the batch has <= `limit` items."""
    import tensorflow as tf

    check = tf.debugging.assert_less_equal(
        tf.size(texts), limit,
        message=f"at most {limit} {name} per request; split the batch",
    )
    with tf.control_dependencies([check]):
        return tf.reshape(texts, [-1])


def _prompt_ids(graph_tokenizer, prompts):
    """Padded prompt ids `(batch, max_len)` and lengths `(batch,)`."""
    import tensorflow as tf

    prompts = _at_most(prompts, MAX_PROMPTS, "prompts")  # (batch,)
    length = tf.strings.length(prompts)
    tail = tf.strings.substr(
        prompts, tf.maximum(length - MAX_PROMPT_BYTES, 0),
        tf.fill(tf.shape(length), MAX_PROMPT_BYTES),
    )  # the last bytes only; a cut character decodes to U+FFFD
    ids = graph_tokenizer.tokenize(tail)[:, -MAX_PROMPT_TOKENS:]  # ragged
    return ids.to_tensor(0), tf.cast(ids.row_lengths(), tf.int32)


def make_generate_fn(model: keras.Model, tokenizer: Tokenizer, graph_tokenizer):
    """The function behind the `generate` signature."""
    import tensorflow as tf

    sampler = samplers.get("random")  # made outside the trace: owns a variable

    def generate(prompts, max_new_tokens, temperature, top_k, top_p, seed):
        checks = [
            tf.debugging.assert_positive(
                temperature,
                message=f"`temperature` must be in (0, {MAX_TEMPERATURE:g}]"),
            tf.debugging.assert_less_equal(
                temperature, MAX_TEMPERATURE,
                message=f"`temperature` must be in (0, {MAX_TEMPERATURE:g}]"),
            tf.debugging.assert_positive(
                top_p, message="`top_p` must be > 0 (>= 1 disables it)"),
        ]
        with tf.control_dependencies(checks):
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
        texts = _at_most(texts, MAX_TEXTS, "texts")  # (batch,)
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


def build_archive(model: keras.Model, tokenizer: Tokenizer):
    """An `ExportArchive` with `serving_default`, `generate` and `score`."""
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
            tf.constant(SERVING_TOP_P), tf.constant(0, tf.int64),
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
            tf.TensorSpec([], tf.int64, name="seed"),
        ],
    )
    archive.add_endpoint(
        "score", make_score_fn(model, tokenizer, graph_tokenizer),
        input_signature=[tf.TensorSpec([None], tf.string, name="texts")],
    )
    return archive


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
    return export_versioned(
        build_archive(restored.model, restored.assets["tokenizer"]),
        model_dir,
        version=version,
        warmup_requests=[{"prompts": list(WARMUP_PROMPTS)}],
    )


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


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m apps.language_model.export`."""
    return config_parser(
        APP.command("export"),
        "Export a trained language model as a versioned SavedModel "
        "(needs KERAS_BACKEND=tensorflow).",
        ExportConfig,
    )


def main(argv=None) -> None:
    """Parses the command line and exports."""
    run_export(APP, build_parser(), argv, ExportConfig)


if __name__ == "__main__":
    main()
