"""Tests for saved_models/export.py: versions, atomic writes, warm-up files."""

import os

import keras
import numpy as np
import pytest

from saved_models import export, warmup

requires_tf = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="SavedModel export needs KERAS_BACKEND=tensorflow",
)


def _tiny_writer(path):
    """Writes a one-function SavedModel (no Keras) to `path`."""
    import tensorflow as tf

    module = tf.Module()
    module.double = tf.function(
        lambda x: {"y": 2.0 * x},
        input_signature=[tf.TensorSpec([None], tf.float32, name="x")],
    )
    tf.saved_model.save(
        module, path, signatures={"serving_default": module.double}
    )


def test_list_and_next_version_ignore_non_versions(tmp_path):
    for name in ["1", "3", "10", ".tmp-export-x", "0", "01", "latest"]:
        (tmp_path / name).mkdir()
    (tmp_path / "7").write_text("a file, not a version")
    assert export.list_versions(tmp_path) == [1, 3, 10]
    assert export.next_version(tmp_path) == 11
    assert export.next_version(tmp_path / "missing") == 1


def test_off_tensorflow_export_stops_with_message(tmp_path, monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    with pytest.raises(RuntimeError, match="export needs KERAS_BACKEND=tensorflow"):
        export.export_versioned(_tiny_writer, tmp_path / "m")
    assert not (tmp_path / "m").exists()


@requires_tf
def test_versions_increase_and_no_partial_folder_is_visible(tmp_path):
    model_dir = tmp_path / "toy"
    seen_while_writing = []

    def writer(path):
        # While writing, the temp folder sits next to the versions and no
        # integer folder exists yet: a server sees nothing half-written.
        seen_while_writing.append(
            (os.path.dirname(path), export.list_versions(model_dir))
        )
        _tiny_writer(path)

    first = export.export_versioned(writer, model_dir)
    second = export.export_versioned(writer, model_dir)
    assert (first.name, second.name) == ("1", "2")
    assert seen_while_writing == [(str(model_dir), []), (str(model_dir), [1])]
    assert sorted(os.listdir(model_dir)) == ["1", "2"]  # no temp left
    assert (second / "saved_model.pb").is_file()
    assert oct(second.stat().st_mode & 0o777) == oct(0o755)


@requires_tf
def test_explicit_version_and_bad_versions(tmp_path):
    model_dir = tmp_path / "toy"
    assert export.export_versioned(_tiny_writer, model_dir, version=5).name == "5"
    with pytest.raises(ValueError, match="version=5"):
        export.export_versioned(_tiny_writer, model_dir, version=5)
    for bad in (0, -1, "2", True):
        with pytest.raises(ValueError, match="positive integer"):
            export.export_versioned(_tiny_writer, model_dir, version=bad)
    assert export.list_versions(model_dir) == [5]


@requires_tf
def test_failed_write_leaves_nothing(tmp_path):
    model_dir = tmp_path / "toy"

    def broken(path):
        (open(os.path.join(path, "half_written"), "w")).close()
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        export.export_versioned(broken, model_dir)
    with pytest.raises(ValueError, match="saved_model.pb"):
        export.export_versioned(lambda path: None, model_dir)
    with pytest.raises(TypeError, match="ExportArchive"):
        export.export_versioned("not a writer", model_dir)
    assert os.listdir(model_dir) == []


@requires_tf
def test_lost_race_takes_next_version(tmp_path):
    model_dir = tmp_path / "toy"

    def racing_writer(path):
        _tiny_writer(path)
        # Another exporter claims version 1 while we write.
        (model_dir / "1").mkdir()
        (model_dir / "1" / "saved_model.pb").write_bytes(b"other")

    assert export.export_versioned(racing_writer, model_dir).name == "2"
    assert (model_dir / "1" / "saved_model.pb").read_bytes() == b"other"


@requires_tf
def test_warmup_file_parses_as_prediction_log(tmp_path):
    model_dir = tmp_path / "toy"
    requests = [{"x": np.array([1.0, 2.0], np.float32)}, {"x": [3.0]}]
    path = export.export_versioned(
        _tiny_writer, model_dir, warmup_requests=requests
    )
    warmup_file = path / warmup.WARMUP_FILE
    assert warmup_file.is_file()

    import tensorflow as tf

    prediction_log_pb2 = pytest.importorskip(
        "tensorflow_serving.apis.prediction_log_pb2"
    )
    records = list(tf.data.TFRecordDataset(str(warmup_file)).as_numpy_iterator())
    assert len(records) == 2
    log = prediction_log_pb2.PredictionLog.FromString(records[0])
    request = log.predict_log.request
    assert request.model_spec.name == "toy"
    assert request.model_spec.signature_name == "serving_default"
    np.testing.assert_array_equal(
        tf.make_ndarray(request.inputs["x"]), [1.0, 2.0]
    )
    # Our own reader agrees with the protobuf runtime.
    decoded = warmup.read_warmup_inputs(warmup_file)
    np.testing.assert_array_equal(decoded[1]["x"], [3.0])
    assert str(decoded[1]["__model_name__"]) == "toy"

    # And the warm-up inputs actually run through the exported signature.
    served = tf.saved_model.load(str(path)).signatures["serving_default"]
    np.testing.assert_allclose(
        served(x=tf.constant(decoded[0]["x"]))["y"].numpy(), [2.0, 4.0]
    )


@requires_tf
def test_export_model_round_trip_in_process(tmp_path):
    import tensorflow as tf

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    reference = model.predict(x, verbose=0)
    path = export.export_model(
        model,
        tmp_path / "dense",
        [tf.TensorSpec([None, 3], tf.float32, name="x")],
        warmup_requests=[{"x": x[:1]}],
    )
    served = tf.saved_model.load(str(path)).signatures["serving_default"]
    (output,) = served(x=tf.constant(x)).values()
    np.testing.assert_allclose(output.numpy(), reference, atol=1e-5)
    (output,) = served(x=tf.constant(x[:1])).values()  # another batch size
    np.testing.assert_allclose(output.numpy(), reference[:1], atol=1e-5)
