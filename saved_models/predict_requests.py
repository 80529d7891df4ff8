"""TF Serving `PredictRequest`s from Python values: what the gRPC client
sends and what the warm-up records hold.

Example:

```python
request = predict_request("addition", "serving_default",
                          {"problems": ["123+456"]})
```
"""

from collections.abc import Mapping


def predict_request(
    model_name: str,
    signature: str,
    inputs: Mapping[str, object],
    version: int | None = None,
):
    """Builds a `PredictRequest` from numpy arrays, numbers and strings.

    Args:
        model_name: str, the model's name in `models.config`.
        signature: str, the signature to call, e.g. `"serving_default"`.
        inputs: dict from signature input name to its value: a list of
            str/bytes (str is sent as UTF-8), a numpy array (its dtype is
            sent, so match the signature's, e.g. `int32`), or a ready
            `TensorProto`.
        version: int or `None` for the newest version the server has.
            Defaults to `None`.

    Returns:
        A `tensorflow.serving.PredictRequest`.

    Raises:
        ValueError: if `inputs` is empty.

    Example:

    >>> request = predict_request("addition", "serving_default",
    ...                           {"problems": ["123+456"]})
    >>> list(request.inputs["problems"].string_val)
    [b'123+456']
    """
    import tensorflow as tf
    from tensorflow_serving.apis import predict_pb2

    if not inputs:
        raise ValueError(
            "Received `inputs={}`; expected at least one signature input, "
            "e.g. {'problems': ['123+456']}."
        )
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model_name
    request.model_spec.signature_name = signature
    if version is not None:
        request.model_spec.version.value = version
    for name, value in inputs.items():
        if not hasattr(value, "SerializeToString"):
            value = tf.make_tensor_proto(_utf8(value))
        request.inputs[name].CopyFrom(value)
    return request


def _utf8(value):
    """Encodes str items as UTF-8 so str and bytes can be mixed."""
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (list, tuple)):
        return [_utf8(v) for v in value]
    return value
