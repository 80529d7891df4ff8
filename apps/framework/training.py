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
never imports the app's export module itself.
"""

import pathlib

import keras

from apps.framework.app import App
from apps.framework.app import export_run
from apps.framework.app import load_configs
from apps.framework.run_directory import CONFIG_FILE
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

    Returns:
        int, the completed epochs (0 for a new run).
    """
    initial_epoch = restore_checkpoint(model, run_dir)
    if initial_epoch:
        step = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
        print(f"Resuming {run_dir} after epoch {initial_epoch} (step {step}).")
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
    """Fits epochs `initial_epoch .. epochs - 1`, checkpointing after each.

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
        The `keras.callbacks.History` of the fit.
    """
    return model.fit(
        training,
        epochs=train_config.epochs,
        initial_epoch=initial_epoch,
        validation_data=validation,
        callbacks=training_callbacks(train_config.run_dir) + list(callbacks),
        verbose=verbose,
        **fit_kwargs,
    )


def export_after_training(app: App, train_config, **options):
    """Exports the run's latest checkpoint to `train_config.export_dir`.

    Off the TensorFlow backend it prints the command that exports later.

    Args:
        app: the app's `App`.
        train_config: a `BaseTrainConfig`; an empty `export_dir` skips.
        **options: the app's export options.

    Returns:
        `pathlib.Path` of the exported version, or `None` when skipped.
    """
    if not train_config.export_dir:
        return None
    if keras.backend.backend() != "tensorflow":
        print(
            "Skipping the export: export needs KERAS_BACKEND=tensorflow. Run "
            f"`KERAS_BACKEND=tensorflow {app.command('export')} --run_dir "
            f"{train_config.run_dir} --model_dir {train_config.export_dir}`."
        )
        return None
    path = export_run(
        app, train_config.run_dir, train_config.export_dir, **options
    )
    print(f"Exported {path}")
    return path

