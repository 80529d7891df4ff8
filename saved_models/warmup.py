"""TF Serving warm-up requests, encoded without `tensorflow_serving`.

TF Serving (`--enable_model_warmup`, on by default) replays
`<version>/assets.extra/tf_serving_warmup_requests` before it marks a version
ready, so the first real request does not pay for graph initialisation. The
file is a TFRecord of `tensorflow.serving.PredictionLog` protos. The
`tensorflow_serving.apis` Python package is not a dependency, so the records
are encoded here by hand from the published field numbers (tensorflow/serving:
`tensorflow_serving/apis/{prediction_log,predict,model}.proto`); the tensors
inside are TensorFlow's own `TensorProto` (`tf.make_tensor_proto`):

```
message PredictionLog { PredictLog predict_log = 6; ... }
message PredictLog    { PredictRequest request = 1; PredictResponse response = 2; }
message PredictRequest {
  ModelSpec model_spec = 1;
  map<string, TensorProto> inputs = 2;    // map entry: key = 1, value = 2
  repeated string output_filter = 3;
}
message ModelSpec { string name = 1; Int64Value version = 2;
                    string signature_name = 3; }
```

Every field written is length-delimited (protobuf wire type 2): a varint key
`field_number << 3 | 2`, a varint length, then the bytes.
"""

import os
import pathlib
from typing import Mapping, Sequence

import numpy as np

WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")
# TF Serving reads at most this many warm-up records.
MAX_WARMUP_RECORDS = 1000


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field (wire type 2)."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def predict_log_record(
    model_name: str,
    inputs: Mapping[str, object],
    signature_name: str = "serving_default",
) -> bytes:
    """Serializes one `PredictionLog` holding a `PredictRequest`.

    Args:
        model_name: str, the model's name in `models.config`.
        inputs: dict from signature input name to a value (anything
            `tf.make_tensor_proto` takes: a list of str/bytes, a numpy
            array) or a ready `TensorProto`.
        signature_name: str, the signature to warm up.
            Defaults to `"serving_default"`.

    Returns:
        The serialized `tensorflow.serving.PredictionLog` bytes.

    Example:

    >>> record = predict_log_record("addition", {"problems": ["1+2"]})
    >>> record[:1]  # field 6 (predict_log), wire type 2
    b'2'
    """
    import tensorflow as tf

    if not inputs:
        raise ValueError(
            "Received `inputs={}`; expected at least one signature input."
        )
    model_spec = _field(1, model_name.encode()) + _field(
        3, signature_name.encode()
    )
    request = _field(1, model_spec)
    for key in sorted(inputs):
        value = inputs[key]
        if not hasattr(value, "SerializeToString"):
            value = tf.make_tensor_proto(_utf8(value))
        entry = _field(1, key.encode()) + _field(2, value.SerializeToString())
        request += _field(2, entry)
    predict_log = _field(1, request)
    return _field(6, predict_log)


def _utf8(value):
    """Encodes str items as UTF-8 so str and bytes can be mixed in a list."""
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (list, tuple)):
        return [_utf8(v) for v in value]
    return value


def write_warmup_requests(
    path: os.PathLike,
    model_name: str,
    requests: Sequence[Mapping[str, object]],
    signature_name: str = "serving_default",
) -> pathlib.Path:
    """Writes TF Serving warm-up requests as a TFRecord file.

    Args:
        path: output file, normally
            `<version dir>/assets.extra/tf_serving_warmup_requests`.
        model_name: str, the model's name in `models.config`.
        requests: list of input dicts, one `PredictRequest` each.
        signature_name: str. Defaults to `"serving_default"`.

    Returns:
        The path written.

    Raises:
        ValueError: if there are no requests or more than TF Serving reads.
    """
    import tensorflow as tf

    if not 1 <= len(requests) <= MAX_WARMUP_RECORDS:
        raise ValueError(
            f"Received {len(requests)} warm-up requests; expected between 1 "
            f"and {MAX_WARMUP_RECORDS} (TF Serving reads at most that many)."
        )
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tf.io.TFRecordWriter(str(path)) as writer:
        for inputs in requests:
            writer.write(predict_log_record(model_name, inputs, signature_name))
    return path


def read_warmup_inputs(path: os.PathLike) -> list[dict[str, np.ndarray]]:
    """Decodes a warm-up file back to input dicts (for checks and tests).

    Args:
        path: a `tf_serving_warmup_requests` file.

    Returns:
        One dict per record, input name -> numpy array; the keys
        `"__model_name__"` and `"__signature_name__"` hold the model spec.
    """
    import tensorflow as tf

    results = []
    for record in tf.data.TFRecordDataset(str(path)).as_numpy_iterator():
        predict_log = _single(_parse_fields(record), 6, "PredictionLog")
        request = _single(_parse_fields(predict_log), 1, "PredictLog")
        fields = _parse_fields(request)
        spec = _parse_fields(_single(fields, 1, "PredictRequest"))
        inputs = {
            "__model_name__": np.array(_single(spec, 1, "ModelSpec").decode()),
            "__signature_name__": np.array(
                _single(spec, 3, "ModelSpec").decode()
            ),
        }
        for entry in fields.get(2, []):
            entry_fields = _parse_fields(entry)
            proto = tf.make_tensor_proto(0)
            proto.ParseFromString(_single(entry_fields, 2, "map entry"))
            key = _single(entry_fields, 1, "map entry").decode()
            inputs[key] = tf.make_ndarray(proto)
        results.append(inputs)
    return results


def _single(fields: dict, number: int, message: str) -> bytes:
    values = fields.get(number, [])
    if len(values) != 1:
        raise ValueError(
            f"Malformed warm-up record: {message} field {number} occurs "
            f"{len(values)} times; expected once."
        )
    return values[0]


def _parse_fields(buffer: bytes) -> dict[int, list[bytes]]:
    """Splits a protobuf message into its length-delimited fields."""
    fields: dict[int, list[bytes]] = {}
    position = 0
    while position < len(buffer):
        key, position = _read_varint(buffer, position)
        if key & 7 != 2:
            raise ValueError(
                f"Malformed warm-up record: wire type {key & 7} at byte "
                f"{position}; expected only length-delimited fields."
            )
        length, position = _read_varint(buffer, position)
        fields.setdefault(key >> 3, []).append(
            bytes(buffer[position : position + length])
        )
        position += length
    return fields


def _read_varint(buffer: bytes, position: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if position >= len(buffer):
            raise ValueError("Malformed warm-up record: truncated varint.")
        byte = buffer[position]
        position += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, position
