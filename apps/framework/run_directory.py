"""A training run's folder: configs, atomic checkpoints, resume, logs.

Every app's `train` keeps one run directory (`--run_dir`):

- `config.json`: `{section: dataclass fields}` for each frozen config
  dataclass (e.g. `{"model": ..., "train": ...}`); `generate`, `evaluate`
  and `export` rebuild the model from it.
- `checkpoints/checkpoint.json`: `{"epoch": completed epochs, "step":
  optimizer steps, "weights": file name}`, the commit record, replaced
  atomically after the weights it names are completely written.
- `checkpoints/epoch_0003.weights.h5`: model and optimizer variables after
  epoch 3 (the last `keep` are kept).
- `logs/`: TensorBoard summaries.

An interruption at any moment leaves the previous checkpoint usable, and a
resumed run continues the epoch and optimizer-step counts.
"""

import dataclasses
import importlib.util
import os
import pathlib
import warnings
from collections.abc import Mapping

import keras

from datasets.files import read_json
from datasets.files import write_json

CHECKPOINT_DIR = "checkpoints"
CHECKPOINT_STATE = "checkpoint.json"
CONFIG_FILE = "config.json"
LOG_DIR = "logs"


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
    """The committed checkpoint record, or `None` when there is none."""
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
    return state


def save_checkpoint(
    model: keras.Model, run_dir: os.PathLike, epoch: int, keep: int = 2
) -> pathlib.Path:
    """Saves model and optimizer variables after `epoch` completed epochs.

    The weights go to a temporary file that is renamed into place, then the
    `checkpoint.json` record naming them is replaced the same way.

    Args:
        model: the compiled model being trained.
        run_dir: the run directory.
        epoch: int, number of completed epochs.
        keep: int, how many checkpoints to keep. Defaults to `2`.

    Returns:
        `pathlib.Path` of the weights file.
    """
    folder = pathlib.Path(run_dir) / CHECKPOINT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    name = f"epoch_{epoch:04d}.weights.h5"
    tmp = folder / f".tmp_{name}"
    model.save_weights(tmp, overwrite=True)
    os.replace(tmp, folder / name)
    step = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
    write_json(
        folder / CHECKPOINT_STATE,
        {"epoch": epoch, "step": step, "weights": name},
        indent=2,
    )
    for path in sorted(folder.glob("epoch_*.weights.h5"))[:-keep]:
        path.unlink(missing_ok=True)
    return folder / name


def restore_checkpoint(model: keras.Model, run_dir: os.PathLike) -> int:
    """Loads the latest checkpoint into `model`; returns completed epochs.

    Optimizer variables are restored too when `model` is compiled; an
    uncompiled model (for generation or export) takes the model variables
    only. Returns `0` and leaves `model` untouched when there is no
    checkpoint.
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
    return int(state["epoch"])


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


def training_callbacks(run_dir: os.PathLike) -> list:
    """Checkpoint after every epoch, plus TensorBoard logs when installed."""
    callbacks = [EpochCheckpoint(run_dir)]
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
