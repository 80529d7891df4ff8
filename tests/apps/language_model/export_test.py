"""Tests for apps/language_model/export.py: text in, text out, bad inputs."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from apps.language_model import export
from apps.language_model.generate import complete
from apps.language_model.sampling import sequence_log_probs
from saved_models.warmup import WARMUP_FILE, read_warmup_inputs
from tests.apps.language_model.conftest import LINE

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="SavedModel export needs KERAS_BACKEND=tensorflow",
)

# Runs in a fresh interpreter importing only tensorflow and tensorflow_text.
_CHILD = """
import json, sys
import tensorflow as tf
import tensorflow_text  # registers the tokenizer ops
served = tf.saved_model.load(sys.argv[1])
prompts = tf.constant(json.loads(sys.argv[2]))
greedy = served.signatures["generate"](
    prompts=prompts, max_new_tokens=tf.constant(12),
    temperature=tf.constant(1.0), top_k=tf.constant(1),
    top_p=tf.constant(1.0), seed=tf.constant(0, tf.int64))
default = served.signatures["serving_default"](prompts=prompts)
again = served.signatures["serving_default"](prompts=prompts)
scores = served.signatures["score"](texts=prompts)
functions = served.signatures["generate"].graph.as_graph_def().library.function
print(json.dumps({
    "greedy": [s.decode() for s in greedy["completion"].numpy()],
    "default": [s.decode("utf-8", "replace")
                for s in default["completion"].numpy()],
    "same": default["completion"].numpy().tolist()
            == again["completion"].numpy().tolist(),
    "log_prob": scores["log_prob"].numpy().tolist(),
    "tokens": scores["tokens"].numpy().tolist(),
    "perplexity": scores["perplexity"].numpy().tolist(),
    "repo_modules": [m for m in ("rnn_layers", "apps", "datasets")
                     if m in sys.modules],
    "ops": sorted({n.op for f in functions for n in f.node_def}),
    "xla": [f.signature.name for f in functions
            if f.attr["_XlaMustCompile"].b],
}))
"""


@pytest.fixture(scope="module")
def exported(trained_run, tmp_path_factory):
    from apps.language_model.train import restore_model

    run_dir, _ = trained_run
    model, tokenizer, _, _ = restore_model(run_dir)
    model_dir = tmp_path_factory.mktemp("saved") / "language_model"
    return model, tokenizer, export.export_model(model, tokenizer, model_dir)


def test_fresh_process_answers_every_signature(exported, tmp_path):
    model, tokenizer, path = exported
    prompts = ["the quick", "", "over the"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path.resolve()),
         json.dumps(prompts)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    answer = json.loads(child.stdout.strip().splitlines()[-1])
    assert answer["greedy"] == complete(model, tokenizer, prompts, 12)
    assert answer["greedy"][0] == LINE[9:21]
    assert answer["same"] and len(answer["default"]) == 3
    assert all(len(t) == export.SERVING_NEW_TOKENS for t in answer["default"])
    ids = [np.concatenate([[tokenizer.start_id], tokenizer.encode(p), [0]])
           for p in prompts]
    width = max(map(len, ids))
    padded = np.array([np.pad(i, (0, width - len(i))) for i in ids], "int32")
    lengths = np.array([len(tokenizer.encode(p)) for p in prompts])
    expected = keras.ops.convert_to_numpy(
        sequence_log_probs(model, padded, lengths))
    np.testing.assert_allclose(answer["log_prob"], expected, rtol=1e-4,
                               atol=1e-4)
    assert answer["tokens"] == [9, 0, 8]
    assert answer["perplexity"][1] == 1.0
    np.testing.assert_allclose(
        answer["perplexity"][0], np.exp(-expected[0] / 9), rtol=1e-4)
    assert answer["repo_modules"] == []
    assert not [op for op in answer["ops"] if "Cudnn" in op]
    assert answer["xla"] == []


def test_bad_inputs_have_defined_answers(exported):
    import tensorflow as tf

    _, tokenizer, path = exported
    served = tf.saved_model.load(str(path))
    generate = served.signatures["generate"]
    huge = "x" * 1_000_000 + "the quick"
    args = dict(temperature=tf.constant(1.0), top_k=tf.constant(1),
                top_p=tf.constant(1.0), seed=tf.constant(0, tf.int64))
    out = generate(prompts=tf.constant([huge, b"\xc3\x28 \xff", "ZZZ", ""]),
                   max_new_tokens=tf.constant(5), **args)["completion"]
    texts = [t.decode("utf-8") for t in out.numpy()]
    assert texts[0] == LINE[9:14]  # only the end of the 1 MB prompt counts
    assert all(len(t) == 5 for t in texts)
    clipped = generate(prompts=tf.constant(["the"]),
                       max_new_tokens=tf.constant(10**6), **args)
    assert len(clipped["completion"].numpy()[0]) == export.MAX_NEW_TOKENS
    none = generate(prompts=tf.constant(["the"]),
                    max_new_tokens=tf.constant(-3), **args)
    assert none["completion"].numpy().tolist() == [b""]
    with pytest.raises(tf.errors.InvalidArgumentError, match="temperature"):
        generate(prompts=tf.constant(["a"]), max_new_tokens=tf.constant(3),
                 **{**args, "temperature": tf.constant(0.0)})
    empty_batch = served.signatures["serving_default"](
        prompts=tf.constant([], tf.string))
    assert empty_batch["completion"].shape == (0,)
    scores = served.signatures["score"](
        texts=tf.constant(["x" * 1_000_000, b"\xff\xfe"]))
    assert scores["tokens"].numpy().tolist() == [export.MAX_SCORE_TOKENS, 2]
    assert np.isfinite(scores["log_prob"].numpy()).all()


def test_warmup_requests_are_written(exported):
    _, _, path = exported
    (record,) = read_warmup_inputs(path / WARMUP_FILE)
    assert str(record["__model_name__"]) == "language_model"
    assert len(record["prompts"]) == len(export.WARMUP_PROMPTS)


def test_export_off_tensorflow_stops_with_message(monkeypatch, tmp_path):
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    with pytest.raises(SystemExit,
                       match="export needs KERAS_BACKEND=tensorflow"):
        export.main(["--run_dir", str(tmp_path)])
