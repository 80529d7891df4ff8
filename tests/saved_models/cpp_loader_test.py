"""Tests for saved_models/cpp_loader.py: versions loaded by C++ LoadSavedModel.

The program is built once per session into the user cache (about 20 s the
first time on two cores, then cached); the tests skip only when `g++` or the
tensorflow headers are absent.
"""

import json
import subprocess

import keras
import numpy as np
import pytest

from saved_models import cpp_loader
from saved_models.export import export_versioned
from tests.saved_models.check_test import _archive

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="exports need KERAS_BACKEND=tensorflow",
)

TEXTS = ["ab", "héllo wörld", ""]


@pytest.fixture(scope="session")
def binary():
    """The built program; skips only when no compiler or headers exist."""
    missing = cpp_loader.missing_build_tools()
    if missing:
        pytest.skip(f"C++ loader cannot be built here: {missing}")
    return cpp_loader.build_binary()  # a compile error fails the tests


def _string_archive():
    """`serving_default(text)`: string `[batch]` in, strings and floats out."""
    import tensorflow as tf

    archive = keras.export.ExportArchive()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    archive.track(model)

    def serve(text):
        lengths = tf.strings.length(text, unit="UTF8_CHAR")  # (batch,)
        features = tf.stack([tf.cast(lengths, tf.float32),
                             tf.ones_like(lengths, tf.float32)], axis=1)
        return {"upper": tf.strings.upper(text), "lengths": lengths,
                "scores": model(features)}  # (batch, 3)

    archive.add_endpoint(
        "serving_default", serve,
        input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    return archive


@pytest.fixture(scope="module")
def string_version(tmp_path_factory):
    return export_versioned(
        _string_archive(), tmp_path_factory.mktemp("cpp") / "text",
        warmup_requests=[{"text": TEXTS}])


@pytest.fixture(scope="module")
def float_version(tmp_path_factory):
    return export_versioned(
        _archive(lambda model, x: model(x)),
        tmp_path_factory.mktemp("cpp") / "toy",
        warmup_requests=[{"x": np.ones((2, 2), "float32")}])


def _python_outputs(version, signature, **inputs):
    import tensorflow as tf

    outputs = tf.saved_model.load(str(version)).signatures[signature](
        **{k: tf.constant(v) for k, v in inputs.items()})
    return {k: t.numpy() for k, t in outputs.items()}


def _run(binary, *args, stdin=""):
    return subprocess.run(
        [str(binary), *map(str, args)], input=stdin, capture_output=True,
        text=True, check=False, timeout=300,
        env={"TF_CPP_MIN_LOG_LEVEL": "3"})


def test_string_signature_answers_as_python(binary, string_version):
    got = cpp_loader.run_signature(
        string_version, "serving_default", {"text": TEXTS})
    want = _python_outputs(
        string_version, "serving_default", text=[t.encode() for t in TEXTS])
    assert sorted(got) == ["lengths", "scores", "upper"]
    # tf.strings.upper changes ASCII letters only.
    assert list(got["upper"]) == [b"AB", "HéLLO WöRLD".encode(), b""]
    np.testing.assert_array_equal(got["upper"], want["upper"])
    np.testing.assert_array_equal(got["lengths"], want["lengths"])
    assert got["scores"].dtype == np.float32
    np.testing.assert_array_equal(got["scores"], want["scores"])


def test_json_requests_answer_each_batch_size(binary, float_version):
    batches = [np.arange(6, dtype="float32").reshape(3, 2),
               np.full((1, 2), -0.5, "float32")]
    result = cpp_loader.run_requests(float_version, [
        {"signature": "serving_default",
         "inputs": cpp_loader.encode_inputs({"x": x})} for x in batches])
    assert result["load_ms"] > 0
    for x, answer in zip(batches, result["answers"]):
        got = cpp_loader.decode_tensor(answer["outputs"]["y"])
        want = _python_outputs(float_version, "serving_default", x=x)["y"]
        assert got.shape == (len(x), 3)
        np.testing.assert_array_equal(got, want)


def test_name_value_arguments_are_a_string_batch(binary, string_version):
    result = _run(binary, string_version, "text=ab", "text=c d")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)["answers"]
    upper = cpp_loader.decode_tensor(answer["outputs"]["upper"])
    assert list(upper) == [b"AB", b"C D"]


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_a_broken_version_is_a_clear_error(binary, float_version, tmp_path,
                                           damage):
    version = tmp_path / "toy" / "1"
    if damage == "corrupt":
        version.mkdir(parents=True)
        data = (float_version / "saved_model.pb").read_bytes()
        (version / "saved_model.pb").write_bytes(data[: len(data) // 2])
    result = _run(binary, version, "x=1")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(
        f"saved_model_run: error: cannot load the SavedModel at {version}:")
    with pytest.raises(RuntimeError, match="cannot load the SavedModel"):
        cpp_loader.run_requests(version, [])


def test_bad_requests_name_what_is_wrong(binary, string_version):
    result = _run(binary, "--signature", "nope", string_version, "text=a")
    assert result.returncode == 1
    assert "no signature \"nope\"; the model has: serving_default" in (
        result.stderr)
    result = _run(binary, string_version, "other=a")
    assert "signature serving_default has no input \"other\"" in result.stderr
    result = _run(binary, string_version, stdin="{not json")
    assert "bad JSON request on stdin" in result.stderr
    assert _run(binary).returncode == 2


def test_text_ops_need_their_libraries(binary, tmp_path):
    tf_text = pytest.importorskip("tensorflow_text")
    import tensorflow as tf

    archive = keras.export.ExportArchive()
    archive.track(keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)]))
    archive.add_endpoint(
        "serving_default",
        lambda text: {"words": tf_text.WhitespaceTokenizer().tokenize(
            text).merge_dims(0, -1)},
        input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    version = export_versioned(archive, tmp_path / "words")
    with pytest.raises(RuntimeError, match="Op type not registered"):
        cpp_loader.run_signature(version, "serving_default", {"text": ["a b"]})
    got = cpp_loader.run_signature(
        version, "serving_default", {"text": ["a b", "c"]},
        op_libraries=cpp_loader.text_op_libraries())
    assert list(got["words"]) == [b"a", b"b", b"c"]


def test_build_is_cached_and_leaves_no_temporary(binary):
    assert cpp_loader.build_binary() == binary
    assert binary.parent == cpp_loader.cache_dir()
    assert not list(binary.parent.glob(f".{binary.name}-*"))


def test_differences_compare_strings_exactly_and_floats_to_tolerance():
    floats = {"dtype": "float32", "shape": [2], "values": [1.0, 2.0]}
    near = dict(floats, values=[1.0 + 5e-6, 2.0])
    far = dict(floats, values=[1.0, 2.1])
    text = {"dtype": "string", "shape": [1], "b64": ["YQ=="]}
    assert cpp_loader.answer_differences({"y": floats}, {"y": near}) == []
    assert cpp_loader.answer_differences({"y": floats}, {"y": far}) == [
        "y: 1 of 2 values differ (largest difference 0.1)"]
    assert cpp_loader.answer_differences(
        {"t": text}, {"t": dict(text, b64=["Yg=="])}) == ["t: strings differ"]
    assert cpp_loader.answer_differences({"t": text}, {}) == [
        "outputs [] in C++, ['t'] in Python"]
