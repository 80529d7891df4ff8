"""The training loop every app's `train` shares: start, resume, fit, export.

An app's `train(model_config, train_config)` prepares its data and model,
then hands over:

```python
start_run(APP, model_config, train_config)       # config.json, same model
model = build_model(model_config)
model.compile(optimizer=make_optimizer(train_config), loss=...)
initial_epoch = resume(model, train_config.run_dir)
fit(model, train_config, EpochBatches(...), validation, initial_epoch)
export_after_training(APP, train_config)          # restore, check, export
```

`export_after_training` exports what `python -m apps.<name>.export` would
(the restored latest checkpoint), so the two can never disagree, and `train`
never imports the app's export module itself. Off TensorFlow it runs that
very command in a TensorFlow subprocess: train on JAX, serve on TensorFlow.
"""

import dataclasses
import os
import pathlib
import shlex
import subprocess
import sys

import keras

from apps.framework.app import App
from apps.framework.app import export_run
from apps.framework.app import load_configs
from apps.framework.distribution import is_chief
from apps.framework.epoch_batches import resumed_epochs
from apps.framework.run_directory import CONFIG_FILE
from apps.framework.run_directory import StepCheckpoint
from apps.framework.run_directory import read_checkpoint_state
from apps.framework.run_directory import restore_checkpoint
from apps.framework.run_directory import save_run_config
from apps.framework.run_directory import training_callbacks
from apps.framework.schedules import make_schedule


def start_run(app: App, model_config, train_config) -> pathlib.Path:
    """Writes the run's `config.json`; a resumed run must keep its model.

    Args:
        app: the app's `App`.
        model_config: the `ModelConfig` to train.
        train_config: the `TrainConfig` (its `run_dir` is the run).

    Returns:
        `pathlib.Path` of the run directory.

    Raises:
        ValueError: if the run directory was trained with another model
            config.
    """
    run_dir = pathlib.Path(train_config.run_dir)
    if (run_dir / CONFIG_FILE).is_file():
        saved, _ = load_configs(app, run_dir)
        if saved != model_config:
            changed = sorted(
                name for name, value in vars(model_config).items()
                if getattr(saved, name, None) != value
            )
            raise ValueError(
                f"Received model flags that differ from those `run_dir="
                f"{str(run_dir)!r}` was trained with (in {changed}: "
                f"{ {n: getattr(saved, n) for n in changed} }); pass the same "
                "model flags to resume, or a new --run_dir."
            )
    save_run_config(run_dir, model=model_config, train=train_config)
    return run_dir


def make_optimizer(train_config, total_steps: int | None = None):
    """The configured optimizer with its learning-rate schedule and clip.

    Args:
        train_config: a `BaseTrainConfig`.
        total_steps: int, steps the schedule spans. Defaults to
            `train_config.total_steps`.

    Returns:
        A `keras.optimizers.Adam` or `SGD`. The schedule reads the
        optimizer's step count, so a resumed run continues where it was.
    """
    steps = train_config.total_steps if total_steps is None else total_steps
    schedule = make_schedule(train_config, steps)
    clip = {}
    if train_config.clipnorm:
        clip["global_clipnorm"] = train_config.clipnorm
    if train_config.optimizer == "sgd":
        return keras.optimizers.SGD(schedule, **clip)
    return keras.optimizers.Adam(schedule, **clip)


def resume(model: keras.Model, run_dir) -> int:
    """Loads the latest checkpoint into the compiled model, if any.

    A checkpoint taken inside an epoch also records the batches of that
    epoch already trained; `fit` reads them from the run directory and
    trains the rest of the epoch first.

    Returns:
        int, the completed epochs (0 for a new run).
    """
    initial_epoch = restore_checkpoint(model, run_dir)
    state = read_checkpoint_state(run_dir)
    if state is not None:
        step = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
        where = f"{initial_epoch} epochs"
        if state["batch"]:
            where += f" and {state['batch']} batches"
        print(f"Resuming {run_dir} after {where} (step {step}).")
    return initial_epoch


def fit(
    model: keras.Model,
    train_config,
    training,
    validation=None,
    initial_epoch: int = 0,
    callbacks=(),
    verbose="auto",
    **fit_kwargs,
):
    """Fits epochs `initial_epoch .. epochs - 1`, checkpointing as it goes.

    Checkpoints are written after every epoch and every
    `train_config.checkpoint_every` steps. When `resume` restored a
    checkpoint from inside epoch `initial_epoch`, that epoch's remaining
    batches are fitted first (a `model.fit` of their own), then the whole
    epochs after it. Batches are served in order (`shuffle=False` unless
    given): the data code already draws each epoch at random from `(seed,
    epoch)`, and a resumed epoch must find its remaining batches where the
    uninterrupted run had them.

    Args:
        model: the compiled model (`resume` already called).
        train_config: a `BaseTrainConfig`.
        training: what `model.fit` trains on (a `keras.utils.PyDataset`
            such as `EpochBatches`, or a `tf.data.Dataset`).
        validation: `validation_data` of `fit`, or `None`.
        initial_epoch: int, from `resume`.
        callbacks: extra Keras callbacks after the checkpoint and
            TensorBoard ones. Defaults to `()`.
        verbose: Keras `fit` verbosity. Defaults to `"auto"` (progress bar).
        **fit_kwargs: other `model.fit` arguments.

    Returns:
        The `keras.callbacks.History` of the last `model.fit` (the whole
        epochs, or the resumed epoch when it was the last).
    """
    fit_kwargs.setdefault("shuffle", False)
    state = read_checkpoint_state(train_config.run_dir)
    first_batch = 0
    if (state is not None and state["epoch"] == initial_epoch
            and initial_epoch < train_config.epochs):
        first_batch = state["batch"]
    run = dict(validation_data=validation, verbose=verbose, **fit_kwargs)
    if first_batch:
        rest, training = resumed_epochs(training, first_batch)
        history = model.fit(
            rest,
            epochs=initial_epoch + 1,
            initial_epoch=initial_epoch,
            callbacks=_callbacks(train_config, callbacks, first_batch),
            **run,
        )
        initial_epoch += 1
        if initial_epoch >= train_config.epochs:
            return history
    return model.fit(
        training,
        epochs=train_config.epochs,
        initial_epoch=initial_epoch,
        callbacks=_callbacks(train_config, callbacks),
        **run,
    )


def _callbacks(train_config, extra, first_batch: int = 0) -> list:
    """Epoch and step checkpoints, TensorBoard, then the app's callbacks."""
    steps = []
    if train_config.checkpoint_every:
        steps.append(StepCheckpoint(
            train_config.run_dir, train_config.checkpoint_every, first_batch))
    return training_callbacks(train_config.run_dir) + steps + list(extra)


def export_after_training(app: App, train_config, **options):
    """Exports the run's latest checkpoint to `train_config.export_dir`.

    Off the TensorFlow backend (say a run trained with `KERAS_BACKEND=jax`)
    the export runs in a TensorFlow subprocess, `KERAS_BACKEND=tensorflow
    python -m apps.<name>.export --run_dir ... --model_dir ...` with the
    same interpreter, on CPU: checkpoints are backend-neutral, so it
    restores the same weights.

    Only the chief of a multi-worker run exports (`is_chief`).

    Args:
        app: the app's `App`.
        train_config: a `BaseTrainConfig`; an empty `export_dir` skips.
        **options: the app's export options (off TensorFlow passed to the
            export command as flags: `num_beams=3` is `--num_beams 3`, a
            config dataclass gives one flag per field).

    Returns:
        `pathlib.Path` of the exported version, or `None` when skipped.

    Raises:
        RuntimeError: if the TensorFlow subprocess fails (the message says
            how to rerun the export).
    """
    if not train_config.export_dir:
        return None
    if not is_chief():
        print("Skipping the export: the chief worker of this multi-worker "
              "run exports.")
        return None
    if keras.backend.backend() != "tensorflow":
        return _export_in_tensorflow(app, train_config, options)
    path = export_run(
        app, train_config.run_dir, train_config.export_dir, **options
    )
    print(f"Exported {path}")
    return path


def _export_in_tensorflow(app: App, train_config, options) -> pathlib.Path:
    """Runs the app's export command with `KERAS_BACKEND=tensorflow`."""
    flags = ["--run_dir", str(train_config.run_dir),
             "--model_dir", str(train_config.export_dir),
             *_option_flags(options)]
    command = (f"KERAS_BACKEND=tensorflow {app.command('export')} "
               f"{shlex.join(flags)}")
    print(f"Exporting with TensorFlow ({keras.backend.backend()} trained "
          f"the run): {command}", flush=True)
    # On CPU: an export needs no GPU, and the parent may hold its memory.
    env = {**os.environ, "KERAS_BACKEND": "tensorflow",
           "CUDA_VISIBLE_DEVICES": ""}
    result = subprocess.run(
        [sys.executable, "-m", f"apps.{app.name}.export", *flags], env=env,
        stdout=subprocess.PIPE, text=True, check=False,
    )  # stderr goes straight to the terminal
    print(result.stdout, end="")
    exported = [line.removeprefix("Exported ")
                for line in result.stdout.splitlines()
                if line.startswith("Exported ")]
    if result.returncode or not exported:
        raise RuntimeError(
            f"The TensorFlow export of {train_config.run_dir} failed (exit "
            f"code {result.returncode}; its error is above). The run is "
            f"trained and checkpointed: fix the cause and rerun `{command}`."
        )
    return pathlib.Path(exported[-1])


def _option_flags(options) -> list[str]:
    """Export options as command-line flags (`num_beams=3` -> `--num_beams
    3`; a config dataclass gives one flag per field)."""
    flags = []
    for name, value in options.items():
        fields = (vars(value) if dataclasses.is_dataclass(value)
                  else {name: value})
        for field, item in fields.items():
            items = item if isinstance(item, (list, tuple)) else (item,)
            flags += [f"--{field}", *map(str, items)]
    return flags
