"""A tiny trained run shared by the addition tests that only read it."""

import keras
import pytest

from apps.addition import train
from apps.addition.config import TrainConfig
from apps.addition.model import ModelConfig

TINY_MODEL = ModelConfig(embedding_dim=2, units=4)


def tiny_train_config(run_dir, **overrides) -> TrainConfig:
    """Two steps of 8 problems, no validation, no export."""
    settings = dict(
        run_dir=str(run_dir),
        epochs=1,
        steps_per_epoch=2,
        batch_size=8,
        validation_examples=0,
        export_dir="",
    )
    settings.update(overrides)
    return TrainConfig(**settings)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """The run directory of a finished two-step training run."""
    run_dir = tmp_path_factory.mktemp("addition_run")
    keras.utils.set_random_seed(0)
    train.train(TINY_MODEL, tiny_train_config(run_dir), verbose=0)
    return run_dir
