"""Train on JAX, serve on TensorFlow: the export answers as the JAX model does.

Parametrised over every `APP`. One JAX subprocess trains each app's contract
run in turn (`APP.contract_train_flags`, one epoch, no validation, no
export) and writes the answers of the app's own Python path to its
reference requests (`APP.reference_function`, eager `keras.ops` on JAX).
Meanwhile this TensorFlow process exports each finished run from the same
run directory, loads the SavedModel with `tf.saved_model.load` and sends
the same requests: strings and integers must be equal (greedy, beam and
seeded decoding token for token: the samplers' noise is a hash of seed,
step and token, the same on every backend), floats within 1e-5.

The first app's JAX `train` also ends by exporting, as it does by default
(rerun on its finished run, so it costs no training): `export_after_training`
runs the export command in a TensorFlow subprocess, and that SavedModel
must answer the same.
"""

import base64
import importlib
import importlib.util
import json
import os
import pathlib
import subprocess
import sys
import time
import traceback

import keras
import numpy as np
import pytest

from apps.framework import export_run
from apps.framework import restore
from apps.framework.app import declared_apps

REPOSITORY = pathlib.Path(__file__).resolve().parents[2]
APPS = declared_apps()
REFERENCES = "references.json"
FAILED = "failed.txt"
TOLERANCE = 1e-5  # relative and absolute, for float outputs
JAX_TIMEOUT_S = 600  # the longest wait for one app's JAX answers

pytestmark = [
    pytest.mark.skipif(
        keras.backend.backend() != "tensorflow",
        reason="the export side needs KERAS_BACKEND=tensorflow",
    ),
    pytest.mark.skipif(
        importlib.util.find_spec("jax") is None,
        reason="jax is not importable; install jax to train on JAX",
    ),
]


def _train_argv(app, run_dir, export_dir):
    """The contract run's flags, for one epoch without validation (the
    last of a repeated flag wins)."""
    return [*app.contract_train_flags, "--epochs", "1",
            "--validation_examples", "0", "--run_dir", str(run_dir),
            "--export_dir", str(export_dir)]


def _encoded(value):
    """A request value as JSON: str and lists as they are, bytes in base64,
    arrays and numbers with their dtype."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, (list, tuple)):
        return [_encoded(item) for item in value]
    array = keras.ops.convert_to_numpy(value)
    return {"dtype": str(array.dtype), "values": array.tolist()}


def _decoded(value):
    """`_encoded`'s inverse."""
    if isinstance(value, list):
        return [_decoded(item) for item in value]
    if isinstance(value, dict) and "base64" in value:
        return base64.b64decode(value["base64"])
    if isinstance(value, dict):
        return np.array(value["values"], dtype=value["dtype"])
    return value


def write_jax_references(root: str) -> None:
    """The JAX side: trains every app and writes its reference answers.

    Run with `KERAS_BACKEND=jax`; writes `<root>/<app>/run/` and then
    `<root>/<app>/references.json` (renamed into place, so it appears
    whole), app after app, or `<root>/<app>/failed.txt` with the traceback
    of an app that failed. Last, the first app's `train` runs again with
    an export folder, `<root>/<app>/trained_export/`: the run is complete,
    so it goes straight to `export_after_training` (while this process
    checks the last app).
    """
    for app in APPS:
        folder = pathlib.Path(root) / app.name
        try:
            train = importlib.import_module(f"apps.{app.name}.train")
            train.main(_train_argv(app, folder / "run", ""))
            requests = app.reference_callable()(restore(app, folder / "run"))
        except (Exception, SystemExit):  # reported per app; the rest go on
            (folder / FAILED).write_text(traceback.format_exc())
            continue
        partial = folder / f"{REFERENCES}.partial"
        partial.write_text(json.dumps([
            {"signature": request["signature"],
             **{part: {name: _encoded(value)
                       for name, value in request[part].items()}
                for part in ("inputs", "outputs")}}
            for request in requests
        ]))
        partial.rename(folder / REFERENCES)
    folder = pathlib.Path(root) / APPS[0].name
    train = importlib.import_module(f"apps.{APPS[0].name}.train")
    train.main(_train_argv(APPS[0], folder / "run",
                           folder / "trained_export"))


@pytest.fixture(scope="module")
def jax_side(tmp_path_factory):
    """`(process, root)`: the JAX subprocess training every app, which runs
    while this process exports the apps it has finished."""
    root = tmp_path_factory.mktemp("jax_parity")
    script = ("from tests.apps.jax_parity_test import write_jax_references\n"
              f"write_jax_references({str(root)!r})\n")
    with open(root / "stdout.txt", "w") as out, \
            open(root / "stderr.txt", "w") as err:
        process = subprocess.Popen(
            [sys.executable, "-c", script], cwd=REPOSITORY,
            env={**os.environ, "KERAS_BACKEND": "jax"}, stdout=out,
            stderr=err,
        )
    yield process, root
    if process.poll() is None:
        process.kill()
        process.wait()


def _references(jax_side, app) -> list:
    """The app's reference requests, once the JAX subprocess wrote them."""
    process, root = jax_side
    path, failed = root / app.name / REFERENCES, root / app.name / FAILED
    deadline = time.monotonic() + JAX_TIMEOUT_S
    while not path.is_file():
        if failed.is_file():
            pytest.fail(f"{app.name} failed on JAX (its stderr is in "
                        f"{root / 'stderr.txt'}):\n{failed.read_text()}")
        if process.poll() is not None and not path.is_file():
            pytest.fail(f"The JAX subprocess ended (exit code "
                        f"{process.returncode}) without {path}:\n"
                        f"{(root / 'stderr.txt').read_text()[-4000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"No {path} after {JAX_TIMEOUT_S} s.")
        time.sleep(0.2)
    return json.loads(path.read_text())


def _as_numpy(tensor):
    """A signature output as numpy; strings decoded to nested lists of str."""
    array = tensor.numpy()
    if array.dtype == object:
        return np.vectorize(lambda b: b.decode("utf-8"), otypes=[str])(
            array).tolist()
    return array


def _has_content(value) -> bool:
    """Whether an output holds anything besides zeros and empty strings."""
    return bool(np.any(np.asarray(value, dtype=object) != "")) if (
        isinstance(value, list)) else bool(np.any(value != 0))


def _assert_answers(model_dir, references):
    """Sends each reference request to the SavedModel and compares."""
    import tensorflow as tf

    loaded = tf.saved_model.load(str(model_dir))
    for request in references:
        name = request["signature"]
        inputs = {key: tf.constant(_decoded(value))
                  for key, value in request["inputs"].items()}
        answer = loaded.signatures[name](**inputs)
        expected = {key: _decoded(value)
                    for key, value in request["outputs"].items()}
        assert any(_has_content(value) for value in expected.values()), (
            f"{name}: the reference outputs are all empty; choose inputs "
            "the model answers with something")
        for key, value in expected.items():
            got = _as_numpy(answer[key])
            where = f"{name} -> {key}"
            if isinstance(value, list):
                assert got == value, where
            elif np.issubdtype(value.dtype, np.floating):
                np.testing.assert_allclose(got, value, rtol=TOLERANCE,
                                           atol=TOLERANCE, err_msg=where)
            else:
                np.testing.assert_array_equal(got, value, err_msg=where)


@pytest.mark.parametrize("app", APPS, ids=lambda app: app.name)
def test_tensorflow_export_answers_as_the_jax_model(app, jax_side, tmp_path):
    references = _references(jax_side, app)
    assert references, f"{app.name}: no reference requests"
    _, root = jax_side
    path = export_run(app, root / app.name / "run", tmp_path / "export")
    _assert_answers(path, references)


def test_jax_training_ends_with_a_tensorflow_export(jax_side):
    references = _references(jax_side, APPS[0])
    process, root = jax_side
    assert process.wait(timeout=JAX_TIMEOUT_S) == 0, (
        root / "stderr.txt").read_text()[-4000:]
    version = root / APPS[0].name / "trained_export" / "1"
    stdout = (root / "stdout.txt").read_text()
    assert (f"KERAS_BACKEND=tensorflow {APPS[0].command('export')} "
            "--run_dir") in stdout
    assert f"Exported {version}" in stdout
    _assert_answers(version, references)
