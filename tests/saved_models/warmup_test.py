"""Tests for saved_models/warmup.py: PredictionLog records."""

import numpy as np
import pytest

from saved_models import warmup


def test_warmup_record_bytes_and_limits(tmp_path):
    prediction_log_pb2 = pytest.importorskip(
        "tensorflow_serving.apis.prediction_log_pb2"
    )
    record = warmup.predict_log_record("m", {"s": [b"\xff", "ok"]}, "sig")
    log = prediction_log_pb2.PredictionLog.FromString(record)
    assert log.WhichOneof("log_type") == "predict_log"
    request = log.predict_log.request
    assert request.model_spec.name == "m"
    assert request.model_spec.signature_name == "sig"
    assert not request.model_spec.HasField("version")
    assert list(request.inputs) == ["s"]
    assert list(request.inputs["s"].string_val) == [b"\xff", b"ok"]
    # Deterministic: equal requests give equal bytes.
    assert warmup.predict_log_record("m", {"s": [b"\xff", "ok"]}, "sig") == (
        record)
    with pytest.raises(ValueError, match="inputs"):
        warmup.predict_log_record("m", {})
    with pytest.raises(ValueError, match="warm-up requests"):
        warmup.write_warmup_requests(tmp_path / "w", "m", [])


def test_write_and_read_round_trip(tmp_path):
    pytest.importorskip("tensorflow")
    requests = [{"problems": ["1+2", ""]}, {"x": np.arange(3, dtype="int32")}]
    path = warmup.write_warmup_requests(tmp_path / warmup.WARMUP_FILE, "m", requests)
    first, second = warmup.read_warmup_inputs(path)
    assert [p.decode() for p in first["problems"]] == ["1+2", ""]
    np.testing.assert_array_equal(second["x"], [0, 1, 2])
    assert str(second["__signature_name__"]) == "serving_default"


def test_malformed_record_is_reported(tmp_path):
    tf = pytest.importorskip("tensorflow")
    prediction_log_pb2 = pytest.importorskip(
        "tensorflow_serving.apis.prediction_log_pb2"
    )
    for index, record in enumerate((
        b"\x0a\xff",  # truncated
        prediction_log_pb2.PredictionLog(  # not a predict log
            classify_log={}).SerializeToString(),
    )):
        path = tmp_path / f"records_{index}"
        with tf.io.TFRecordWriter(str(path)) as writer:
            writer.write(record)
        with pytest.raises(ValueError, match="Malformed warm-up record 0"):
            warmup.read_warmup_inputs(path)
