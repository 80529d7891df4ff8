"""Tests for saved_models/serving.py: models.config and REST helpers."""

import base64
import http.server
import json
import os
import threading

import pytest

from saved_models import serving


def _fake_export(base_dir, name, version):
    folder = base_dir / name / str(version)
    folder.mkdir(parents=True)
    (folder / "saved_model.pb").write_bytes(b"")


def test_models_config_lists_only_servable_models(tmp_path):
    _fake_export(tmp_path, "addition", 1)
    _fake_export(tmp_path, "addition", 2)
    _fake_export(tmp_path, "chatbot", 3)
    (tmp_path / "empty").mkdir()
    (tmp_path / "half" / ".tmp-export-1").mkdir(parents=True)
    (tmp_path / "export.py").write_text("")
    assert serving.exported_models(tmp_path) == ["addition", "chatbot"]

    path = serving.write_models_config(tmp_path, base_path_prefix="/models/")
    assert path == tmp_path / serving.MODELS_CONFIG
    text = path.read_text()
    assert text == (
        "model_config_list {\n"
        "  config {\n"
        '    name: "addition"\n'
        '    base_path: "/models/addition"\n'
        '    model_platform: "tensorflow"\n'
        "  }\n"
        "  config {\n"
        '    name: "chatbot"\n'
        '    base_path: "/models/chatbot"\n'
        '    model_platform: "tensorflow"\n'
        "  }\n"
        "}\n"
    )
    assert not list(tmp_path.glob(".*.tmp"))


def test_models_config_parses_as_model_server_config(tmp_path):
    config_pb2 = pytest.importorskip(
        "tensorflow_serving.config.model_server_config_pb2"
    )
    from google.protobuf import text_format

    _fake_export(tmp_path, "addition", 1)
    _fake_export(tmp_path, "chatbot", 2)
    path = serving.write_models_config(tmp_path)  # absolute paths by default
    config = text_format.Parse(
        path.read_text(), config_pb2.ModelServerConfig()
    )
    assert config.WhichOneof("config") == "model_config_list"
    first, second = config.model_config_list.config
    assert first.name == "addition"
    assert first.base_path == str((tmp_path / "addition").resolve())
    assert first.model_platform == "tensorflow"
    assert second.name == "chatbot"
    # No version policy set: TF Serving serves the newest version.
    assert not first.HasField("model_version_policy")


def test_batching_parameters_parse_as_tf_serving_text_format(tmp_path):
    from google.protobuf import text_format

    from tests.saved_models.serving_protos import batching_parameters_class

    path = serving.write_batching_parameters(tmp_path)
    assert path == tmp_path / serving.BATCHING_PARAMETERS
    assert not list(tmp_path.glob(".*.tmp"))
    parsed = text_format.Parse(path.read_text(), batching_parameters_class()())
    default = serving.BatchingConfig()
    assert parsed.max_batch_size.value == default.max_batch_size == 32
    assert parsed.batch_timeout_micros.value == 1000
    assert parsed.max_enqueued_batches.value == 16
    assert parsed.num_batch_threads.value == os.cpu_count()
    assert parsed.HasField("num_batch_threads")
    assert parsed.pad_variable_length_inputs is False

    custom = serving.BatchingConfig(
        max_batch_size=8, batch_timeout_micros=0, num_batch_threads=2,
        pad_variable_length_inputs=True,
    )
    parsed = text_format.Parse(custom.text(), batching_parameters_class()())
    assert (parsed.max_batch_size.value, parsed.num_batch_threads.value) == (
        8, 2)
    # A zero timeout is written, not left out (a set wrapper holding 0).
    assert parsed.HasField("batch_timeout_micros")
    assert parsed.pad_variable_length_inputs is True


def test_batching_config_rejects_bad_values():
    for field, bad in [("max_batch_size", 0), ("num_batch_threads", 1.5),
                       ("max_enqueued_batches", True),
                       ("batch_timeout_micros", -1)]:
        with pytest.raises(ValueError, match=f"`{field}="):
            serving.BatchingConfig(**{field: bad})


def test_models_config_without_models_raises(tmp_path):
    with pytest.raises(ValueError, match="no exported model"):
        serving.write_models_config(tmp_path)


def test_predict_request_body():
    assert json.loads(serving.predict_request_body(["123+456", "1+2"])) == {
        "instances": ["123+456", "1+2"]
    }
    body = json.loads(
        serving.predict_request_body([b"\xff\xd8", {"a": b"ok"}], "score")
    )
    assert body["signature_name"] == "score"
    assert base64.b64decode(body["instances"][0]["b64"]) == b"\xff\xd8"
    assert body["instances"][1] == {"a": {"b64": "b2s="}}
    relaxed = json.loads(
        serving.predict_request_body([b"ok", b"\xff"], binary_as_b64=False)
    )
    assert relaxed["instances"] == ["ok", {"b64": "/w=="}]
    with pytest.raises(TypeError, match="list of examples"):
        serving.predict_request_body("123+456")


def test_predict_url():
    assert (
        serving.predict_url("addition")
        == "http://localhost:8501/v1/models/addition:predict"
    )
    assert serving.predict_url("a", "h", 9, 3) == (
        "http://h:9/v1/models/a/versions/3:predict"
    )


def test_post_predict_against_local_server():
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            answer = json.dumps({"predictions": [{"sum": "579"}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = serving.predict_url("addition", "127.0.0.1", server.server_port)
        answer = serving.post_predict(
            url, serving.predict_request_body(["123+456"]), timeout=10
        )
    finally:
        server.shutdown()
        server.server_close()
    assert answer == {"predictions": [{"sum": "579"}]}
    assert received == [{"instances": ["123+456"]}]


def test_main_writes_config(tmp_path, capsys):
    _fake_export(tmp_path, "addition", 1)
    serving.main(["--base_dir", str(tmp_path), "--base_path_prefix", "/m"])
    assert '"/m/addition"' in (tmp_path / "models.config").read_text()
    assert "max_batch_size { value: 32 }" in (
        tmp_path / serving.BATCHING_PARAMETERS).read_text()
    assert "v1/models/addition:predict" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        serving.main(["--help"])
