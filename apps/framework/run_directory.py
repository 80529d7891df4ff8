"""A training run's folder: configs, atomic checkpoints, resume, logs.

Every app's `train` keeps one run directory (`--run_dir`):

- `config.json`: `{section: dataclass fields}` for each frozen config
  dataclass (e.g. `{"model": ..., "train": ...}`); `generate`, `evaluate`
  and `export` rebuild the model from it.
- `checkpoints/checkpoint.json`: the commit record, `{"epoch": completed
  epochs, "batch": batches of the next epoch already trained (0 at an
  epoch's end), "step": optimizer steps, "weights": file name, "seeds":
  the states of the model's `keras.random.SeedGenerator`s}`, replaced
  atomically after the weights it names are completely written.
- `checkpoints/epoch_0003.weights.h5`: model and optimizer variables after
  epoch 3; `epoch_0003_batch_000050.weights.h5` after 50 batches of the
  fourth epoch (`--checkpoint_every` steps apart). The last `keep` are kept.
- `logs/`: TensorBoard summaries.

A `.weights.h5` file holds the layers' variables and the optimizer's
(`iterations`, which the learning-rate schedule reads, and the moments),
but not the seed generators' states (dropout masks): the record carries
those. An interruption at any moment, `kill -9` included, leaves the
previous checkpoint usable, and a resumed run continues the epoch, batch
and optimizer-step counts. In a multi-worker run only the chief writes.
"""

import dataclasses
import importlib.util
import os
import pathlib
import re
import tempfile
import warnings
from collections.abc import Mapping

import keras
import numpy as np

from apps.framework.distribution import is_chief
from datasets.files import read_json
from datasets.files import write_json

CHECKPOINT_DIR = "checkpoints"
CHECKPOINT_STATE = "checkpoint.json"
CONFIG_FILE = "config.json"
LOG_DIR = "logs"
_WEIGHTS_PATTERN = re.compile(
    r"^epoch_(?P<epoch>[0-9]+)(?:_batch_(?P<batch>[0-9]+))?\.weights\.h5$")
_TMP_WEIGHTS = ".tmp_checkpoint.weights.h5"  # one name: a kill leaves one


def save_run_config(run_dir: os.PathLike, **configs) -> None:
    """Writes frozen config dataclasses to `<run_dir>/config.json`.

    Args:
        run_dir: the run directory (created if missing).
        **configs: section name -> dataclass instance, e.g.
            `model=ModelConfig(), train=TrainConfig()`.
    """
    pathlib.Path(run_dir).mkdir(parents=True, exist_ok=True)
    write_json(
        pathlib.Path(run_dir) / CONFIG_FILE,
        {name: dataclasses.asdict(c) for name, c in configs.items()},
        indent=2,
    )


def load_run_config(
    run_dir: os.PathLike,
    command: str,
    renamed_fields: Mapping[str, str] | None = None,
    **classes,
) -> tuple:
    """Reads `<run_dir>/config.json` back into config dataclasses.

    Args:
        run_dir: the `--run_dir` of a training run.
        command: the training command, named in the error message (e.g.
            `"python -m apps.addition.train"`).
        renamed_fields: mapping of an old field name to its new name, so
            that runs written before a rename still load. Defaults to
            `None`.
        **classes: section name -> dataclass type, in the order returned.

    Returns:
        A tuple with one dataclass instance per section.

    Raises:
        FileNotFoundError: if the run directory holds no `config.json`.
    """
    path = pathlib.Path(run_dir) / CONFIG_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"Received `run_dir={str(run_dir)!r}`, which holds no "
            f"{CONFIG_FILE}; pass the --run_dir of a `{command}` run."
        )
    payload = read_json(path, f"pass the --run_dir of a `{command}` run")
    configs = []
    for name, cls in classes.items():
        section = payload.get(name) if isinstance(payload, dict) else None
        if not isinstance(section, dict):
            raise ValueError(
                f"{path} has no {name!r} section; it was not written by "
                f"`{command}`: pass the --run_dir of such a run."
            )
        section = {
            (renamed_fields or {}).get(key, key): value
            for key, value in section.items()
        }
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(section) - known)
        if unknown:
            raise ValueError(
                f"{path} section {name!r} has fields {unknown} that "
                f"{cls.__name__} does not know (written by another app or "
                f"version); pass the --run_dir of a `{command}` run."
            )
        configs.append(cls(**section))
    return tuple(configs)


def read_checkpoint_state(run_dir: os.PathLike) -> dict | None:
    """The committed checkpoint record, or `None` when there is none.

    Records written before mid-epoch checkpoints lack `"batch"` and
    `"seeds"`; they read as `batch=0` (an epoch's end) and no seeds.
    """
    path = pathlib.Path(run_dir) / CHECKPOINT_DIR / CHECKPOINT_STATE
    if not path.is_file():
        return None
    fix = (
        "it is the commit record of the checkpoints: delete the folder "
        f"{path.parent} to train from scratch"
    )
    state = read_json(path, fix)
    if not (isinstance(state, dict)
            and {"epoch", "step", "weights"} <= set(state)):
        raise ValueError(
            f"{path} lacks the keys 'epoch', 'step' and 'weights'; {fix}."
        )
    return {"batch": 0, "seeds": [], **state}


def seed_states(model: keras.Model) -> list:
    """The state variables of the model's `keras.random.SeedGenerator`s.

    They are `model.variables` that are not `model.weights`, in the
    model's own (deterministic) order.
    """
    weights = {id(variable) for variable in model.weights}
    return [v for v in model.variables if id(v) not in weights]


def save_checkpoint(
    model: keras.Model,
    run_dir: os.PathLike,
    epoch: int,
    keep: int = 2,
    batch: int = 0,
) -> pathlib.Path | None:
    """Saves model, optimizer and seed states: an atomic checkpoint.

    The weights go to a temporary file that is flushed to disk and renamed
    into place, then the `checkpoint.json` record naming them is replaced
    the same way. On a worker other than the chief of a multi-worker run
    (`apps.framework.distribution.is_chief`) the same save goes to a
    scratch folder that is then deleted: saving runs collective ops that
    every worker must join, and only the chief writes the run directory.

    Args:
        model: the compiled model being trained.
        run_dir: the run directory.
        epoch: int, number of completed epochs.
        keep: int, how many checkpoints to keep. Defaults to `2`.
        batch: int, batches of epoch `epoch + 1` already trained; `0` at
            an epoch's end. Defaults to `0`.

    Returns:
        `pathlib.Path` of the weights file, or `None` on a non-chief worker.

    Example:

    >>> save_checkpoint(model, "runs/addition", epoch=3, batch=50).name
    'epoch_0003_batch_000050.weights.h5'
    """
    if is_chief():
        folder = pathlib.Path(run_dir) / CHECKPOINT_DIR
        folder.mkdir(parents=True, exist_ok=True)
        return _save(model, folder, epoch, keep, batch)
    with tempfile.TemporaryDirectory() as scratch:
        _save(model, pathlib.Path(scratch), epoch, keep, batch)
    return None


def _save(model, folder: pathlib.Path, epoch: int, keep: int,
          batch: int) -> pathlib.Path:
    """Writes weights, then the record naming them, into `folder`."""
    name = f"epoch_{epoch:04d}.weights.h5"
    if batch:
        name = f"epoch_{epoch:04d}_batch_{batch:06d}.weights.h5"
    tmp = folder / _TMP_WEIGHTS
    model.save_weights(tmp, overwrite=True)
    _flush_to_disk(tmp)
    os.replace(tmp, folder / name)
    write_json(
        folder / CHECKPOINT_STATE,
        {
            "epoch": epoch,
            "batch": batch,
            "step": _step(model),
            "weights": name,
            "seeds": [keras.ops.convert_to_numpy(v).tolist()
                      for v in seed_states(model)],
        },
        indent=2,
    )
    _remove_older(folder, name, keep)
    return folder / name


def _step(model: keras.Model) -> int:
    return int(keras.ops.convert_to_numpy(model.optimizer.iterations))


def _flush_to_disk(path: pathlib.Path) -> None:
    """`fsync`s `path`, so the record never names weights still in cache."""
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _remove_older(folder: pathlib.Path, current: str, keep: int) -> None:
    """Deletes all but the newest `keep` weights files, never `current`."""

    def position(path):
        match = _WEIGHTS_PATTERN.match(path.name)
        return int(match["epoch"]), int(match["batch"] or 0)

    found = [p for p in folder.glob("epoch_*.weights.h5")
             if _WEIGHTS_PATTERN.match(p.name)]
    for path in sorted(found, key=position)[:-keep]:
        if path.name != current:
            path.unlink(missing_ok=True)


def restore_checkpoint(model: keras.Model, run_dir: os.PathLike) -> int:
    """Loads the latest checkpoint into `model`; returns completed epochs.

    Optimizer variables are restored too when `model` is compiled; an
    uncompiled model (for generation or export) takes the model variables
    only. Seed-generator states come back from the record. Returns `0` and
    leaves `model` untouched when there is no checkpoint; the batch within
    the epoch is `read_checkpoint_state(run_dir)["batch"]`.
    """
    state = read_checkpoint_state(run_dir)
    if state is None:
        return 0
    path = pathlib.Path(run_dir) / CHECKPOINT_DIR / state["weights"]
    if not path.is_file():
        raise FileNotFoundError(
            f"{path.parent / CHECKPOINT_STATE} names {path.name}, which is "
            f"missing; delete the folder {path.parent} to train from scratch."
        )
    optimizer = getattr(model, "optimizer", None)
    try:
        if optimizer is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "skipping optimizer vars"
                model.load_weights(path)
        else:
            if not optimizer.built:
                optimizer.build(model.trainable_variables)
            model.load_weights(path)
    except (OSError, ValueError, KeyError) as error:
        raise ValueError(
            f"Checkpoint {path} cannot be read ({_first_line(error)}): it is "
            f"truncated, corrupt or from another model. {_recovery(path)}"
        ) from None
    _restore_seeds(model, state["seeds"], path.parent / CHECKPOINT_STATE)
    return int(state["epoch"])


def _restore_seeds(model: keras.Model, seeds: list, record: pathlib.Path):
    """Assigns the recorded seed-generator states (none in older records)."""
    if not seeds:
        return
    variables = seed_states(model)
    if len(variables) != len(seeds):
        raise ValueError(
            f"{record} holds {len(seeds)} seed-generator states but the "
            f"model has {len(variables)}: it is from another model. "
            f"Delete the folder {record.parent} to train from scratch."
        )
    for variable, value in zip(variables, seeds):
        variable.assign(np.asarray(value, variable.dtype))


def _first_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text[:200] or type(error).__name__


def _recovery(path: pathlib.Path) -> str:
    """How to go on without the unreadable checkpoint `path`."""
    return (
        f"Restore it from a backup, or delete the folder {path.parent} to "
        "train from scratch."
    )


class EpochCheckpoint(keras.callbacks.Callback):
    """Saves an atomic checkpoint into the run directory after every epoch.

    Args:
        run_dir: the run directory.
        keep: how many checkpoints to keep. Defaults to `2`.
    """

    def __init__(self, run_dir: os.PathLike, keep: int = 2):
        super().__init__()
        self.run_dir = run_dir
        self.keep = keep

    def on_epoch_end(self, epoch, logs=None):
        save_checkpoint(self.model, self.run_dir, epoch + 1, self.keep)


class StepCheckpoint(keras.callbacks.Callback):
    """Saves a mid-epoch checkpoint every `every` optimizer steps.

    Checkpoints fall on multiples of `every` steps of the whole run, so a
    resumed run keeps the same positions. An epoch's last batch is left to
    `EpochCheckpoint`, which saves after validation.

    Args:
        run_dir: the run directory.
        every: positive int, optimizer steps between checkpoints.
        first_batch: int, batches of the first epoch trained before this
            `fit` (a run resumed mid-epoch trains the rest). Defaults to `0`.
        keep: how many checkpoints to keep. Defaults to `2`.

    Example:

    >>> model.fit(batches, epochs=3, callbacks=[
    ...     EpochCheckpoint("runs/x"), StepCheckpoint("runs/x", every=50)])
    """

    def __init__(self, run_dir: os.PathLike, every: int, first_batch: int = 0,
                 keep: int = 2):
        super().__init__()
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(
                f"Received `every={every!r}`; expected a positive int (leave "
                "the callback out to checkpoint at epoch ends only)."
            )
        self.run_dir = run_dir
        self.every = every
        self.first_batch = first_batch
        self.keep = keep
        self._epoch = 0
        self._next_step = 0

    def on_train_begin(self, logs=None):
        self._next_step = (_step(self.model) // self.every + 1) * self.every

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        step = _step(self.model)
        if step < self._next_step:
            return
        self._next_step = (step // self.every + 1) * self.every
        if batch + 1 != self.params["steps"]:  # else the epoch's end saves
            save_checkpoint(self.model, self.run_dir, self._epoch, self.keep,
                            batch=self.first_batch + batch + 1)

    def on_epoch_end(self, epoch, logs=None):
        self.first_batch = 0


def training_callbacks(run_dir: os.PathLike) -> list:
    """Checkpoint after every epoch, plus TensorBoard logs when installed.

    The logs are the chief's only: the other workers of a multi-worker run
    train the same steps and would write the same curves twice.
    """
    callbacks = [EpochCheckpoint(run_dir)]
    if not is_chief():
        return callbacks
    if all(
        importlib.util.find_spec(name) is not None
        for name in ("tensorflow", "tensorboard")
    ):
        callbacks.append(
            keras.callbacks.TensorBoard(
                log_dir=str(pathlib.Path(run_dir) / LOG_DIR),
                write_graph=False,
            )
        )
    else:
        print("TensorBoard logs off: `pip install tensorboard` to get them.")
    return callbacks
