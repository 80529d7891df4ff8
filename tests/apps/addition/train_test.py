"""Tests for apps/addition/train.py (resume and CLI: tests/apps/contract_test.py)."""


import keras
import numpy as np
import pytest

from apps.addition import train
from apps.addition.model import ModelConfig, build_model
from apps.addition.config import APP, TrainConfig
from apps.framework import restore
from apps.framework import run_train
from apps.framework.run_directory import save_run_config
from tests.apps.addition.conftest import TINY_MODEL
from tests.apps.addition.conftest import tiny_train_config as _tiny_train

def test_two_steps_give_finite_loss_and_change_every_weight(tmp_path, capsys):
    keras.utils.set_random_seed(0)
    initial = build_model(TINY_MODEL).get_weights()
    keras.utils.set_random_seed(0)
    export_dir = tmp_path / "saved_models" / "addition"
    config = _tiny_train(tmp_path, export_dir=str(export_dir))
    model = train.train(TINY_MODEL, config, verbose=0)
    # Training ends with an export; off TensorFlow, by running the export
    # command in a TensorFlow subprocess.
    assert (export_dir / "1" / "saved_model.pb").is_file()
    if keras.backend.backend() != "tensorflow":
        assert ("KERAS_BACKEND=tensorflow python -m apps.addition.export "
                "--run_dir") in capsys.readouterr().out
    for before, after in zip(initial, model.get_weights()):
        assert before.shape == after.shape
        assert not np.allclose(before, after)
    inputs, targets = train.epoch_problems(config, 0)
    logits = model.predict(inputs[:16], verbose=0)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(
        targets[:16], logits
    )
    assert np.isfinite(float(loss))
    if keras.backend.backend() == "tensorflow":  # tensorboard is installed
        assert list((tmp_path / "logs" / "train").glob("events.out.*"))


def test_resume_with_other_model_config_is_refused(tmp_path):
    save_run_config(tmp_path, model=TINY_MODEL, train=_tiny_train(tmp_path))
    with pytest.raises(ValueError, match="new --run_dir"):
        train.train(ModelConfig(units=5), _tiny_train(tmp_path), verbose=0)


def test_epoch_data_is_deterministic_per_epoch():
    config = _tiny_train("unused")
    first, _ = train.epoch_problems(config, 0)
    again, _ = train.epoch_problems(config, 0)
    other, _ = train.epoch_problems(config, 1)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize(
    "overrides, match",
    [({"epochs": 0}, "epochs"), ({"learning_rate": 0.0}, "learning_rate"),
     ({"run_dir": ""}, "run_dir"), ({"max_digits": 40}, "max_digits")],
)
def test_train_config_validation(overrides, match):
    with pytest.raises(ValueError, match=match):
        _tiny_train(overrides.pop("run_dir", "unused"), **overrides)


def test_missing_run_dir_has_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="config.json"):
        restore(APP, tmp_path)


@pytest.mark.large
def test_default_training_reaches_exact_match_on_held_out_sums(tmp_path):
    """The issue's target: 100% on held-out 3-digit sums (about 20 s)."""
    from apps.addition import evaluate

    keras.utils.set_random_seed(0)
    config = TrainConfig(run_dir=str(tmp_path), export_dir="")
    train.train(ModelConfig(), config, verbose=0)
    three, five = evaluate.evaluate(str(tmp_path), [3, 5], 2000, 0)
    assert three["exact_match"] == 1.0
    assert five["exact_match"] >= 0.95


def test_demo_has_help(capsys):
    from apps.addition import demo

    with pytest.raises(SystemExit) as exit_info:
        demo.main(["--help"])
    assert exit_info.value.code == 0
    assert "--seed" in capsys.readouterr().out


def test_main_parses_flags_into_configs(tmp_path):
    received = []
    run_train(
        APP, lambda *configs: received.append(configs), train.build_parser(),
        ["--run_dir", str(tmp_path), "--epochs", "1", "--steps_per_epoch", "1",
         "--batch_size", "4", "--validation_examples", "0", "--units", "3",
         "--embedding_dim", "2", "--export_dir", ""],
    )
    ((model_config, train_config),) = received
    assert model_config == ModelConfig(embedding_dim=2, units=3)
    assert train_config.steps_per_epoch == 1 and train_config.export_dir == ""
