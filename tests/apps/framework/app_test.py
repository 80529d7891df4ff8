"""Tests for apps/framework/app.py: restore, and export refusing NaN weights."""

import dataclasses

import keras
import numpy as np
import pytest

from apps.framework import App, BaseTrainConfig, export_run, restore
from apps.framework.run_directory import save_checkpoint, save_run_config


@dataclasses.dataclass(frozen=True)
class _Model:
    units: int = 3


def _build(config, assets):
    return keras.Sequential([keras.Input((2,)),
                             keras.layers.Dense(config.units)])


TOY = App(name="toy", model_config=_Model, train_config=BaseTrainConfig,
          build_model=_build,
          load_assets=lambda run_dir, model, train: {"note": "kept"})


def _run(tmp_path, weights_fn=None):
    save_run_config(tmp_path, model=_Model(), train=BaseTrainConfig(
        run_dir=str(tmp_path)))
    model = _build(_Model(), {})
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((2, 2)), np.zeros((2, 3)), verbose=0)
    if weights_fn:
        model.set_weights(weights_fn(model.get_weights()))
    save_checkpoint(model, tmp_path, epoch=1)
    return model


def test_restore_rebuilds_weights_assets_and_counts(tmp_path, capsys):
    trained = _run(tmp_path)
    restored = restore(TOY, tmp_path)
    assert (restored.epoch, restored.step) == (1, 1)
    assert restored.assets == {"note": "kept"}
    assert restored.model_config == _Model()
    for a, b in zip(restored.model.get_weights(), trained.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert capsys.readouterr().err == ""


def _with_nan(weights):
    kernel, bias = weights
    kernel[0, 0] = np.nan
    return [kernel, bias]


def test_non_finite_weights_are_reported_at_restore(tmp_path, capsys):
    _run(tmp_path, _with_nan)
    restore(TOY, tmp_path)
    err = capsys.readouterr().err
    assert "non-finite weights in sequential" in err and "/kernel;" in err
    assert "export will refuse it" in err


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="exports need KERAS_BACKEND=tensorflow")
def test_export_refuses_non_finite_weights(tmp_path):
    _run(tmp_path / "run", _with_nan)
    with pytest.raises(ValueError, match="Refusing to export the checkpoint"):
        export_run(TOY, tmp_path / "run", tmp_path / "models")
    assert not (tmp_path / "models").exists()


def test_a_run_without_checkpoint_says_how_to_train(tmp_path):
    save_run_config(tmp_path, model=_Model(), train=BaseTrainConfig(
        run_dir=str(tmp_path)))
    with pytest.raises(FileNotFoundError,
                       match="python -m apps.toy.train --run_dir"):
        restore(TOY, tmp_path)
