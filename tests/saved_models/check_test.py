"""Tests for saved_models/check.py: versions checked as TF Serving sees them."""

import keras
import numpy as np
import pytest

from saved_models import check
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
    assert check.main([str(tmp_path)]) == 0
    assert "1 of 1 versions servable." in capsys.readouterr().out


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
