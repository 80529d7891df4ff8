"""`kill -9` during `train` and during export (apps/framework/training.py).

The addition app trains in subprocesses that report every finished step;
the test SIGKILLs them at seeded-random steps, resumes until the run
completes and checks that

- no kill lost more than `--checkpoint_every` steps: the committed
  checkpoint is at most that far behind the last step the process reported;
- the resumed run ends with the weights and loss of an uninterrupted one;
- a SIGKILL during `export` leaves no integer version folder (what TF
  Serving would load), and the next export still works.

The resumed run replays the same batches (data drawn from `(seed, epoch)`,
served in order, the rest of the epoch after a mid-epoch checkpoint) from
the same optimizer, schedule and seed-generator states, so the float32
arithmetic is the same and the weights agree to rounding: `ATOL` leaves
room for float32 re-association in multi-threaded CPU kernels, far below
what one step changes (a lost or repeated step moves weights by ~1e-2 at
`learning_rate` 0.01).
"""

import os
import pathlib
import re
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

from apps.addition.config import APP
from apps.framework import export_run
from apps.framework import restore
from apps.framework import run_directory
from saved_models import check
from saved_models import export

REPOSITORY = pathlib.Path(__file__).resolve().parents[3]
EPOCHS, STEPS_PER_EPOCH, CHECKPOINT_EVERY = 3, 20, 5
KILLS = 2
ATOL = 1e-5
TRAIN_FLAGS = (
    "--epochs", str(EPOCHS), "--steps_per_epoch", str(STEPS_PER_EPOCH),
    "--checkpoint_every", str(CHECKPOINT_EVERY), "--batch_size", "8",
    "--units", "4", "--embedding_dim", "2", "--validation_examples", "16",
    "--export_dir", "", "--seed", "3",
)
# `python -m apps.addition.train`, printing "STEP <optimizer steps>" after
# every batch.
TRAIN = """
import sys
import keras
from apps.framework import training

class Report(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        step = keras.ops.convert_to_numpy(self.model.optimizer.iterations)
        print("STEP", int(step), flush=True)

callbacks = training.training_callbacks
training.training_callbacks = lambda run_dir: callbacks(run_dir) + [Report()]
from apps.addition import train
train.main(sys.argv[1:])
"""
# `python -m apps.addition.export`, printing "WRITING" as it starts to
# write the temporary folder and "RENAMING" (then waiting) once it is
# complete.
EXPORT = """
import sys, time
from saved_models import export

write = export._write

def report_write(archive, path):
    print("WRITING", flush=True)
    write(archive, path)

def rename_later(tmp, model_dir, version):
    print("RENAMING", flush=True)
    time.sleep(600)

export._write, export._rename_into_place = report_write, rename_later
from apps.addition import export as addition_export
addition_export.main(sys.argv[1:])
"""

requires_tensorflow = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="the kill test trains in TensorFlow subprocesses and exports",
)


def _start(script, argv):
    environment = {**os.environ, "KERAS_BACKEND": "tensorflow",
                   "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", script, *argv], cwd=REPOSITORY, env=environment,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _train(run_dir, kill_at=None):
    """Trains (resuming); SIGKILLs at the first step >= `kill_at`.

    Returns:
        `(exit code, last step reported, whole output)`.
    """
    process = _start(TRAIN, [*TRAIN_FLAGS, "--run_dir", str(run_dir)])
    lines = []
    for line in process.stdout:  # a step may follow a progress bar's "\r"
        lines.append(line)
        steps = _steps(line)
        if kill_at is not None and steps and steps[-1] >= kill_at:
            process.send_signal(signal.SIGKILL)
            break
    lines += process.stdout.readlines()  # what it reported before dying
    process.wait(timeout=120)
    output = "".join(lines)
    return process.returncode, max(_steps(output), default=0), output


def _steps(text):
    return [int(step) for step in re.findall(r"STEP ([0-9]+)", text)]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """The run directory of the same training, never killed (in parallel)."""
    run_dir = tmp_path_factory.mktemp("uninterrupted") / "run"
    process = _start(TRAIN, [*TRAIN_FLAGS, "--run_dir", str(run_dir)])
    yield process, run_dir
    process.kill()


def _loss(run_dir):
    from apps.addition import train

    restored = restore(APP, run_dir)
    inputs, targets = train.validation_problems(restored.train_config)
    logits = restored.model(inputs)
    return float(keras.ops.mean(keras.losses.sparse_categorical_crossentropy(
        targets, logits, from_logits=True))), restored


@requires_tensorflow
def test_kill_9_loses_at_most_checkpoint_every_steps_and_resumes_exactly(
        uninterrupted, tmp_path):
    process, full_dir = uninterrupted
    run_dir = tmp_path / "run"
    total = EPOCHS * STEPS_PER_EPOCH
    rng = np.random.default_rng(2)  # kills at steps 16 and 48
    kill_steps = np.sort(rng.choice(np.arange(2, total - 2), KILLS, False))
    resumed_at = []
    for kill_at in kill_steps:
        code, last, output = _train(run_dir, int(kill_at))
        assert code == -signal.SIGKILL, output[-2000:]
        state = run_directory.read_checkpoint_state(run_dir)
        committed = state["step"] if state else 0
        assert last - committed <= CHECKPOINT_EVERY, (last, state)
        resumed_at.append((committed, state["batch"] if state else 0))
    code, last, output = _train(run_dir)
    assert code == 0 and last == total, output[-2000:]
    assert any(batch for _, batch in resumed_at), resumed_at  # mid-epoch
    if resumed_at[-1][1]:
        assert "batches (step" in output, output[-2000:]

    assert process.wait(timeout=300) == 0, process.stdout.read()[-2000:]
    loss, resumed = _loss(run_dir)
    full_loss, full = _loss(full_dir)
    assert resumed.step == full.step == total
    for a, b in zip(resumed.model.get_weights(), full.model.get_weights()):
        np.testing.assert_allclose(a, b, atol=ATOL)
    assert abs(loss - full_loss) <= ATOL, (loss, full_loss)


def _kill_export(exporter, delay):
    """SIGKILLs `exporter` `delay` s into writing, or (`None`) at rename."""
    for line in exporter.stdout:
        if line.startswith("WRITING") and delay is not None:
            time.sleep(delay)
            break
        if line.startswith("RENAMING"):  # a complete, unrenamed SavedModel
            break
    exporter.send_signal(signal.SIGKILL)
    exporter.wait(timeout=60)


@requires_tensorflow
def test_kill_9_during_export_leaves_no_loadable_version(
        uninterrupted, tmp_path):
    process, run_dir = uninterrupted
    assert process.wait(timeout=300) == 0, process.stdout.read()[-2000:]
    model_dir = tmp_path / "addition"
    argv = ["--run_dir", str(run_dir), "--model_dir", str(model_dir)]
    exporters = [_start(EXPORT, argv), _start(EXPORT, argv)]
    delay = float(np.random.default_rng(7).uniform(0.0, 0.5))
    _kill_export(exporters[0], delay)  # while writing, most likely
    _kill_export(exporters[1], None)  # complete, not yet renamed
    leftovers = [p.name for p in model_dir.iterdir()]
    assert all(name.startswith(".tmp-export-") for name in leftovers)
    assert export.list_versions(model_dir) == []
    with pytest.raises(FileNotFoundError, match="no exported version"):
        check.find_versions(model_dir)  # nothing TF Serving would load
    version = export_run(APP, run_dir, model_dir)
    assert version == model_dir / "1"
    assert check.missing_files(version) == []
    assert [p.name for p in model_dir.iterdir()] == ["1"]  # stale removed
