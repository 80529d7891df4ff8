"""A gRPC client for TF Serving's `PredictionService`, and its command line.

TF Serving answers gRPC on port 8500 (REST on 8501, see
`saved_models.serving`). A `Predict` call carries a `PredictRequest`: the
model's name in `models.config`, optionally a version, the signature, and
one `tensorflow.TensorProto` per signature input. Our `serving_default`
signatures take a `[batch]` vector of strings, so one request holds one or
more texts (or encoded images). Built on the `tensorflow-serving-api`
package (`pip install -e .[tf]`).

```
docker run -p 8500:8500 -v "$PWD/saved_models:/models" tensorflow/serving \\
    --model_config_file=/models/models.config
python -m saved_models.grpc_client --target localhost:8500 \\
    --model chatbot --input message="Hello"
python -m saved_models.grpc_client --target localhost:8500 \\
    --model addition --signature digits --input 'digits:int32=[[[1, 2]]]'
```

It prints the outputs as one JSON object (strings decoded as UTF-8). An
unreachable server, an unknown model and a bad input name each end in one
line on stderr and exit code 2.

From Python:

```python
from saved_models import grpc_client

request = grpc_client.predict_request(
    "addition", "serving_default", {"problems": ["123+456"]})
outputs = grpc_client.predict("localhost:8500", request, timeout=10.0)
outputs["sum"]  # array([b'579'], dtype=object)
```
"""

import argparse
import json
import sys
from collections.abc import Mapping

import grpc
import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2

from saved_models.predict_requests import predict_request
from tensorflow_serving.apis import prediction_service_pb2_grpc

DEFAULT_TARGET = "localhost:8500"
DEFAULT_TIMEOUT = 30.0
USAGE_ERROR_CODE = 2


def response_outputs(
    response: predict_pb2.PredictResponse,
) -> dict[str, np.ndarray]:
    """The outputs of a `PredictResponse` as numpy arrays.

    Args:
        response: the server's `PredictResponse`.

    Returns:
        dict from output name to array (strings as `bytes` objects).
    """
    outputs = response.outputs
    return {name: tf.make_ndarray(proto) for name, proto in outputs.items()}


def predict(
    stub_or_channel_target,
    request: predict_pb2.PredictRequest,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict[str, np.ndarray]:
    """Sends one `Predict` call and returns its outputs.

    Args:
        stub_or_channel_target: a `PredictionServiceStub`, or a str such as
            `"localhost:8500"` to open an insecure channel to (closed after
            the call).
        request: from `predict_request`.
        timeout: float, seconds before giving up. Defaults to `30.0`.

    Returns:
        dict from output name to numpy array, as `response_outputs`.

    Raises:
        ConnectionError: if no server answers (gRPC `UNAVAILABLE`).
        TimeoutError: if the call takes longer than `timeout`.
        ValueError: if the server has no such model or version
            (`NOT_FOUND`) or refuses the request (`INVALID_ARGUMENT`: an
            unknown signature, input name or dtype).
        RuntimeError: for any other gRPC error.
    """
    if not isinstance(stub_or_channel_target, str):
        return _call(stub_or_channel_target, request, timeout, "the server")
    target = stub_or_channel_target
    with grpc.insecure_channel(target) as channel:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        return _call(stub, request, timeout, target)


def _call(stub, request, timeout, target) -> dict[str, np.ndarray]:
    try:
        response = stub.Predict(request, timeout=timeout)
    except grpc.RpcError as error:
        raise _explained(error, request, target, timeout) from None
    return response_outputs(response)


def _explained(error, request, target, timeout) -> Exception:
    """The `grpc.RpcError` of a `Predict` call as a one-line error."""
    code = error.code()
    details = " ".join((error.details() or "").split())
    spec = request.model_spec
    model = spec.name + (
        f" version {spec.version.value}" if spec.HasField("version") else ""
    )
    if code == grpc.StatusCode.UNAVAILABLE:
        return ConnectionError(
            f"No TF Serving answers at {target} (gRPC UNAVAILABLE: "
            f"{details}); start one (see `python -m saved_models.serving`) "
            "or pass its --target host:port."
        )
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return TimeoutError(
            f"{target} did not answer within {timeout} s; pass a longer "
            "--timeout."
        )
    if code == grpc.StatusCode.NOT_FOUND:
        return ValueError(
            f"{target} serves no model {model!r} ({details}); check --model "
            "and --version against its models.config."
        )
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return ValueError(
            f"{target} refused the request to {model!r}, signature "
            f"{spec.signature_name!r}: {details}"
        )
    return RuntimeError(f"{target} answered gRPC {code.name}: {details}")


def parse_input(flag: str) -> tuple[str, object]:
    """Parses one `--input` flag: `NAME=TEXT` or `NAME:DTYPE=JSON`.

    Args:
        flag: str, e.g. `"message=Hello"` (one string example) or
            `"digits:int32=[[[1, 2]]]"` (a JSON array of that dtype).

    Returns:
        `(name, value)`: value a str, or a numpy array.

    Raises:
        ValueError: if the flag has no `=`, or the dtype or JSON is bad.

    Example:

    >>> parse_input("message=Hello")
    ('message', 'Hello')
    """
    name, separator, text = flag.partition("=")
    if not separator or not name:
        raise ValueError(
            f"Received `--input {flag}`; expected NAME=TEXT, e.g. "
            "message=Hello, or NAME:DTYPE=JSON, e.g. digits:int32=[[[1,2]]]."
        )
    name, _, dtype = name.partition(":")
    if not dtype:
        return name, text
    try:
        return name, np.array(json.loads(text), dtype=np.dtype(dtype))
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"Received `--input {flag}`: {error}; expected a numpy dtype "
            "and a JSON number or nested list."
        ) from None


def collect_inputs(flags: list[str]) -> dict[str, object]:
    """Input values from `--input` flags; repeated text names form a batch.

    Example:

    >>> collect_inputs(["message=Hi", "message=Bye"])
    {'message': ['Hi', 'Bye']}
    """
    inputs: dict[str, object] = {}
    for flag in flags:
        name, value = parse_input(flag)
        if isinstance(value, np.ndarray):
            inputs[name] = value
        else:
            inputs.setdefault(name, []).append(value)
    return inputs


def outputs_json(outputs: Mapping[str, np.ndarray]) -> str:
    """Outputs as one JSON object, names sorted, bytes decoded as UTF-8."""

    def plain(value):
        if isinstance(value, bytes):
            return value.decode("utf-8", errors="replace")
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    return json.dumps(
        {name: plain(array.tolist()) for name, array in outputs.items()},
        ensure_ascii=False, sort_keys=True,
    )


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m saved_models.grpc_client`."""
    parser = argparse.ArgumentParser(
        prog="python -m saved_models.grpc_client",
        description="Send one Predict call to TF Serving over gRPC and "
        "print the outputs as JSON.",
    )
    parser.add_argument(
        "--target", default=DEFAULT_TARGET,
        help=f"the server's gRPC host:port (default: {DEFAULT_TARGET!r})",
    )
    parser.add_argument(
        "--model", required=True,
        help="model name in models.config, e.g. chatbot",
    )
    parser.add_argument(
        "--signature", default="serving_default",
        help="signature to call (default: 'serving_default')",
    )
    parser.add_argument(
        "--input", action="append", required=True, metavar="NAME=VALUE",
        help="one input: NAME=TEXT adds one string example (repeat for a "
        "batch), NAME:DTYPE=JSON sends a whole array, e.g. "
        "digits:int32=[[[1,2]]]",
    )
    parser.add_argument(
        "--version", type=int, default=None,
        help="model version (default: the newest the server has)",
    )
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT,
        help=f"seconds to wait for the answer (default: {DEFAULT_TIMEOUT})",
    )
    return parser


def main(argv=None) -> None:
    """Parses the command line, sends the request and prints the outputs."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        request = predict_request(
            args.model, args.signature, collect_inputs(args.input),
            args.version,
        )
        outputs = predict(args.target, request, args.timeout)
    except (ValueError, OSError, RuntimeError) as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        raise SystemExit(USAGE_ERROR_CODE) from None
    print(outputs_json(outputs))


if __name__ == "__main__":
    main()
