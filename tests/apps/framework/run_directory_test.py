"""Tests for apps/framework/run_directory.py: configs, checkpoints, resume."""

import dataclasses

import keras
import numpy as np
import pytest

from apps.framework import run_directory


@dataclasses.dataclass(frozen=True)
class _Config:
    units: int = 3
    name: str = "tiny"


def _model():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    model.compile(optimizer="adam", loss="mse")
    return model


def test_config_round_trip(tmp_path):
    run_directory.save_run_config(tmp_path, model=_Config(units=7))
    (config,) = run_directory.load_run_config(
        tmp_path, "python -m apps.x.train", model=_Config
    )
    assert config == _Config(units=7)


def test_missing_config_says_which_command_makes_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m apps.x.train"):
        run_directory.load_run_config(tmp_path, "python -m apps.x.train",
                                      model=_Config)


def test_checkpoints_keep_the_last_and_restore_weights_and_steps(tmp_path):
    model = _model()
    x, y = np.ones((4, 2), "float32"), np.zeros((4, 3), "float32")
    model.fit(
        x, y, epochs=3, batch_size=2, verbose=0,
        callbacks=[run_directory.EpochCheckpoint(tmp_path, keep=2)],
    )
    state = run_directory.read_checkpoint_state(tmp_path)
    assert (state["epoch"], state["step"]) == (3, 6)
    files = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    assert files == [
        "checkpoint.json", "epoch_0002.weights.h5", "epoch_0003.weights.h5"
    ]
    restored = _model()
    assert run_directory.restore_checkpoint(restored, tmp_path) == 3
    assert int(keras.ops.convert_to_numpy(restored.optimizer.iterations)) == 6
    for a, b in zip(restored.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b)


def test_no_checkpoint_leaves_the_model_alone(tmp_path):
    assert run_directory.read_checkpoint_state(tmp_path) is None
    assert run_directory.restore_checkpoint(_model(), tmp_path) == 0


def _checkpointed(tmp_path):
    model = _model()
    model.fit(np.ones((2, 2)), np.zeros((2, 3)), epochs=1, verbose=0,
              callbacks=[run_directory.EpochCheckpoint(tmp_path)])
    return tmp_path / "checkpoints"


def test_corrupt_config_names_the_file(tmp_path):
    (tmp_path / "config.json").write_text('{"model": {"units": 3')
    with pytest.raises(ValueError, match=r"config.json is not valid JSON"):
        run_directory.load_run_config(tmp_path, "python -m apps.x.train",
                                      model=_Config)
    (tmp_path / "config.json").write_text('{"model": {"layers": 3}}')
    with pytest.raises(ValueError, match=r"fields \['layers'\] that _Config"):
        run_directory.load_run_config(tmp_path, "python -m apps.x.train",
                                      model=_Config)


def test_truncated_checkpoint_record_names_the_file(tmp_path):
    folder = _checkpointed(tmp_path)
    record = folder / "checkpoint.json"
    record.write_text(record.read_text()[:10])
    with pytest.raises(ValueError, match=f"{record} is not valid JSON"):
        run_directory.read_checkpoint_state(tmp_path)


def test_truncated_weights_name_the_file_and_the_fix(tmp_path):
    folder = _checkpointed(tmp_path)
    weights = folder / "epoch_0001.weights.h5"
    weights.write_bytes(weights.read_bytes()[:300])
    with pytest.raises(ValueError) as error:
        run_directory.restore_checkpoint(_model(), tmp_path)
    message = str(error.value)
    assert f"Checkpoint {weights} cannot be read" in message
    assert "to train from scratch" in message
    weights.unlink()
    with pytest.raises(FileNotFoundError, match="which is missing"):
        run_directory.restore_checkpoint(_model(), tmp_path)


def test_renamed_fields_of_older_runs_still_load(tmp_path):
    (tmp_path / "config.json").write_text('{"model": {"layers": 5}}')
    (config,) = run_directory.load_run_config(
        tmp_path, "python -m apps.x.train", {"layers": "units"},
        model=_Config)
    assert config == _Config(units=5)
