"""`--distribute`: mirrored, multi-worker and JAX data-parallel training.

Each app's contract training runs for three steps on one device and
distributed, in subprocesses (`distributed_run`): mirrored over 2 logical
CPU devices on TensorFlow, multi-worker over 2 local processes with a
`TF_CONFIG` on 127.0.0.1, `keras.distribution.DataParallel` over 2 XLA
host devices on JAX. The running training loss after every step must match
the single-device run's within `RTOL`: the global batch, the data, the
seed and the weights are the same, and only the order of float additions
differs (the gradient all-reduce, the split of each batch's sums).
"""

import json
import os
import pathlib
import socket
import subprocess
import sys

import numpy as np
import pytest

from apps.framework import distribution
from apps.framework.configs import BaseTrainConfig
from apps.language_model.config import TrainConfig as LanguageModelConfig

REPOSITORY = pathlib.Path(__file__).resolve().parents[3]
RTOL = 1e-4
# Captioning's doubly stochastic penalty is an `add_loss`, which Keras
# keeps on the layer object the replica threads of a `MirroredStrategy`
# share: TensorFlow mirrored runs compare without it (and without dropout,
# whose masks differ per replica). JAX and multi-worker runs have no
# replica threads and keep both.
TF_MIRRORED_FLAGS = {"captioning": ["--dropout", "0",
                                    "--attention_penalty", "0"]}


def _run(app, tmp_path, backend, kinds, flags=(), env=None, timeout=600):
    """Starts `distributed_run`; returns the `Popen` and its output file."""
    out = tmp_path / f"{app}_{backend}_{'_'.join(kinds)}.json"
    command = [
        sys.executable, "-m", "tests.apps.framework.distributed_run", app,
        str(tmp_path / out.stem), str(out), "--kinds", *kinds,
        "--cpu_devices", "2", *flags,
    ]
    process = subprocess.Popen(
        command, cwd=REPOSITORY, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "KERAS_BACKEND": backend,
             "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})},
    )
    return process, out


def _losses(process, out, timeout=600) -> dict:
    log, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, log[-3000:]
    return json.loads(out.read_text())


def _assert_same_losses(single, distributed):
    assert len(single) == len(distributed) == 3
    np.testing.assert_allclose(distributed, single, rtol=RTOL)


@pytest.fixture(scope="module")
def tensorflow_runs(tmp_path_factory):
    """`runs(app)`: `{"none": losses, "mirrored": losses}` on TensorFlow."""
    root = tmp_path_factory.mktemp("mirrored")
    cache = {}

    def runs(app):
        if app not in cache:
            cache[app] = _losses(*_run(
                app, root, "tensorflow", ["none", "mirrored"],
                TF_MIRRORED_FLAGS.get(app, ())))
        return cache[app]

    return runs


@pytest.mark.parametrize("app", [
    "addition",
    "captioning",  # batch norm
    "chatbot",  # a scalar loss over the global batch's tokens
    pytest.param("handwriting", marks=pytest.mark.large),
    pytest.param("language_model", marks=pytest.mark.large),
])
def test_mirrored_over_two_cpu_devices_matches_one_device(
        tensorflow_runs, app):
    runs = tensorflow_runs(app)
    _assert_same_losses(runs["none"], runs["mirrored"])


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _multi_worker_losses(app, tmp_path, flags=()) -> list[list[float]]:
    """The batch losses of both workers of a 2-process multi-worker run."""
    workers = [f"127.0.0.1:{port}" for port in _free_ports(2)]
    started = []
    for index in range(2):
        tf_config = {"cluster": {"worker": workers},
                     "task": {"type": "worker", "index": index}}
        started.append(_run(
            app, tmp_path / f"worker{index}", "tensorflow", ["multi_worker"],
            flags, env={"TF_CONFIG": json.dumps(tf_config)}))
    return [_losses(*run)["multi_worker"] for run in started]


def test_multi_worker_over_two_processes_matches_one_device(
        tensorflow_runs, tmp_path):
    for index in range(2):
        (tmp_path / f"worker{index}").mkdir()
    chief, worker = _multi_worker_losses("addition", tmp_path)
    _assert_same_losses(tensorflow_runs("addition")["none"], chief)
    assert worker == chief  # both log the global batch's loss
    root = tmp_path / "worker0" / "addition_tensorflow_multi_worker"
    state = json.loads(
        (root / "multi_worker" / "checkpoints" / "checkpoint.json")
        .read_text())
    assert state["step"] == 3
    other = tmp_path / "worker1" / "addition_tensorflow_multi_worker"
    assert not (other / "multi_worker" / "checkpoints").exists(), (
        "only the chief writes checkpoints")


def _jax_available() -> bool:
    return subprocess.run(
        [sys.executable, "-c", "import jax"], capture_output=True,
        check=False).returncode == 0


@pytest.mark.skipif(not _jax_available(), reason="jax is not installed")
@pytest.mark.parametrize("app", [
    "addition",
    pytest.param("captioning", marks=pytest.mark.large),  # dropout,
    # batch norm and the add_loss penalty
    pytest.param("chatbot", marks=pytest.mark.large),
    pytest.param("handwriting", marks=pytest.mark.large),
    pytest.param("language_model", marks=pytest.mark.large),
])
def test_jax_data_parallel_over_two_devices_matches_one_device(
        app, tmp_path):
    runs = _losses(*_run(app, tmp_path, "jax", ["none", "mirrored"]))
    _assert_same_losses(runs["none"], runs["mirrored"])


def test_is_chief_reads_the_task_of_tf_config(monkeypatch):
    cluster = {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}
    cases = [
        ({}, True),
        ({"cluster": cluster, "task": {"type": "worker", "index": 0}}, True),
        ({"cluster": cluster, "task": {"type": "worker", "index": 1}}, False),
        ({"cluster": {**cluster, "chief": ["127.0.0.1:3"]},
          "task": {"type": "worker", "index": 0}}, False),
        ({"cluster": {**cluster, "chief": ["127.0.0.1:3"]},
          "task": {"type": "chief", "index": 0}}, True),
    ]
    for config, chief in cases:
        monkeypatch.setenv("TF_CONFIG", json.dumps(config))
        assert distribution.is_chief() is chief, config
    monkeypatch.delenv("TF_CONFIG")
    assert distribution.is_chief()


def test_multi_worker_without_or_with_a_bad_tf_config_is_a_clear_error(
        monkeypatch):
    config = BaseTrainConfig(distribute="multi_worker")
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="without a TF_CONFIG"):
        with distribution.distributed(config):
            pass
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(ValueError, match="TF_CONFIG environment variable "
                                         "that is not JSON"):
        with distribution.distributed(config):
            pass


def test_unknown_kind_and_stateful_language_model_are_refused():
    with pytest.raises(ValueError, match="expected one of"):
        BaseTrainConfig(distribute="ring")
    with pytest.raises(ValueError, match="stateful=True"):
        LanguageModelConfig(stateful=True, distribute="mirrored")
