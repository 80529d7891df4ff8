"""`export_after_training` off TensorFlow: the export command in a subprocess.

The subprocess is faked here; `tests/apps/jax_parity_test.py` runs the real
one after a JAX training.
"""

import dataclasses
import subprocess
import sys

import pytest

from apps.addition.config import APP, TrainConfig
from apps.framework import training


@dataclasses.dataclass(frozen=True)
class Decoding:
    num_beams: int = 3
    fonts: tuple = ("a", "b")


class FakeRun:
    """Stands in for `subprocess.run`: records each call, answers with
    `returncode` and `stdout`."""

    def __init__(self, returncode=0, stdout=""):
        self.calls, self.returncode, self.stdout = [], returncode, stdout

    def __call__(self, command, **kwargs):
        self.calls.append((command, kwargs))
        return subprocess.CompletedProcess(command, self.returncode,
                                           stdout=self.stdout)


@pytest.fixture
def on_jax(monkeypatch):
    """Pretends the backend is JAX; returns a function installing a
    `FakeRun`."""
    monkeypatch.setattr(training.keras.backend, "backend", lambda: "jax")

    def fake(**answer):
        run = FakeRun(**answer)
        monkeypatch.setattr(training.subprocess, "run", run)
        return run

    return fake


def test_runs_the_export_command_with_tensorflow(on_jax, capsys):
    config = TrainConfig(run_dir="runs/x", export_dir="exports/x")
    run = on_jax(stdout="Exported exports/x/4\n")

    path = training.export_after_training(APP, config, max_digits=9,
                                          decoding=Decoding())

    assert str(path) == "exports/x/4"
    ((command, kwargs),) = run.calls
    assert command == [
        sys.executable, "-m", "apps.addition.export", "--run_dir", "runs/x",
        "--model_dir", "exports/x", "--max_digits", "9", "--num_beams", "3",
        "--fonts", "a", "b"]
    assert kwargs["env"]["KERAS_BACKEND"] == "tensorflow"
    assert kwargs["env"]["CUDA_VISIBLE_DEVICES"] == ""
    printed = capsys.readouterr().out
    assert ("KERAS_BACKEND=tensorflow python -m apps.addition.export "
            "--run_dir runs/x --model_dir exports/x --max_digits 9") in printed
    assert printed.endswith("Exported exports/x/4\n")


def test_a_failed_export_says_how_to_rerun_it(on_jax):
    config = TrainConfig(run_dir="runs/x", export_dir="exports/x")
    on_jax(returncode=2)

    with pytest.raises(RuntimeError, match=(
            r"export of runs/x failed \(exit code 2; its error is above\)."
            r".*rerun `KERAS_BACKEND=tensorflow python -m "
            r"apps.addition.export --run_dir runs/x --model_dir exports/x`")):
        training.export_after_training(APP, config)


def test_an_empty_export_dir_skips(on_jax):
    run = on_jax()
    config = TrainConfig(run_dir="runs/x", export_dir="")
    assert training.export_after_training(APP, config) is None
    assert run.calls == []
