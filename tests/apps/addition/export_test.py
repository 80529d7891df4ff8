"""Tests for apps/addition/export.py: the string-in, string-out SavedModel."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from apps.addition import export, generate
from saved_models.export import list_versions
from saved_models.warmup import WARMUP_FILE, read_warmup_inputs

requires_tf = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="SavedModel export needs KERAS_BACKEND=tensorflow",
)

GOOD = ["123+456", " 9 + 1 ", "0+0", "12345+678", "007+3"]
BAD = {
    "": "empty request",
    "   ": "empty request",
    "12+abc": "expected two non-negative integers",
    "1+2+3": "expected two non-negative integers",
    "-1+2": "expected two non-negative integers",
    "1" * 21 + "+1": "expected two non-negative integers",
    b"\xc3\x28+1": "expected two non-negative integers",  # invalid UTF-8
    "x" * 100_000: "request longer than",
}

# Runs in a fresh interpreter that imports nothing but tensorflow.
_CHILD = """
import json, sys
import tensorflow as tf
served = tf.saved_model.load(sys.argv[1])
serve = served.signatures["serving_default"]
problems = json.loads(sys.argv[2])
out = serve(problems=tf.constant(problems))
single = serve(problems=tf.constant(problems[:1]))
digits = tf.constant(json.loads(sys.argv[3]), tf.int32)
probabilities = served.signatures["digits"](digits=digits)["probabilities"]
print(json.dumps({
    "sum": [s.decode() for s in out["sum"].numpy()],
    "single": [s.decode() for s in single["sum"].numpy()],
    "probabilities": probabilities.numpy().tolist(),
    "repo_modules": [m for m in ("rnn_layers", "apps") if m in sys.modules],
    "ops": sorted({n.op for f in served.signatures["serving_default"]
                   .graph.as_graph_def().library.function for n in f.node_def}),
    "xla_functions": [f.signature.name for f in served.signatures[
        "serving_default"].graph.as_graph_def().library.function
        if f.attr["_XlaMustCompile"].b],
}))
"""


@requires_tf
def test_reload_in_fresh_tensorflow_process_matches_reference(tiny_addition_export, tmp_path):
    model, path = tiny_addition_export
    digits = np.random.default_rng(0).integers(0, 10, (3, 5, 2)).astype("int32")
    reference_probs = keras.ops.convert_to_numpy(
        keras.ops.softmax(model(digits))
    )
    reference_sums = generate.add(model, GOOD)
    reference_single = generate.add(model, GOOD[:1])
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path.resolve()), json.dumps(GOOD),
         json.dumps(digits.tolist())],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    answer = json.loads(child.stdout.strip().splitlines()[-1])
    assert answer["sum"] == reference_sums
    assert answer["single"] == reference_single
    np.testing.assert_allclose(answer["probabilities"], reference_probs, atol=1e-5)
    assert answer["repo_modules"] == []
    assert not [op for op in answer["ops"] if "Cudnn" in op]
    # TF Serving runs XLA-compiled functions only when started with a flag.
    assert answer["xla_functions"] == []


@requires_tf
def test_bad_requests_get_errors_and_good_ones_still_answer(tiny_addition_export):
    import tensorflow as tf

    model, path = tiny_addition_export
    serve = tf.saved_model.load(str(path)).signatures["serving_default"]
    problems = GOOD + list(BAD)
    out = serve(problems=tf.constant(problems))
    sums = [s.decode() for s in out["sum"].numpy()]
    errors = [e.decode() for e in out["error"].numpy()]
    assert sums[: len(GOOD)] == generate.add(model, GOOD)
    assert errors[: len(GOOD)] == [""] * len(GOOD)
    for (problem, message), total, error in zip(
        BAD.items(), sums[len(GOOD):], errors[len(GOOD):]
    ):
        assert total == "", problem
        assert message in error, (problem, error)
    empty = serve(problems=tf.constant([], tf.string))
    assert empty["sum"].shape == (0,)


@requires_tf
def test_serving_strings_match_model_digits():
    """A model that has learnt addition answers exactly through the graph."""
    import tensorflow as tf

    class Oracle(keras.layers.Layer):
        """Adds the digit columns exactly, as a trained model would."""

        def call(self, digits):
            totals = digits[..., 0] + digits[..., 1]  # (batch, time)
            carries = tf.scan(
                lambda carry, column: (column + carry) // 10,
                tf.transpose(totals),
                initializer=tf.zeros_like(totals[:, 0]),
            )
            carry_in = tf.concat(
                [tf.zeros_like(carries[:1]), carries[:-1]], axis=0
            )
            out = (tf.transpose(totals) + carry_in) % 10
            return tf.one_hot(tf.transpose(out), 10)

    serve = tf.function(export.make_serving_fn(Oracle(), max_digits=20))
    problems = ["123+456", "999+1", "0+0", "99999999999999999999+1", "58 + 7"]
    sums = [s.decode() for s in serve(tf.constant(problems))["sum"].numpy()]
    assert sums == ["579", "1000", "0", "1" + "0" * 20, "65"]


@requires_tf
def test_versions_and_warmup_requests(tiny_addition_export):
    model, path = tiny_addition_export
    assert path.name == "1" and list_versions(path.parent) == [1]
    (record,) = read_warmup_inputs(path / WARMUP_FILE)
    assert str(record["__model_name__"]) == "addition"
    assert [p.decode() for p in record["problems"]] == list(
        export.WARMUP_PROBLEMS
    )


@requires_tf
def test_max_digits_validation():
    with pytest.raises(ValueError, match="max_digits=0"):
        export.make_serving_fn(None, 0)


def test_export_off_tensorflow_stops_with_message(monkeypatch, tmp_path,
                                                  capsys):
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    with pytest.raises(SystemExit) as exit_info:
        export.main(["--run_dir", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "export needs KERAS_BACKEND=tensorflow" in capsys.readouterr().err


@requires_tf
@pytest.mark.parametrize("value, message", [
    (-1, "digits must be 0..9; received a negative one"),
    (10, "digits must be 0..9; received one above 9"),
])
def test_digits_signature_refuses_out_of_range_digits(tiny_addition_export, value,
                                                      message):
    import tensorflow as tf

    _, path = tiny_addition_export
    digits = tf.saved_model.load(str(path)).signatures["digits"]
    good = np.zeros((1, 3, 2), "int32")
    assert digits(digits=tf.constant(good))["probabilities"].shape == (
        1, 3, 10)
    bad = good.copy()
    bad[0, 1, 0] = value
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        digits(digits=tf.constant(bad))


@requires_tf
def test_requests_over_the_item_bound_fail_with_a_message(tiny_addition_export):
    import tensorflow as tf

    _, path = tiny_addition_export
    serve = tf.saved_model.load(str(path)).signatures["serving_default"]
    too_many = tf.constant(["1+1"] * (export.MAX_PROBLEMS + 1))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="at most 4096 problems; split it into"):
        serve(problems=too_many)
