"""Tests for apps/language_model/evaluate.py: the two loss protocols."""

import math

import keras
import numpy as np

from apps.language_model import data, evaluate
from tests.apps.language_model.conftest import LINE, TINY_CORPUS


def test_window_loss_is_keras_cross_entropy_over_windows(restored):
    model, tokenizer = restored.model, restored.assets["tokenizer"]
    ids = tokenizer.encode(LINE * 6)
    loss = evaluate.window_loss(model, ids, 16, batch_size=4)
    inputs = ids[: 16 * ((len(ids) - 1) // 16)].reshape(-1, 16)
    targets = ids[1 : inputs.size + 1].reshape(-1, 16)
    expected = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(
        targets, model.predict(inputs, verbose=0))
    np.testing.assert_allclose(loss, float(expected), rtol=1e-5)
    # The memorised line is nearly certain once the context is known.
    stream = evaluate.stream_loss(model, restored.model_config, ids,
                                  streams=2, chunk=16)
    assert 0 < stream < loss + 0.05 and stream < 0.5


def test_cli_prints_one_row_of_scores(trained_run, restored, monkeypatch,
                                      capsys):
    monkeypatch.setattr(data, "load_train_corpus", lambda config: TINY_CORPUS)
    run_dir, _ = trained_run
    evaluate.main(["--run_dir", str(run_dir), "--split", "validation",
                   "--window", "16", "--streams", "2"])
    header, row = capsys.readouterr().out.splitlines()
    assert header.split() == ["split", "tokens", "window_loss",
                              "stream_loss", "bits_per_token", "perplexity"]
    ids = restored.assets["tokenizer"].encode(TINY_CORPUS.validation)
    loss = evaluate.window_loss(restored.model, ids, 16)
    split, tokens, window_loss, _, bits, perplexity = row.split()
    assert (split, int(tokens)) == ("validation", len(ids))
    assert float(window_loss) == round(loss, 4)
    assert float(bits) == round(loss / math.log(2), 4)
    assert float(perplexity) == round(math.exp(loss), 4)
