"""Tests for apps/language_model/train.py: overfitting, stateful runs, CLI."""

import json

import keras
import numpy as np
import pytest

from apps.framework import restore
from apps.framework import run_train
from apps.language_model import data, train
from apps.language_model.config import APP
from apps.language_model.generate import complete
from apps.language_model.model import ModelConfig, build_model
from datasets.vocabulary import build_tokenizer
from tests.apps.language_model.conftest import (
    LINE, TINY_CORPUS, TINY_MODEL, tiny_train_config)


def test_tiny_model_memorises_the_corpus_and_generates_it(
        trained_run, restored):
    run_dir, model = trained_run
    tokenizer = restored.assets["tokenizer"]
    assert restored.model_config.vocabulary_size == 3 + len(set(LINE) - {"\n"})
    assert tokenizer.level == "char" and tokenizer.start_id == 2
    inputs, targets = train.epoch_data(
        restored.train_config, data.encode_split(tokenizer, TINY_CORPUS.train),
        0)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(
        targets[:32], model.predict(inputs[:32], verbose=0))
    assert float(loss) < 0.3
    text = complete(model, tokenizer, ["the quick", ""], len(LINE) - 9)
    assert text[0] == LINE[9:]
    assert text[1] == LINE[: len(LINE) - 9]
    if keras.backend.backend() == "tensorflow":  # tensorboard is installed
        assert list((run_dir / "logs" / "train").glob("events.out.*"))


def test_stateful_truncated_bptt_trains_and_restores_stateless(tmp_path):
    config = tiny_train_config(tmp_path, stateful=True, batch_size=4,
                               optimizer="sgd", learning_rate=1.0,
                               schedule="step", decay_every=1)
    model = train.train(ModelConfig(embedding_dim=4, units=6, num_layers=2,
                                    dropout=0.1, tie_embeddings=True),
                        config, verbose=0, corpus=TINY_CORPUS)
    assert not any(getattr(l, "stateful", False) for l in model.layers)
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["train"]["stateful"] is True
    restored = restore(APP, tmp_path)
    assert not any(getattr(l, "stateful", False)
                   for l in restored.model.layers)
    ids = np.ones((3, 5), "int32")  # a batch size the training never had
    np.testing.assert_allclose(restored.model.predict(ids, verbose=0),
                               model.predict(ids, verbose=0), atol=1e-6)


def test_resume_with_other_model_config_is_refused(tmp_path):
    train.train(TINY_MODEL, tiny_train_config(tmp_path, steps_per_epoch=1),
                verbose=0, corpus=TINY_CORPUS)
    with pytest.raises(ValueError, match="new --run_dir"):
        train.train(ModelConfig(units=5), tiny_train_config(tmp_path),
                    verbose=0, corpus=TINY_CORPUS)


@pytest.mark.parametrize("overrides, match", [
    ({"epochs": 0}, "epochs"), ({"dataset": "wiki"}, "dataset"),
    ({"optimizer": "rmsprop"}, "optimizer"), ({"schedule": "x"}, "schedule"),
    ({"stateful": 2}, "stateful"), ({"learning_rate": 0.0}, "learning_rate"),
    ({"poems": "modern"}, "poems"), ({"decay_rate": 0.0}, "decay_rate"),
    ({"sequence_length": 0}, "sequence_length"),
    ({"validation_examples": -1}, "validation_examples")])
def test_train_config_validation(overrides, match):
    with pytest.raises(ValueError, match=match):
        tiny_train_config("unused", **overrides)


def test_main_parses_flags_into_configs(tmp_path):
    received = []
    run_train(
        APP, lambda *configs: received.append(configs), train.build_parser(),
        ["--run_dir", str(tmp_path), "--units", "3", "--cell", "gru",
         "--tie_embeddings", "true", "--stateful", "true",
         "--validation_examples", "7", "--dataset", "ptb", "--export_dir", ""],
    )
    ((model_config, config),) = received
    assert model_config == ModelConfig(units=3, cell="gru",
                                       tie_embeddings=True)
    assert config.stateful is True and config.dataset == "ptb"
    assert config.validation_examples == 7 and config.schedule == "cosine"


def test_missing_dataset_file_stops_with_the_location(
        tmp_path, monkeypatch, capsys):
    def offline(**kwargs):
        raise OSError("offline")

    monkeypatch.setattr(keras.utils, "get_file", offline)  # no network here
    with pytest.raises(SystemExit) as exit_info:
        train.main(["--run_dir", str(tmp_path / "run"), "--dataset", "ptb",
                    "--data_dir", str(tmp_path), "--export_dir", ""])
    assert exit_info.value.code == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("python -m apps.language_model.train: error: ")
    assert "ptb.train.txt" in line


def test_stateful_validation_scores_contiguous_streams_from_zero_state():
    config = tiny_train_config("unused", stateful=True, batch_size=4,
                               validation_examples=8)
    tokenizer = build_tokenizer(TINY_CORPUS.train, "char")
    ids = data.encode_split(tokenizer, TINY_CORPUS.validation)
    inputs, targets = train.validation_data(config, ids)
    assert inputs.shape == targets.shape == (8, 16)
    np.testing.assert_array_equal(inputs[4:, 0], targets[:4, -1])
    model_config = ModelConfig(vocabulary_size=tokenizer.vocabulary_size,
                               embedding_dim=4, units=6, num_layers=1)
    stateful = build_model(model_config, stateful_batch_size=4)
    stateless = build_model(model_config)
    stateless.set_weights(stateful.get_weights())
    train.compile_model(stateful, config)
    stateful.predict(inputs[4:], verbose=0)  # leaves non-zero states
    got = stateful.evaluate(inputs, targets, batch_size=4, verbose=0,
                            callbacks=[train.ResetStates()])
    streams = np.concatenate([inputs[:4], inputs[4:]], axis=1)  # (4, 32)
    next_ids = np.concatenate([targets[:4], targets[4:]], axis=1)
    logits = stateless.predict(streams, verbose=0).astype("float64")
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = -np.take_along_axis(log_probs, next_ids[..., None], -1).mean()
    assert got == pytest.approx(expected, rel=1e-4)
