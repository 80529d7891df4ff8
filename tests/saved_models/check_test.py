"""Tests for saved_models/check.py: versions checked as TF Serving sees them."""

import keras
import numpy as np
import pytest

from saved_models import check, cpp_loader
from saved_models.export import export_versioned

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="exports need KERAS_BACKEND=tensorflow",
)


def _archive(fn):
    import tensorflow as tf

    archive = keras.export.ExportArchive()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    archive.track(model)
    archive.add_endpoint(
        "serving_default", lambda x: {"y": fn(model, x)},
        input_signature=[tf.TensorSpec([None, 2], tf.float32, name="x")])
    return archive


def test_a_good_version_is_servable(tmp_path, capsys):
    path = export_versioned(
        _archive(lambda model, x: model(x)), tmp_path / "toy",
        warmup_requests=[{"x": np.ones((2, 2), "float32")}])
    assert check.find_versions(tmp_path) == [path]
    report = check.check_version(path)
    assert report.problems == []
    assert report.signatures["serving_default"] == {
        "inputs": {"x": ["float32", [None, 2]]},
        "outputs": {"y": ["float32", [None, 3]]},
    }
    assert report.warmup_records == 1
    expected = "not built (" if cpp_loader.missing_build_tools() else "ok ("
    assert report.cpp_result.startswith(expected), report.cpp_result
    assert check.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"  C++ loader: {report.cpp_result.split(' (')[0]}" in out
    assert "1 of 1 versions servable." in out


def test_without_a_compiler_the_cpp_load_is_skipped(tmp_path, monkeypatch):
    monkeypatch.setenv("CXX", "no-such-compiler")
    monkeypatch.setenv("RNN_SUITE_CACHE_DIR", str(tmp_path / "cache"))
    path = export_versioned(
        _archive(lambda model, x: model(x)), tmp_path / "toy",
        warmup_requests=[{"x": np.ones((1, 2), "float32")}])
    report = check.check_version(path)
    assert report.problems == []
    assert report.cpp_result == (
        "not built (no C++ compiler: `no-such-compiler` is not on PATH)")
    assert "  C++ loader: not built (no C++ compiler" in check.format_report(
        report)


@pytest.mark.skipif(bool(cpp_loader.missing_build_tools()),
                    reason="the C++ loader cannot be built here")
def test_a_cpp_answer_unlike_python_is_a_problem(tmp_path, monkeypatch):
    path = export_versioned(
        _archive(lambda model, x: model(x)), tmp_path / "toy",
        warmup_requests=[{"x": np.ones((1, 2), "float32")}])
    run_requests = cpp_loader.run_requests

    def perturbed(*args, **kwargs):
        result = run_requests(*args, **kwargs)
        y = result["answers"][0]["outputs"]["y"]
        y["values"] = [v + 1e-3 for v in y["values"]]
        return result

    monkeypatch.setattr(cpp_loader, "run_requests", perturbed)
    report = check.check_version(path)
    assert report.cpp_result == "failed"
    assert report.problems == [
        "C++ answer to warm-up record 1 (serving_default) differs from "
        "Python: y: 3 of 3 values differ (largest difference 0.001)"]


def test_python_callbacks_and_missing_files_are_reported(tmp_path):
    import tensorflow as tf

    def with_callback(model, x):
        doubled = tf.py_function(lambda t: t * 2, [x], tf.float32)
        return model(tf.ensure_shape(doubled, [None, 2]))

    path = export_versioned(
        _archive(with_callback), tmp_path / "toy",
        warmup_requests=[{"x": np.ones((1, 2), "float32")}])
    (path / "variables" / "variables.index").unlink()
    assert check.missing_files(path) == ["variables/variables.index"]
    problems = check.check_version(path).problems
    assert problems[0] == "incomplete: missing variables/variables.index"
    assert any(p.startswith("op EagerPyFunc: a Python callback")
               for p in problems)


def test_no_version_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="holds no exported version"):
        check.find_versions(tmp_path)
