"""The app contract: every app behaves the same from the command line and a server.

Parametrised over every `APP` declared in `apps/<name>/config.py`, so a new
app gets these checks for free. Each app trains once (its
`APP.contract_train_flags`, a few seconds) and the checks share that run:

- every entry point answers `--help`;
- a bad flag value, or a run directory that does not exist, gives one
  stderr line and exit code 2;
- a training killed mid-epoch resumes from its last checkpoint and ends with
  the step count of an uninterrupted run;
- `restore` rebuilds the trained weights and step count;
- `generate`, `evaluate` and `export` never import `train`;
- the export passes `saved_models.check` (complete folder, ops a stock CPU
  model server has, warm-up records replayed in a fresh TensorFlow-only
  process) and answers `APP.contract_request` there;
- a truncated checkpoint gets a one-line error naming the file.
"""

import importlib
import json
import pathlib
import shutil
import subprocess
import sys

import keras
import numpy as np
import pytest

from apps.framework import restore
from apps.framework.app import declared_apps
from apps.framework import run_directory
from saved_models import check

VERBS = ("train", "generate", "evaluate", "export")
REPOSITORY = pathlib.Path(__file__).resolve().parents[2]


APPS = declared_apps()
requires_tensorflow = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="exports need KERAS_BACKEND=tensorflow",
)


def _main(app, verb):
    return importlib.import_module(f"apps.{app.name}.{verb}").main


def _run_main(app, verb, argv, capsys):
    """`(exit code, stderr lines)` of one entry point run in-process."""
    capsys.readouterr()
    code = 0
    try:
        _main(app, verb)(list(argv))
    except SystemExit as exit_info:
        code = exit_info.code
    err = [line for line in capsys.readouterr().err.splitlines()
           if line.startswith(app.command(verb))]
    return code, err


def _train_argv(app, run_dir, export_dir="", epochs=1):
    flags = list(app.contract_train_flags)
    if "--epochs" in flags:
        index = flags.index("--epochs")
        del flags[index:index + 2]
    return flags + ["--epochs", str(epochs), "--run_dir", str(run_dir),
                    "--export_dir", str(export_dir)]


@pytest.fixture(scope="module", params=APPS, ids=lambda app: app.name)
def trained(request, tmp_path_factory):
    """`(app, run_dir, export_dir)` of one contract training per app."""
    app = request.param
    root = tmp_path_factory.mktemp(f"contract_{app.name}")
    run_dir, export_dir = root / "run", root / "export"
    keras.utils.set_random_seed(0)
    export = export_dir if keras.backend.backend() == "tensorflow" else ""
    _main(app, "train")(_train_argv(app, run_dir, export))
    return app, run_dir, export_dir


@pytest.mark.parametrize("app", APPS, ids=lambda app: app.name)
@pytest.mark.parametrize("verb", VERBS)
def test_every_entry_point_answers_help(app, verb, capsys):
    with pytest.raises(SystemExit) as exit_info:
        _main(app, verb)(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: {app.command(verb)}")
    assert "--run_dir" in out and "--seed" in out


@pytest.mark.parametrize("app", APPS, ids=lambda app: app.name)
def test_bad_flag_values_are_one_line_and_exit_code_2(app, tmp_path, capsys):
    code, err = _run_main(app, "train", ["--epochs", "-3"], capsys)
    assert (code, err) == (2, [
        f"{app.command('train')}: error: Received `epochs=-3`; expected a "
        "positive integer."])
    for verb in ("generate", "evaluate", "export"):
        code, err = _run_main(
            app, verb, ["--run_dir", str(tmp_path / "none")], capsys)
        assert code == 2 and len(err) == 1, (verb, err)
    if keras.backend.backend() == "tensorflow":  # else: export needs TF
        assert "holds no config.json" in err[0]  # export restores first


def test_killed_training_resumes_with_the_uninterrupted_step_count(
        trained, tmp_path, capsys, monkeypatch):
    app, run_dir, _ = trained
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    first = run_directory.read_checkpoint_state(copy)
    assert first["epoch"] == 1 and first["step"] > 0

    class KillAfterFirstBatch(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            raise KeyboardInterrupt

    callbacks = run_directory.training_callbacks
    monkeypatch.setattr(
        "apps.framework.training.training_callbacks",
        lambda path: callbacks(path) + [KillAfterFirstBatch()],
    )
    code, err = _run_main(app, "train", _train_argv(app, copy, epochs=2),
                          capsys)
    assert code == 130 and "interrupted" in err[0]
    assert run_directory.read_checkpoint_state(copy) == first
    monkeypatch.setattr("apps.framework.training.training_callbacks",
                        callbacks)
    code, _ = _run_main(app, "train", _train_argv(app, copy, epochs=2),
                        capsys)
    assert code == 0
    second = run_directory.read_checkpoint_state(copy)
    assert (second["epoch"], second["step"]) == (2, 2 * first["step"])


def test_restore_rebuilds_weights_and_step(trained):
    app, run_dir, _ = trained
    restored = restore(app, run_dir)
    state = run_directory.read_checkpoint_state(run_dir)
    assert (restored.epoch, restored.step) == (state["epoch"], state["step"])
    configs = json.loads((run_dir / "config.json").read_text())
    assert vars(restored.model_config) == {
        k: tuple(v) if isinstance(v, list) else v
        for k, v in configs["model"].items()}
    again = restore(app, run_dir)
    for a, b in zip(restored.model.get_weights(), again.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert any(np.any(w != 0) for w in restored.model.get_weights())


def test_generate_evaluate_and_export_never_import_train():
    script = "import sys\n" + "".join(
        f"import apps.{app.name}.{verb}\n"
        for app in APPS for verb in ("generate", "evaluate", "export")
    ) + ("print(sorted(m for m in sys.modules"
         " if m.startswith('apps.') and m.endswith('.train')))\n")
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPOSITORY, capture_output=True,
        text=True, check=False, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines()[-1] == "[]"


@requires_tensorflow
def test_export_is_servable_and_answers_in_a_fresh_process(trained):
    app, _, export_dir = trained
    versions = sorted(p for p in export_dir.iterdir() if p.name.isdigit())
    assert [p.name for p in versions] == ["1"]
    request = app.contract_request
    report = check.check_version(versions[0], [request])
    assert report.problems == []
    assert report.warmup_records > 0, "the export has no warm-up requests"
    (answer,) = report.answers
    assert answer["ok"], answer["error"]
    batch = len(next(iter(request["inputs"].values())))
    for name in request["outputs"]:
        assert answer["shapes"][name][0] == batch, (name, answer["shapes"])


def test_truncated_checkpoint_is_a_one_line_error(trained, tmp_path, capsys):
    app, run_dir, _ = trained
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    state = run_directory.read_checkpoint_state(copy)
    weights = copy / "checkpoints" / state["weights"]
    weights.write_bytes(weights.read_bytes()[:512])
    with pytest.raises(ValueError, match=f"Checkpoint {weights} cannot be"):
        restore(app, copy)
    if keras.backend.backend() == "tensorflow":
        code, err = _run_main(app, "export", ["--run_dir", str(copy)], capsys)
        assert code == 2 and len(err) == 1, err
        assert f"Checkpoint {weights} cannot be read" in err[0]
