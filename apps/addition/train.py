"""Trains the adder on generated problems, checkpointing and resuming.

The run directory (`--run_dir`) holds `config.json`, atomic checkpoints
and TensorBoard logs (layout: `apps/framework/run_directory.py`).

Each epoch draws fresh problems from a generator seeded by `(seed, epoch)`, so
a resumed run sees the same data as an uninterrupted one. Training resumes
from the last completed epoch (an epoch is `steps_per_epoch` steps, about a
second with the defaults); the optimizer's step count continues with it.

Example:

```
python -m apps.addition.train --run_dir runs/addition --epochs 10
```
"""


import keras
import numpy as np

from apps.addition import data
from apps.addition.config import APP, TrainConfig
from apps.addition.model import ModelConfig, build_model, compile_model
from apps.framework import EpochBatches
from apps.framework import distributed
from apps.framework import export_after_training
from apps.framework import fit
from apps.framework import make_optimizer
from apps.framework import resume
from apps.framework import start_run
from apps.framework import train_command


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
    start_run(APP, model_config, train_config)
    with distributed(train_config):
        model = build_model(model_config)
        compile_model(model, make_optimizer(train_config))
        initial_epoch = resume(model, train_config.run_dir)
        validation = None
        if train_config.validation_examples:
            validation = validation_problems(train_config)
        training = EpochBatches(
            lambda epoch: epoch_problems(train_config, epoch),
            initial_epoch,
            train_config.batch_size,
            train_config.steps_per_epoch,
        )
        fit(model, train_config, training, validation, initial_epoch,
            verbose=verbose)
    export_after_training(APP, train_config)
    return model


build_parser, main = train_command(
    APP,
    train,
    "Train an LSTM to add integers digit by digit "
    "(seed notes: learning to carry), then export a SavedModel.",
)


if __name__ == "__main__":
    main()
