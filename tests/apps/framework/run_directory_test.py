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


def _dropout_model():
    model = keras.Sequential([
        keras.Input((2,)), keras.layers.Dropout(0.5, seed=1),
        keras.layers.Dense(3)])
    model.compile(optimizer="adam", loss="mse")
    return model


def test_step_checkpoints_record_batch_step_and_seed_states(tmp_path):
    model = _dropout_model()
    x, y = np.ones((10, 2), "float32"), np.zeros((10, 3), "float32")
    model.fit(x, y, epochs=1, batch_size=2, verbose=0, callbacks=[
        run_directory.StepCheckpoint(tmp_path, every=2, first_batch=0)])
    state = run_directory.read_checkpoint_state(tmp_path)
    assert (state["epoch"], state["batch"], state["step"]) == (0, 4, 4)
    assert state["weights"] == "epoch_0000_batch_000004.weights.h5"
    files = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    assert files == ["checkpoint.json", "epoch_0000_batch_000002.weights.h5",
                     "epoch_0000_batch_000004.weights.h5"]
    (seed,) = run_directory.seed_states(model)
    restored = _dropout_model()
    assert run_directory.restore_checkpoint(restored, tmp_path) == 0
    (restored_seed,) = run_directory.seed_states(restored)
    assert state["seeds"] == [keras.ops.convert_to_numpy(
        restored_seed).tolist()]
    assert state["seeds"] != [keras.ops.convert_to_numpy(seed).tolist()]
    # (the last batch drew a dropout mask after the checkpoint at step 4)


def test_epoch_ends_sort_after_their_batches_when_pruning(tmp_path):
    model = _model()
    for epoch, batch in ((0, 30), (1, 0), (1, 7), (1, 30)):
        run_directory.save_checkpoint(model, tmp_path, epoch, keep=2,
                                      batch=batch)
    files = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    assert files == ["checkpoint.json", "epoch_0001_batch_000007.weights.h5",
                     "epoch_0001_batch_000030.weights.h5"]


def test_a_non_chief_worker_writes_no_checkpoint(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {"worker": ["a:1", "b:2"]},'
                       ' "task": {"type": "worker", "index": 1}}')
    assert run_directory.save_checkpoint(_model(), tmp_path, epoch=1) is None
    assert not (tmp_path / "checkpoints").exists()


def test_step_checkpoint_needs_a_positive_interval():
    with pytest.raises(ValueError, match="Received `every=0`; expected a "
                       "positive int"):
        run_directory.StepCheckpoint("runs/x", every=0)


def test_a_step_on_an_epoch_end_is_left_to_the_epoch_checkpoint(
        tmp_path, monkeypatch):
    saved = []
    monkeypatch.setattr(run_directory, "save_checkpoint",
                        lambda *args, **kwargs: saved.append(kwargs["batch"]))
    model = _model()
    model.fit(np.ones((8, 2)), np.zeros((8, 3)), epochs=2, batch_size=2,
              verbose=0, callbacks=[run_directory.StepCheckpoint(tmp_path, 2)])
    assert saved == [2, 2]  # steps 2 and 6; 4 and 8 end an epoch
