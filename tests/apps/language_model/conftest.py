"""A tiny corpus and a trained tiny run shared by the language-model tests."""

import keras
import pytest

from apps.framework import restore
from apps.language_model import train
from apps.language_model.config import APP, TrainConfig
from apps.language_model.model import ModelConfig
from datasets.text import TextCorpus

LINE = "the quick brown fox jumps over the lazy dog\n"
TINY_CORPUS = TextCorpus("python_docs", "char", LINE * 40, LINE * 4, LINE * 4)
TINY_MODEL = ModelConfig(embedding_dim=8, units=48, num_layers=1)


def tiny_train_config(run_dir, **overrides) -> TrainConfig:
    """A few short steps on the tiny corpus, no export."""
    settings = dict(
        run_dir=str(run_dir), epochs=1, steps_per_epoch=2, batch_size=8,
        sequence_length=16, validation_examples=4, export_dir="",
        learning_rate=0.01,
    )
    settings.update(overrides)
    return TrainConfig(**settings)


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory):
    """`(run_dir, model)`: the tiny corpus memorised."""
    run_dir = tmp_path_factory.mktemp("language_model_run")
    keras.utils.set_random_seed(0)
    config = tiny_train_config(
        run_dir, epochs=3, steps_per_epoch=40, batch_size=16,
        sequence_length=24, learning_rate=0.02,
    )
    model = train.train(TINY_MODEL, config, verbose=0, corpus=TINY_CORPUS)
    return run_dir, model


@pytest.fixture(scope="session")
def restored(trained_run):
    """The trained run rebuilt by `apps.framework.restore`."""
    return restore(APP, trained_run[0])
