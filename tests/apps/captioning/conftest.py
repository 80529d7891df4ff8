"""A tiny trained captioning run shared by the tests that only read it."""

import keras
import pytest

from apps.captioning import train
from apps.captioning.config import TrainConfig
from apps.captioning.model import ModelConfig

TINY_MODEL = ModelConfig(
    image_size=16, encoder_blocks=2, encoder_width=4, feature_dim=8,
    embedding_dim=8, units=16, attention_units=8,
)


def tiny_train_config(run_dir, **overrides) -> TrainConfig:
    """Two steps of 4 scenes, no validation, no export."""
    settings = {
        "run_dir": str(run_dir), "epochs": 1, "steps_per_epoch": 2,
        "batch_size": 4, "validation_examples": 0, "export_dir": "",
        "max_words": 12,
    }
    settings.update(overrides)
    return TrainConfig(**settings)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """The run directory of a finished two-step training run."""
    run_dir = tmp_path_factory.mktemp("captioning_run")
    keras.utils.set_random_seed(0)
    train.train(TINY_MODEL, tiny_train_config(run_dir), verbose=0)
    return run_dir
