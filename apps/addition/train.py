"""Trains the adder on generated problems, checkpointing and resuming.

The run directory (`--run_dir`) holds `config.json`, atomic checkpoints
and TensorBoard logs (layout: `saved_models/run_directory.py`).

Each epoch draws fresh problems from a generator seeded by `(seed, epoch)`, so
a resumed run sees the same data as an uninterrupted one. Training resumes
from the last completed epoch (an epoch is `steps_per_epoch` steps, about a
second with the defaults); the optimizer's step count continues with it.

Example:

```
python -m apps.addition.train --run_dir runs/addition --epochs 10
```
"""

import argparse
import dataclasses
import os
import pathlib

import keras
import numpy as np

from apps.addition import data
from apps.addition.model import ModelConfig, build_model, compile_model
from datasets.epoch_batches import EpochBatches
from saved_models.config_flags import config_parser
from saved_models.config_flags import configs_from_args
from saved_models.config_flags import require_folder
from saved_models.config_flags import require_non_negative
from saved_models.config_flags import require_positive_integers
from saved_models.config_flags import require_positive_numbers
from saved_models.run_directory import CONFIG_FILE
from saved_models.run_directory import load_run_config
from saved_models.run_directory import read_checkpoint_state
from saved_models.run_directory import restore_checkpoint
from saved_models.run_directory import save_run_config
from saved_models.run_directory import training_callbacks


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """How to train the adder; saved in the run's `config.json`.

    Args:
        run_dir: str, folder for config, checkpoints and TensorBoard logs.
            Defaults to `"runs/addition"`.
        max_digits: int, longest operand seen in training. Defaults to `3`.
        epochs: int, total epochs (a resumed run trains up to this).
            Defaults to `10`.
        steps_per_epoch: int, optimizer steps per epoch. Defaults to `100`.
        batch_size: int, problems per step. Defaults to `128`.
        learning_rate: float, Adam learning rate. Defaults to `0.01`.
        validation_examples: int, held-out problems scored after each
            epoch. Defaults to `1000`.
        seed: int, seeds data generation and weight initialisation.
            Defaults to `0`.
        export_dir: str, where `train` exports versioned SavedModels
            (`<export_dir>/<version>/`); empty to skip.
            Defaults to `"saved_models/addition"`.
    """

    run_dir: str = "runs/addition"  # config, checkpoints, TensorBoard logs
    max_digits: int = 3  # longest operand seen in training
    epochs: int = 10  # total epochs; a resumed run trains up to this
    steps_per_epoch: int = 100  # optimizer steps per epoch
    batch_size: int = 128  # problems per step
    learning_rate: float = 0.01  # Adam learning rate
    validation_examples: int = 1000  # held-out problems scored per epoch
    seed: int = 0  # data generation and weight initialisation
    export_dir: str = "saved_models/addition"  # "" skips the export

    def __post_init__(self):
        require_folder(self, "run_dir", "runs/addition")
        data.num_steps_for(self.max_digits)  # validates max_digits
        require_positive_integers(
            self, ("epochs", "steps_per_epoch", "batch_size")
        )
        require_positive_numbers(self, "learning_rate")
        require_non_negative(self, "validation_examples")


def load_config(run_dir: os.PathLike) -> tuple[ModelConfig, TrainConfig]:
    """Reads `<run_dir>/config.json` written by `train`.

    Raises:
        FileNotFoundError: if the run directory holds no `config.json`.
    """
    return load_run_config(
        run_dir,
        "python -m apps.addition.train",
        model=ModelConfig,
        train=TrainConfig,
    )


def restore_model(
    run_dir: os.PathLike,
) -> tuple[keras.Model, ModelConfig, TrainConfig]:
    """Rebuilds a trained model from `config.json` and its latest checkpoint.

    Args:
        run_dir: the `--run_dir` of a training run.

    Returns:
        `(model, model_config, train_config)`; the model is not compiled.

    Raises:
        FileNotFoundError: if the run has no config or no checkpoint yet.
    """
    model_config, train_config = load_config(run_dir)
    model = build_model(model_config)
    if read_checkpoint_state(run_dir) is None:
        raise FileNotFoundError(
            f"Received `run_dir={str(run_dir)!r}`, which has no checkpoint "
            "yet; train at least one epoch first."
        )
    restore_checkpoint(model, run_dir)
    return model, model_config, train_config


def epoch_problems(
    config: TrainConfig, epoch: int
) -> tuple[np.ndarray, np.ndarray]:
    """The training inputs and targets of one epoch, drawn from `(seed, epoch)`."""
    rng = np.random.default_rng(
        np.random.SeedSequence(config.seed, spawn_key=(1, epoch))
    )
    a, b = data.sample_operands(
        rng, config.steps_per_epoch * config.batch_size, config.max_digits
    )
    return data.encode(a, b, data.num_steps_for(config.max_digits))


def validation_problems(config: TrainConfig) -> tuple[np.ndarray, np.ndarray]:
    """Held-out problems (never trained on) scored after every epoch."""
    rng = np.random.default_rng(
        np.random.SeedSequence(config.seed, spawn_key=(0,))
    )
    a, b = data.sample_operands(
        rng, config.validation_examples, config.max_digits, held_out=True
    )
    return data.encode(a, b, data.num_steps_for(config.max_digits))


def _check_same_model(run_dir: os.PathLike, model_config: ModelConfig):
    saved_model_config, _ = load_config(run_dir)
    if saved_model_config != model_config:
        raise ValueError(
            f"Received a model config {model_config} for `run_dir="
            f"{str(run_dir)!r}`, which was trained with {saved_model_config}."
            " Pass the same model flags to resume, or a new --run_dir."
        )


def fit_epochs(
    model: keras.Model,
    train_config: TrainConfig,
    initial_epoch: int,
    verbose="auto",
) -> None:
    """Fits epochs `initial_epoch .. epochs - 1`, checkpointing after each.

    Args:
        model: the compiled adder.
        train_config: `TrainConfig`.
        initial_epoch: int, completed epochs (from `restore_checkpoint`).
        verbose: Keras `fit` verbosity. Defaults to `"auto"`.
    """
    validation = None
    if train_config.validation_examples:
        validation = validation_problems(train_config)
    model.fit(
        EpochBatches(
            lambda epoch: epoch_problems(train_config, epoch),
            initial_epoch,
            train_config.batch_size,
            train_config.steps_per_epoch,
        ),
        epochs=train_config.epochs,
        initial_epoch=initial_epoch,
        validation_data=validation,
        callbacks=training_callbacks(train_config.run_dir),
        verbose=verbose,
    )


def _export(model: keras.Model, train_config: TrainConfig) -> None:
    """Exports after training; off TensorFlow, says how to export later."""
    if keras.backend.backend() != "tensorflow":
        print(
            "Skipping the export: export needs KERAS_BACKEND=tensorflow. "
            "Run `KERAS_BACKEND=tensorflow python -m apps.addition.export "
            f"--run_dir {train_config.run_dir} --model_dir "
            f"{train_config.export_dir}`."
        )
        return
    from apps.addition.export import export_model

    print(f"Exported {export_model(model, train_config.export_dir)}")


def train(
    model_config: ModelConfig, train_config: TrainConfig, verbose="auto"
) -> keras.Model:
    """Trains (or resumes) the adder, then exports it when configured.

    Args:
        model_config: `ModelConfig`.
        train_config: `TrainConfig`.
        verbose: Keras `fit` verbosity. Defaults to `"auto"` (progress bar).

    Returns:
        The trained `keras.Model`.
    """
    run_dir = pathlib.Path(train_config.run_dir)
    if (run_dir / CONFIG_FILE).is_file():
        _check_same_model(run_dir, model_config)
    save_run_config(run_dir, model=model_config, train=train_config)

    model = build_model(model_config)
    compile_model(model, train_config.learning_rate)
    initial_epoch = restore_checkpoint(model, run_dir)
    if initial_epoch:
        print(
            f"Resuming {run_dir} after epoch {initial_epoch} "
            f"(step {int(keras.ops.convert_to_numpy(model.optimizer.iterations))})."
        )
    fit_epochs(model, train_config, initial_epoch, verbose)
    if train_config.export_dir:
        _export(model, train_config)
    return model


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m apps.addition.train`."""
    return config_parser(
        "python -m apps.addition.train",
        "Train an LSTM to add integers digit by digit "
        "(seed notes: learning to carry), then export a SavedModel.",
        TrainConfig,
        ModelConfig,
    )


def main(argv=None) -> None:
    """Parses the command line and trains."""
    model_config, train_config = configs_from_args(
        build_parser().parse_args(argv), ModelConfig, TrainConfig
    )
    keras.utils.set_random_seed(train_config.seed)
    train(model_config, train_config)


if __name__ == "__main__":
    main()
