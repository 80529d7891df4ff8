"""Tests for apps/language_model/export.py: text in, text out, bad inputs."""

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


@pytest.fixture(scope="module")
def exported(restored, tmp_path_factory):
    """`(path, loaded SavedModel)` of the tiny run's export."""
    import tensorflow as tf

    model_dir = tmp_path_factory.mktemp("saved") / "language_model"
    path = export.export_restored(restored, model_dir)
    return path, tf.saved_model.load(str(path))


def _generate(served, prompts, max_new_tokens=12, **overrides):
    """The `generate` signature's completions as str."""
    import tensorflow as tf

    args = dict(temperature=tf.constant(1.0), top_k=tf.constant(1),
                top_p=tf.constant(1.0), seed=tf.constant(0))
    args.update({k: tf.constant(v, args[k].dtype)
                 for k, v in overrides.items()})
    out = served.signatures["generate"](
        prompts=tf.constant(prompts), max_new_tokens=tf.constant(
            max_new_tokens), **args)["completion"]
    return [t.decode("utf-8") for t in out.numpy()]


def test_signatures_match_the_python_model(exported, restored):
    import tensorflow as tf

    model, tokenizer = restored.model, restored.assets["tokenizer"]
    _, served = exported
    prompts = ["the quick", "", "over the"]
    greedy = _generate(served, prompts)
    assert greedy == complete(model, tokenizer, prompts, 12)
    assert greedy[0] == LINE[9:21]
    hot = dict(temperature=3.0, top_k=0, top_p=1.0, seed=7)
    assert _generate(served, prompts, **hot) == complete(
        model, tokenizer, prompts, 12, sampler="random", **hot)
    default = served.signatures["serving_default"](
        prompts=tf.constant(prompts))["completion"].numpy().tolist()
    again = served.signatures["serving_default"](
        prompts=tf.constant(prompts))["completion"].numpy().tolist()
    assert default == again and len(default) == 3
    assert all(len(t.decode()) == export.SERVING_NEW_TOKENS for t in default)
    scores = served.signatures["score"](texts=tf.constant(prompts))
    ids = [np.concatenate([[tokenizer.start_id], tokenizer.encode(p), [0]])
           for p in prompts]
    width = max(map(len, ids))
    padded = np.array([np.pad(i, (0, width - len(i))) for i in ids], "int32")
    lengths = np.array([len(tokenizer.encode(p)) for p in prompts])
    expected = keras.ops.convert_to_numpy(
        sequence_log_probs(model, padded, lengths))
    np.testing.assert_allclose(scores["log_prob"].numpy(), expected,
                               rtol=1e-4, atol=1e-4)
    assert scores["tokens"].numpy().tolist() == [9, 0, 8]
    perplexity = scores["perplexity"].numpy()
    assert perplexity[1] == 1.0
    np.testing.assert_allclose(perplexity[0], np.exp(-expected[0] / 9),
                               rtol=1e-4)
    functions = served.signatures["generate"].graph.as_graph_def().library
    ops = {n.op for f in functions.function for n in f.node_def}
    assert not [op for op in ops if "Cudnn" in op]  # runs on any CPU
    assert not [f.signature.name for f in functions.function
                if f.attr["_XlaMustCompile"].b]


def test_a_completion_never_depends_on_the_other_prompts(exported):
    _, served = exported
    hot = dict(temperature=3.0, top_k=0, top_p=1.0, seed=11)
    prompts = ["the", "over the lazy", "the", ""]
    batch = _generate(served, prompts, **hot)
    assert batch[0] == batch[2]  # identical prompts, identical completions
    for prompt, completion in zip(prompts, batch):
        assert _generate(served, [prompt], **hot) == [completion], prompt


def test_bad_inputs_have_defined_answers(exported):
    import tensorflow as tf

    _, served = exported
    huge = "x" * 1_000_000 + "the quick"
    texts = _generate(served, [huge, b"\xc3\x28 \xff", "ZZZ", ""], 5)
    assert texts[0] == LINE[9:14]  # only the end of the 1 MB prompt counts
    assert all(len(t) == 5 for t in texts)
    (clipped,) = _generate(served, ["the"], 10**6)
    assert len(clipped) == export.MAX_NEW_TOKENS
    assert _generate(served, ["the"], -3) == [""]
    # top_k <= 0 or above the vocabulary keeps every token.
    hot = dict(temperature=3.0, top_p=1.0, seed=2)
    unfiltered = _generate(served, ["the"], top_k=0, **hot)
    assert _generate(served, ["the"], top_k=-5, **hot) == unfiltered
    assert _generate(served, ["the"], top_k=10**6, **hot) == unfiltered
    empty_batch = served.signatures["serving_default"](
        prompts=tf.constant([], tf.string))
    assert empty_batch["completion"].shape == (0,)
    scores = served.signatures["score"](
        texts=tf.constant(["x" * 1_000_000, b"\xff\xfe"]))
    assert scores["tokens"].numpy().tolist() == [export.MAX_SCORE_TOKENS, 2]
    assert np.isfinite(scores["log_prob"].numpy()).all()


@pytest.mark.parametrize("argument, value", [
    ("temperature", 0.0), ("temperature", -1.0), ("temperature", np.nan),
    ("temperature", np.inf), ("top_p", 0.0), ("top_p", -0.5),
    ("top_p", np.nan)])
def test_invalid_sampling_arguments_are_refused_by_name(
        exported, argument, value):
    import tensorflow as tf

    _, served = exported
    with pytest.raises(tf.errors.InvalidArgumentError, match=argument):
        _generate(served, ["a"], 3, **{argument: value})


def test_oversized_batches_are_refused(exported):
    import tensorflow as tf

    _, served = exported
    too_many = ["a"] * (export.MAX_PROMPTS + 1)
    message = f"at most {export.MAX_PROMPTS} prompts"
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        _generate(served, too_many, 3)
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        served.signatures["serving_default"](prompts=tf.constant(too_many))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=f"at most {export.MAX_TEXTS} texts"):
        served.signatures["score"](
            texts=tf.constant(["a"] * (export.MAX_TEXTS + 1)))
    assert len(_generate(served, ["a"] * export.MAX_PROMPTS, 1)) == (
        export.MAX_PROMPTS)


def test_warmup_requests_are_written(exported):
    path, served = exported
    records = read_warmup_inputs(path / WARMUP_FILE)
    assert [str(r["__signature_name__"]) for r in records] == [
        "serving_default", "generate", "score", "start", "step"]
    assert {str(r["__model_name__"]) for r in records} == {"language_model"}
    assert len(records[0]["prompts"]) == len(export.WARMUP_PROMPTS)
    assert records[1]["seed"].dtype == np.int32  # as in every app
    for record in records:  # every record is a valid request
        inputs = {k: v for k, v in record.items() if not k.startswith("__")}
        served.signatures[str(record["__signature_name__"])](**inputs)


def test_export_off_tensorflow_stops_with_one_line(monkeypatch, tmp_path,
                                                   capsys):
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    with pytest.raises(SystemExit) as exit_info:
        export.main(["--run_dir", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "export needs KERAS_BACKEND=tensorflow" in capsys.readouterr().err
