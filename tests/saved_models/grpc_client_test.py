"""Tests for saved_models/grpc_client.py: requests, answers and errors.

The requests are built for the tiny addition export (a `[batch]` string
`serving_default` and an int32 `digits` signature) and answered without TF
Serving: in process, by loading the version with `tf.saved_model.load`,
and through a local gRPC server that answers the same way.
"""

import concurrent.futures
import json
import socket

import keras
import numpy as np
import pytest

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="SavedModel export needs KERAS_BACKEND=tensorflow",
)
grpc = pytest.importorskip("grpc")
pytest.importorskip("tensorflow_serving.apis.predict_pb2")

from saved_models import grpc_client  # noqa: E402
from tensorflow_serving.apis import predict_pb2  # noqa: E402
from tensorflow_serving.apis import prediction_service_pb2_grpc  # noqa: E402

PROBLEMS = ["123+456", "1+x", "", "héllo"]
DIGITS = np.array([[[1, 2], [3, 0]], [[9, 9], [0, 1]]], np.int32)


def _requests():
    return {
        "serving_default": grpc_client.predict_request(
            "addition", "serving_default", {"problems": PROBLEMS}, version=1
        ),
        "digits": grpc_client.predict_request(
            "addition", "digits", {"digits": DIGITS}
        ),
    }


def _answer(loaded, request) -> predict_pb2.PredictResponse:
    """Answers a request the way TF Serving's Predict does, in process."""
    import tensorflow as tf

    signature = loaded.signatures[request.model_spec.signature_name]
    inputs = {
        name: tf.constant(tf.make_ndarray(proto))
        for name, proto in request.inputs.items()
    }
    response = predict_pb2.PredictResponse()
    response.model_spec.CopyFrom(request.model_spec)
    for name, tensor in signature(**inputs).items():
        response.outputs[name].CopyFrom(tf.make_tensor_proto(tensor.numpy()))
    return response


def _direct(loaded, signature, **inputs):
    import tensorflow as tf

    fn = loaded.signatures[signature]
    return {k: v.numpy() for k, v in fn(**{
        name: tf.constant(value) for name, value in inputs.items()}).items()}


@pytest.fixture(scope="module")
def loaded(tiny_addition_export):
    import tensorflow as tf

    _, path = tiny_addition_export
    return tf.saved_model.load(str(path))


def test_requests_match_the_saved_model_signatures(loaded):
    import tensorflow as tf

    for signature_name, request in _requests().items():
        spec = request.model_spec
        assert (spec.name, spec.signature_name) == ("addition", signature_name)
        signature = loaded.signatures[signature_name]
        expected = signature.structured_input_signature[1]
        assert set(request.inputs) == set(expected)
        for name, proto in request.inputs.items():
            assert tf.as_dtype(proto.dtype) == expected[name].dtype
            shape = tf.TensorShape([d.size for d in proto.tensor_shape.dim])
            assert expected[name].shape.is_compatible_with(shape)
    request = _requests()["serving_default"]
    assert request.model_spec.version.value == 1
    assert not _requests()["digits"].model_spec.HasField("version")
    assert list(request.inputs["problems"].string_val) == [
        p.encode("utf-8") for p in PROBLEMS]


def test_in_process_answers_parse_to_the_signature_outputs(loaded):
    for signature_name, request in _requests().items():
        # What travels over the wire is the serialized message.
        received = predict_pb2.PredictRequest.FromString(
            request.SerializeToString())
        response = predict_pb2.PredictResponse.FromString(
            _answer(loaded, received).SerializeToString())
        outputs = grpc_client.response_outputs(response)
        if signature_name == "digits":
            direct = _direct(loaded, "digits", digits=DIGITS)
        else:
            direct = _direct(loaded, "serving_default", problems=PROBLEMS)
        assert set(outputs) == set(direct)
        for name, value in direct.items():
            assert outputs[name].dtype == value.dtype
            np.testing.assert_array_equal(outputs[name], value)
    assert outputs["probabilities"].shape == (2, 2, 10)


class _Servicer(prediction_service_pb2_grpc.PredictionServiceServicer):
    """Answers `Predict` from a loaded SavedModel, with TF Serving's codes."""

    def __init__(self, loaded):
        self.loaded = loaded

    def Predict(self, request, context):
        spec = request.model_spec
        if spec.name != "addition":
            context.abort(grpc.StatusCode.NOT_FOUND,
                          f"Servable not found for request: Latest({spec.name})")
        signature = self.loaded.signatures[spec.signature_name]
        expected = set(signature.structured_input_signature[1])
        unknown = set(request.inputs) - expected
        if unknown:
            context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"input tensor alias not found in signature: {min(unknown)}. "
                f"Inputs expected to be in the set {{{','.join(expected)}}}.")
        return _answer(self.loaded, request)


@pytest.fixture(scope="module")
def server_target(loaded):
    server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=2))
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
        _Servicer(loaded), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(grace=None)


def test_predict_over_grpc_and_its_errors(loaded, server_target):
    request = _requests()["serving_default"]
    outputs = grpc_client.predict(server_target, request, timeout=30)
    direct = _direct(loaded, "serving_default", problems=PROBLEMS)
    np.testing.assert_array_equal(outputs["sum"], direct["sum"])
    np.testing.assert_array_equal(outputs["error"], direct["error"])

    with grpc.insecure_channel(server_target) as channel:  # a ready stub
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        digits = grpc_client.predict(stub, _requests()["digits"], timeout=30)
    np.testing.assert_allclose(
        digits["probabilities"],
        _direct(loaded, "digits", digits=DIGITS)["probabilities"])

    unknown_model = grpc_client.predict_request(
        "chatbot", "serving_default", {"message": ["Hello"]})
    with pytest.raises(ValueError, match="serves no model 'chatbot'"):
        grpc_client.predict(server_target, unknown_model, timeout=30)
    bad_input = grpc_client.predict_request(
        "addition", "serving_default", {"message": ["Hello"]})
    with pytest.raises(ValueError, match="alias not found in signature: "
                       "message. Inputs expected to be in the set {problems}"):
        grpc_client.predict(server_target, bad_input, timeout=30)
    with pytest.raises(ValueError, match="at least one signature input"):
        grpc_client.predict_request("addition", "serving_default", {})


def test_cli_prints_outputs_and_one_line_errors(server_target, capsys):
    grpc_client.main(["--target", server_target, "--model", "addition",
                      "--input", "problems=1+2", "--input", "problems=x"])
    out = capsys.readouterr().out
    assert out.startswith('{"error": ["", "expected')
    answer = json.loads(out)
    assert len(answer["sum"]) == 2 and answer["sum"][1] == ""

    grpc_client.main(["--target", server_target, "--model", "addition",
                      "--signature", "digits",
                      "--input", "digits:int32=[[[1, 2]]]"])
    assert '"probabilities": [[[' in capsys.readouterr().out

    for flags, message in [
        (["--model", "chatbot", "--input", "message=Hello"],
         "serves no model 'chatbot'"),
        (["--model", "addition", "--input", "message=Hello"],
         "alias not found in signature: message"),
        (["--model", "addition", "--input", "problems"], "expected NAME=TEXT"),
        (["--model", "addition", "--input", "digits:int32=[1,"],
         "expected a numpy dtype"),
    ]:
        with pytest.raises(SystemExit) as exit_info:
            grpc_client.main(["--target", server_target, *flags])
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("python -m saved_models.grpc_client: error: ")
        assert message in err and err.count("\n") == 1


def test_cli_without_a_server_says_unavailable(capsys):
    with socket.socket() as probe:  # a free port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SystemExit) as exit_info:
        grpc_client.main(["--target", f"127.0.0.1:{port}", "--model",
                          "chatbot", "--input", "message=Hello",
                          "--timeout", "5"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"No TF Serving answers at 127.0.0.1:{port} (gRPC UNAVAILABLE" in err


def test_collect_inputs():
    inputs = grpc_client.collect_inputs(
        ["message=Hi", "message=a=b", "digits:int32=[[1, 2]]"])
    assert inputs["message"] == ["Hi", "a=b"]
    assert inputs["digits"].dtype == np.int32
    np.testing.assert_array_equal(inputs["digits"], [[1, 2]])
    with pytest.raises(ValueError, match="expected a numpy dtype"):
        grpc_client.parse_input("x:nodtype=[1]")
