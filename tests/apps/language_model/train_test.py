"""Tests for apps/language_model/train.py: overfitting, resume, CLI."""

import importlib
import json

import keras
import numpy as np
import pytest

from apps.language_model import data, train
from apps.language_model.generate import complete
from apps.language_model.model import ModelConfig, build_model
from apps.language_model.tokenizer import Tokenizer
from saved_models.run_directory import read_checkpoint_state
from tests.apps.language_model.conftest import (
    LINE, TINY_CORPUS, TINY_MODEL, tiny_train_config)


def test_tiny_model_memorises_the_corpus_and_generates_it(trained_run):
    run_dir, model = trained_run
    model_config, config = train.load_config(run_dir)
    assert model_config.vocabulary_size == 2 + len(set(LINE))
    tokenizer = train.load_tokenizer(run_dir, "char")
    inputs, targets = train.epoch_data(
        config, np.concatenate([[tokenizer.start_id],
                                tokenizer.encode(TINY_CORPUS.train)]), 0)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(
        targets[:32], model.predict(inputs[:32], verbose=0))
    assert float(loss) < 0.3
    text = complete(model, tokenizer, ["the quick", ""], len(LINE) - 9)
    assert text[0] == LINE[9:]
    assert text[1] == LINE[: len(LINE) - 9]
    if keras.backend.backend() == "tensorflow":  # tensorboard is installed
        assert list((run_dir / "logs" / "train").glob("events.out.*"))


class _Interrupted(Exception):
    """Stands in for a crash in the middle of training."""


def test_interrupted_run_resumes_and_continues_the_step_count(
        tmp_path, monkeypatch):
    config = tiny_train_config(tmp_path, epochs=3)
    real_callbacks = train.training_callbacks
    started = []

    class CrashInEpochTwo(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            started.append(epoch)

        def on_train_batch_begin(self, batch, logs=None):
            if started == [0, 1]:
                raise _Interrupted  # a crash or Ctrl-C in epoch two

    monkeypatch.setattr(
        train,
        "training_callbacks",
        lambda run_dir: real_callbacks(run_dir) + [CrashInEpochTwo()],
    )
    with pytest.raises(_Interrupted):
        train.train(TINY_MODEL, config, verbose=0, corpus=TINY_CORPUS)
    assert read_checkpoint_state(tmp_path)["step"] == 2
    resumed = train.train(TINY_MODEL, config, verbose=0, corpus=TINY_CORPUS)
    assert started == [0, 1, 1, 2]
    state = read_checkpoint_state(tmp_path)
    assert (state["epoch"], state["step"]) == (3, 6)
    assert int(keras.ops.convert_to_numpy(resumed.optimizer.iterations)) == 6
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["train"]["epochs"] == 3 and saved["model"]["units"] == 48
    restored, tokenizer, _, _ = train.restore_model(tmp_path)
    ids = tokenizer.encode("the lazy")[None]
    np.testing.assert_allclose(restored.predict(ids, verbose=0),
                               resumed.predict(ids, verbose=0), atol=1e-6)


def test_stateful_truncated_bptt_trains_and_restores_stateless(tmp_path):
    config = tiny_train_config(tmp_path, stateful=1, batch_size=4,
                               optimizer="sgd", learning_rate=1.0,
                               schedule="step", decay_every=1)
    model = train.train(ModelConfig(embedding_dim=4, units=6, num_layers=2,
                                    dropout=0.1, tie_embeddings=True),
                        config, verbose=0, corpus=TINY_CORPUS)
    assert not any(getattr(l, "stateful", False) for l in model.layers)
    restored, _, _, _ = train.restore_model(tmp_path)
    ids = np.ones((3, 5), "int32")
    np.testing.assert_allclose(restored.predict(ids, verbose=0),
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
    ({"poems": "modern"}, "poems"), ({"decay_rate": 0.0}, "decay_rate")])
def test_train_config_validation(overrides, match):
    with pytest.raises(ValueError, match=match):
        tiny_train_config("unused", **overrides)


def test_missing_run_dir_has_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="config.json"):
        train.restore_model(tmp_path)


@pytest.mark.parametrize("module", ["train", "generate", "evaluate", "export"])
def test_every_entry_point_has_help(module, capsys):
    entry = importlib.import_module(f"apps.language_model.{module}")
    with pytest.raises(SystemExit) as exit_info:
        entry.main(["--help"])
    assert exit_info.value.code == 0
    assert "--seed" in capsys.readouterr().out


def test_main_parses_flags_into_configs(tmp_path, monkeypatch):
    received = []
    monkeypatch.setattr(train, "train", lambda *configs: received.append(configs))
    train.main(["--run_dir", str(tmp_path), "--units", "3", "--cell", "gru",
                "--tie_embeddings", "true", "--stateful", "1",
                "--dataset", "ptb", "--export_dir", ""])
    ((model_config, config),) = received
    assert model_config == ModelConfig(units=3, cell="gru",
                                       tie_embeddings=True)
    assert config.stateful == 1 and config.dataset == "ptb"


def test_missing_dataset_file_stops_with_the_location(tmp_path, monkeypatch):
    def offline(**kwargs):
        raise OSError("offline")

    monkeypatch.setattr(keras.utils, "get_file", offline)  # no network here
    with pytest.raises(SystemExit, match="ptb.train.txt"):
        train.main(["--run_dir", str(tmp_path / "run"), "--dataset", "ptb",
                    "--data_dir", str(tmp_path), "--export_dir", ""])


def test_stateful_validation_scores_contiguous_streams_from_zero_state():
    config = tiny_train_config("unused", stateful=1, batch_size=4,
                               validation_windows=8)
    tokenizer = Tokenizer(data.corpus_vocabulary(TINY_CORPUS), "char")
    ids = data.encode_split(tokenizer, TINY_CORPUS.validation)
    inputs, targets = train.validation_data(config, ids)
    assert inputs.shape == targets.shape == (8, 16)
    np.testing.assert_array_equal(inputs[4:, 0], targets[:4, -1])
    model_config = train.model_config_for(TINY_MODEL, tokenizer)
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
