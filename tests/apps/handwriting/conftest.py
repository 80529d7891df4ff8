"""A tiny trained run shared by the handwriting tests that only read it."""

import keras
import pytest

from apps.framework import restore
from apps.handwriting import train
from apps.handwriting.config import APP, TrainConfig
from apps.handwriting.model import ModelConfig

TINY_MODEL = ModelConfig(units=8, num_mixtures=2, num_window_components=2)
TINY_PREDICTION = ModelConfig(network="prediction", units=8, num_layers=2,
                              num_mixtures=2)


def tiny_train_config(run_dir, **overrides) -> TrainConfig:
    """Two steps of four short Hershey lines, no export."""
    settings = dict(
        run_dir=str(run_dir), epochs=1, steps_per_epoch=2, batch_size=4,
        validation_examples=4, max_chars=6, export_dir="",
    )
    settings.update(overrides)
    return TrainConfig(**settings)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """The run directory of a finished two-step synthesis run."""
    run_dir = tmp_path_factory.mktemp("handwriting_run")
    keras.utils.set_random_seed(0)
    train.train(TINY_MODEL, tiny_train_config(run_dir), verbose=0)
    return run_dir


@pytest.fixture(scope="session")
def restored(tiny_run):
    """The tiny synthesis run rebuilt by `apps.framework.restore`."""
    return restore(APP, tiny_run)
