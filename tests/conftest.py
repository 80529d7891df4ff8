"""Shared pytest set-up: quiet TensorFlow logs, seed every test; the tiny
addition export several test folders serve requests to."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _seed_and_clear():
    """Gives every test the same random seed and a fresh Keras session."""
    keras.utils.set_random_seed(1337)
    yield
    keras.backend.clear_session()


@pytest.fixture(scope="module")
def tiny_addition_export(tmp_path_factory):
    """`(model, version_path)`: a random tiny adder and its SavedModel.

    Module-wide, since exports are slow; needs KERAS_BACKEND=tensorflow.
    """
    from apps.addition import export
    from apps.addition.model import ModelConfig, build_model

    keras.utils.set_random_seed(0)
    model = build_model(ModelConfig(embedding_dim=2, units=4))
    model_dir = tmp_path_factory.mktemp("saved") / "addition"
    return model, export.export_model(model, model_dir, max_digits=20)
