"""Tests for apps/language_model/evaluate.py: the two loss protocols."""

import keras
import numpy as np

from apps.language_model import evaluate
from apps.language_model.train import restore_model
from tests.apps.language_model.conftest import LINE


def test_window_loss_is_keras_cross_entropy_over_windows(trained_run):
    run_dir, _ = trained_run
    model, tokenizer, model_config, _ = restore_model(run_dir)
    ids = tokenizer.encode(LINE * 6)
    loss = evaluate.window_loss(model, ids, 16, batch_size=4)
    inputs = ids[: 16 * ((len(ids) - 1) // 16)].reshape(-1, 16)
    targets = ids[1 : inputs.size + 1].reshape(-1, 16)
    expected = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(
        targets, model.predict(inputs, verbose=0))
    np.testing.assert_allclose(loss, float(expected), rtol=1e-5)
    # The memorised line is nearly certain once the context is known.
    stream = evaluate.stream_loss(model, model_config, ids, streams=2,
                                  chunk=16)
    assert 0 < stream < loss + 0.05 and stream < 0.5
