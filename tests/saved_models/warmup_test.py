"""Tests for saved_models/warmup.py: PredictionLog records."""

import numpy as np
import pytest

from saved_models import warmup
from tests.saved_models.serving_protos import serving_classes


def test_warmup_record_bytes_and_limits(tmp_path):
    pytest.importorskip("tensorflow")
    record = warmup.predict_log_record("m", {"s": [b"\xff", "ok"]}, "sig")
    prediction_log_cls, _, _ = serving_classes()
    request = prediction_log_cls.FromString(record).predict_log.request
    assert request.model_spec.signature_name == "sig"
    assert list(request.inputs["s"].string_val) == [b"\xff", b"ok"]
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


def test_malformed_record_is_reported():
    with pytest.raises(ValueError, match="Malformed"):
        warmup._parse_fields(b"\x08\x01")  # a varint field, not ours
    with pytest.raises(ValueError, match="truncated"):
        warmup._parse_fields(b"\x0a\xff")
