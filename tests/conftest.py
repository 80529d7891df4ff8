"""Shared pytest set-up: quiet TensorFlow logs, seed every test."""

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
