"""TF Serving warm-up requests: `PredictionLog` TFRecords.

TF Serving (`--enable_model_warmup`, on by default) replays
`<version>/assets.extra/tf_serving_warmup_requests` before it marks a version
ready, so the first real request does not pay for graph initialisation. The
file is a TFRecord of `tensorflow.serving.PredictionLog` protos, built here
with TF Serving's own messages (`tensorflow-serving-api`, in the `tf` extra);
the tensors inside are TensorFlow's `TensorProto` (`tf.make_tensor_proto`).
"""

import os
import pathlib
from typing import Mapping, Sequence

import numpy as np

from saved_models.predict_requests import predict_request

WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")
# TF Serving reads at most this many warm-up records.
MAX_WARMUP_RECORDS = 1000


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
        The serialized `tensorflow.serving.PredictionLog` bytes (inputs in
        name order, so equal requests give equal bytes).

    Raises:
        ValueError: if `inputs` is empty.

    Example:

    >>> record = predict_log_record("addition", {"problems": ["1+2"]})
    """
    from tensorflow_serving.apis import prediction_log_pb2

    log = prediction_log_pb2.PredictionLog()
    log.predict_log.request.CopyFrom(
        predict_request(model_name, signature_name, inputs))
    return log.SerializeToString(deterministic=True)


def write_warmup_requests(
    path: os.PathLike,
    model_name: str,
    requests: Sequence[Mapping[str, object] | tuple[str, Mapping[str, object]]],
    signature_name: str = "serving_default",
) -> pathlib.Path:
    """Writes TF Serving warm-up requests as a TFRecord file.

    Args:
        path: output file, normally
            `<version dir>/assets.extra/tf_serving_warmup_requests`.
        model_name: str, the model's name in `models.config`.
        requests: list of requests, one `PredictRequest` each: an input
            dict (calling `signature_name`) or a `(signature, inputs)`
            pair, so one file can warm up every signature.
        signature_name: str, the signature of the bare input dicts.
            Defaults to `"serving_default"`.

    Returns:
        The path written.

    Raises:
        ValueError: if there are no requests or more than TF Serving reads.

    Example:

    >>> write_warmup_requests(path, "chatbot", [
    ...     {"message": ["Hello"]},
    ...     ("generate", {"message": ["Hi"], "num_beams": 2})])
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
        for request in requests:
            signature, inputs = (request if isinstance(request, tuple)
                                 else (signature_name, request))
            writer.write(predict_log_record(model_name, inputs, signature))
    return path


def read_warmup_inputs(path: os.PathLike) -> list[dict[str, np.ndarray]]:
    """Decodes a warm-up file back to input dicts (for checks and tests).

    Args:
        path: a `tf_serving_warmup_requests` file.

    Returns:
        One dict per record, input name -> numpy array; the keys
        `"__model_name__"` and `"__signature_name__"` hold the model spec.

    Raises:
        ValueError: for a record that is not a `PredictionLog` with a
            `PredictRequest`.
    """
    import tensorflow as tf
    from google.protobuf.message import DecodeError
    from tensorflow_serving.apis import prediction_log_pb2

    results = []
    for index, record in enumerate(
            tf.data.TFRecordDataset(str(path)).as_numpy_iterator()):
        log = prediction_log_pb2.PredictionLog()
        try:
            log.ParseFromString(record)
        except DecodeError as error:
            raise ValueError(
                f"Malformed warm-up record {index} in {path}: {error}; "
                "export the version again.") from None
        if log.WhichOneof("log_type") != "predict_log":
            raise ValueError(
                f"Malformed warm-up record {index} in {path}: expected a "
                f"predict_log, got {log.WhichOneof('log_type')}; export "
                "the version again.")
        request = log.predict_log.request
        inputs = {
            "__model_name__": np.array(request.model_spec.name),
            "__signature_name__": np.array(request.model_spec.signature_name),
        }
        for key, proto in request.inputs.items():
            inputs[key] = tf.make_ndarray(proto)
        results.append(inputs)
    return results
