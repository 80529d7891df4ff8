"""Versioned SavedModel exports that TensorFlow Serving can pick up safely.

Layout (what TF Serving's file-system source watches, one folder per model):

```
saved_models/<name>/<version>/saved_model.pb
                             /variables/...
                             /assets.extra/tf_serving_warmup_requests
```

`<version>` is a positive integer; the next export is `max(existing) + 1`.
Each version is first written to a hidden temporary folder in the same
parent (`.tmp-...`, which TF Serving ignores because it is not an integer)
and then renamed into place, so a server polling the folder never sees a
half-written model. Two exports racing for the same number both succeed: the
loser of the rename takes the next free number.

Warm-up requests (TF Serving's `--enable_model_warmup`) are written by
`saved_models.warmup` into `assets.extra/` inside the temporary folder, so
they appear together with the model.

A killed export leaves its temporary folder behind. Its name holds the host
and the process id of the exporter (`.tmp-export-<host>-<pid>-<random>`),
so the next export on the same host removes the folders of exporters that
are no longer running, and never one that is still being written.

Weights that are not all finite (a diverged run) are refused before
anything is written (`require_finite_weights`): a NaN model would answer
every request with the same token.
"""

import os
import pathlib
import re
import shutil
import socket
import tempfile
from typing import Callable, Mapping, Sequence, Union

import keras
import numpy as np

from saved_models.warmup import WARMUP_FILE, write_warmup_requests

_VERSION_PATTERN = re.compile(r"^[1-9][0-9]*$")
_TMP_PREFIX = ".tmp-export-"
_TMP_PATTERN = re.compile(r"^\.tmp-export-(?P<host>.+)-(?P<pid>[0-9]+)-[^-]+$")
_RENAME_ATTEMPTS = 20

Writer = Union["keras.export.ExportArchive", Callable[[str], object]]


def require_tensorflow_backend() -> None:
    """Raises unless Keras runs on the TensorFlow backend.

    Raises:
        RuntimeError: "export needs KERAS_BACKEND=tensorflow" otherwise.
    """
    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise RuntimeError(
            "export needs KERAS_BACKEND=tensorflow (received "
            f"KERAS_BACKEND={backend!r}). Checkpoints are backend-independent:"
            " rerun the export command with KERAS_BACKEND=tensorflow."
        )


def non_finite_weights(model: keras.Model) -> list[str]:
    """Paths of the model's variables holding NaN or infinite values.

    Example:

    >>> non_finite_weights(model)
    ['lstm/lstm_cell/kernel']
    """
    return [
        variable.path
        for variable in model.weights
        if not np.all(np.isfinite(keras.ops.convert_to_numpy(variable)))
    ]


def require_finite_weights(model: keras.Model, what: str = "the model") -> None:
    """Raises unless every weight of `model` is finite.

    Args:
        model: the model about to be exported.
        what: str, names the weights' origin in the message, e.g.
            `"the checkpoint of runs/addition"`. Defaults to `"the model"`.

    Raises:
        ValueError: naming the first non-finite variables and the fix.
    """
    bad = non_finite_weights(model)
    if bad:
        raise ValueError(
            f"Refusing to export {what}: variables {bad[:3]}"
            f"{' and more' if len(bad) > 3 else ''} hold NaN or infinite "
            "values (the training diverged). Retrain with a lower "
            "--learning_rate or --clipnorm, from a new --run_dir."
        )


def remove_stale_exports(model_dir: os.PathLike) -> list[pathlib.Path]:
    """Deletes temporary folders left by exporters that were killed.

    Only folders of this host whose process no longer runs are removed;
    folders of other hosts, of live exporters and of any unknown naming are
    left alone.

    Args:
        model_dir: the model's folder.

    Returns:
        list of the removed folders.
    """
    model_dir = pathlib.Path(model_dir)
    if not model_dir.is_dir():
        return []
    removed = []
    for path in model_dir.glob(f"{_TMP_PREFIX}*"):
        match = _TMP_PATTERN.match(path.name)
        if not (path.is_dir() and match):
            continue
        if match["host"] != _host() or _process_alive(int(match["pid"])):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9.]", "_", socket.gethostname())


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def list_versions(model_dir: os.PathLike) -> list[int]:
    """Integer versions exported under `model_dir`, ascending.

    Only folders named by a positive integer count; temporary folders and
    other files are ignored, as TF Serving ignores them.
    """
    model_dir = pathlib.Path(model_dir)
    if not model_dir.is_dir():
        return []
    return sorted(
        int(p.name)
        for p in model_dir.iterdir()
        if p.is_dir() and _VERSION_PATTERN.match(p.name)
    )


def next_version(model_dir: os.PathLike) -> int:
    """`max(list_versions(model_dir)) + 1`, or `1` for a new model."""
    versions = list_versions(model_dir)
    return versions[-1] + 1 if versions else 1


def serving_save_options():
    """`tf.saved_model.SaveOptions` for a serving-only SavedModel.

    Custom gradients are left out: serving never differentiates, and the
    backward loops of `rnn_layers`' fused layers are XLA-compiled functions,
    which TF Serving runs only when started with
    `--xla_cpu_compilation_enabled` (and cannot run at all on some builds).
    """
    import tensorflow as tf

    return tf.saved_model.SaveOptions(experimental_custom_gradients=False)


def _write(archive_or_writer: Writer, path: str) -> None:
    if hasattr(archive_or_writer, "write_out"):
        archive_or_writer.write_out(
            path, options=serving_save_options(), verbose=False
        )
    elif callable(archive_or_writer):
        archive_or_writer(path)
    else:
        raise TypeError(
            f"Received `archive_or_writer={archive_or_writer!r}`; expected a "
            "`keras.export.ExportArchive` or a function that writes a "
            "SavedModel to the path it is given."
        )
    if not os.path.isfile(os.path.join(path, "saved_model.pb")):
        raise ValueError(
            f"`archive_or_writer` wrote no saved_model.pb into {path}; it "
            "must write a SavedModel to exactly the path it receives."
        )


def export_versioned(
    archive_or_writer: Writer,
    model_dir: os.PathLike,
    version: int | None = None,
    warmup_requests: Sequence[
        Mapping[str, object] | tuple[str, Mapping[str, object]]] | None = None,
    signature_name: str = "serving_default",
) -> pathlib.Path:
    """Writes a SavedModel to `<model_dir>/<version>/`, atomically.

    Args:
        archive_or_writer: a `keras.export.ExportArchive` with its endpoints
            added, or a callable `writer(path)` that writes a SavedModel to
            `path` (e.g. `model.export`).
        model_dir: the model's folder, e.g. `"saved_models/addition"`; its
            name is the model name used in warm-up requests and
            `models.config`.
        version: positive int, or `None` for the next free version.
            Defaults to `None`.
        warmup_requests: list of requests written to
            `assets.extra/tf_serving_warmup_requests`: input dicts (calling
            `signature_name`) or `(signature, inputs)` pairs; `None` for no
            warm-up file. Defaults to `None`.
        signature_name: str, the signature the bare input dicts call.
            Defaults to `"serving_default"`.

    Returns:
        `pathlib.Path` of the new version folder.

    Raises:
        RuntimeError: on a non-TensorFlow Keras backend.
        ValueError: if `version` is not a positive int or already exists.

    Example:

    >>> archive = keras.export.ExportArchive()
    >>> archive.track(model)
    >>> archive.add_endpoint("serving_default", model.call,
    ...                      [tf.TensorSpec([None, 4], tf.float32)])
    >>> export_versioned(archive, "saved_models/toy")  # saved_models/toy/1
    """
    require_tensorflow_backend()
    if version is not None and (
        isinstance(version, bool) or not isinstance(version, int) or version < 1
    ):
        raise ValueError(
            f"Received `version={version!r}`; expected a positive integer "
            "or None for the next free version."
        )
    model_dir = pathlib.Path(model_dir)
    if version is not None and (model_dir / str(version)).exists():
        raise ValueError(
            f"Received `version={version}`, but {model_dir / str(version)} "
            "exists; pass `version=None` for the next free one or delete it."
        )
    model_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_exports(model_dir)
    tmp = tempfile.mkdtemp(
        prefix=f"{_TMP_PREFIX}{_host()}-{os.getpid()}-", dir=model_dir
    )
    try:
        _write(archive_or_writer, tmp)
        if warmup_requests:
            write_warmup_requests(
                os.path.join(tmp, WARMUP_FILE),
                model_dir.name,
                warmup_requests,
                signature_name,
            )
        os.chmod(tmp, 0o755)  # mkdtemp makes it 0700
        return _rename_into_place(tmp, model_dir, version)
    finally:
        if os.path.exists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)


def _rename_into_place(
    tmp: str, model_dir: pathlib.Path, version: int | None
) -> pathlib.Path:
    """Renames `tmp` to the version folder; retries on a lost race."""
    for _ in range(_RENAME_ATTEMPTS):
        number = version if version is not None else next_version(model_dir)
        target = model_dir / str(number)
        try:
            # Fails (rather than merging) when another exporter created
            # `target` first: a directory rename never replaces a non-empty
            # directory, and we refuse to replace an empty one.
            if target.exists():
                raise FileExistsError(str(target))
            os.rename(tmp, target)
            return target
        except OSError:
            if version is not None:
                raise ValueError(
                    f"Received `version={version}`, but {target} appeared "
                    "while exporting; pass `version=None`."
                ) from None
    raise RuntimeError(
        f"Could not claim a version folder under {model_dir} after "
        f"{_RENAME_ATTEMPTS} attempts; other exporters keep winning."
    )


def export_model(
    model: keras.Model,
    model_dir: os.PathLike,
    input_signature: Sequence[object],
    version: int | None = None,
    warmup_requests: Sequence[
        Mapping[str, object] | tuple[str, Mapping[str, object]]] | None = None,
) -> pathlib.Path:
    """Exports `model`'s forward pass as `serving_default`, versioned.

    The quick path for models whose inputs are already tensors; apps with
    in-graph tokenization build their own `ExportArchive` and call
    `export_versioned`.

    Args:
        model: a built `keras.Model`.
        model_dir: the model's folder, e.g. `"saved_models/name"`.
        input_signature: list of `tf.TensorSpec`/`keras.InputSpec`.
        version: int or `None` for the next free version.
        warmup_requests: see `export_versioned`.

    Returns:
        `pathlib.Path` of the new version folder.
    """
    require_tensorflow_backend()
    require_finite_weights(model)
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        "serving_default",
        lambda *args: model(*args, training=False),
        input_signature=list(input_signature),
    )
    return export_versioned(archive, model_dir, version, warmup_requests)
