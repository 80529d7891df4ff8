"""Tests for apps/handwriting/train.py (resume, CLI: tests/apps/contract_test.py)."""

import keras
import numpy as np
import pytest

from apps.handwriting import data
from apps.handwriting import train
from apps.handwriting.model import ModelConfig, build_model
from apps.handwriting.sampling import NetworkStep
from datasets import hershey_strokes
from datasets import strokes as stroke_format
from tests.apps.handwriting.conftest import TINY_MODEL
from tests.apps.handwriting.conftest import TINY_PREDICTION
from tests.apps.handwriting.conftest import tiny_train_config
from rnn_layers import MixtureDensityLoss
from tests.datasets.conftest import shared_dir


@pytest.mark.parametrize("model_config", [TINY_MODEL, TINY_PREDICTION],
                         ids=["synthesis", "prediction"])
def test_two_steps_give_finite_loss_and_change_every_weight(
        tmp_path, model_config):
    # (That `train` ends with an export: tests/apps/contract_test.py.)
    keras.utils.set_random_seed(0)
    config = tiny_train_config(tmp_path)
    alphabet = data.prepare_assets(
        tmp_path, config, None, data.load_split(config)[1])["alphabet"]
    initial = build_model(model_config, len(alphabet)).get_weights()
    keras.utils.set_random_seed(0)
    model = train.train(model_config, config, verbose=0)
    for before, after in zip(initial, model.get_weights()):
        assert not np.allclose(before, after)
    batch = train.epoch_lines(config, None, 0)[0]
    assert len(batch) == 8 and all(np.isfinite(s).all()
                                   for s in batch.strokes)


def test_sketches_refuse_the_synthesis_network(tmp_path):
    config = tiny_train_config(tmp_path, dataset="sketch_rnn",
                               data_dir="x.npz")
    with pytest.raises(ValueError, match="--network prediction"):
        train.train(TINY_MODEL, config, verbose=0)


def test_epoch_lines_are_deterministic_per_epoch():
    config = tiny_train_config("unused")
    first, _ = train.epoch_lines(config, None, 0)
    again, _ = train.epoch_lines(config, None, 0)
    other, _ = train.epoch_lines(config, None, 1)
    assert first.texts == again.texts and first.texts != other.texts
    np.testing.assert_array_equal(first.strokes[0], again.strokes[0])


def test_tiny_synthesis_model_overfits_and_its_window_walks_the_text():
    keras.utils.set_random_seed(0)
    # Each first letter starts two texts that differ in the last letter,
    # so the network must read the text to its end.
    texts = ["mum", "mun", "nmu", "nmn", "umm", "umn"]
    lines = [hershey_strokes.render_line(t) for t in texts]
    stats = stroke_format.normalization_stats(lines)
    lines = [stroke_format.normalize(line, stats) for line in lines]
    config = ModelConfig(units=16, num_layers=1, num_mixtures=2,
                         num_window_components=1, kappa_scale=0.04)
    model = build_model(config, 3)
    model.compile(keras.optimizers.Adam(0.02),
                  MixtureDensityLoss(2, output_gradient_clip=100.0))
    inputs, targets, weights = data.padded_batch(lines, texts, "mnu", 3, True)
    first = model.train_on_batch(inputs, targets, sample_weight=weights)
    for _ in range(250):
        last = model.train_on_batch(inputs, targets, sample_weight=weights)
    assert last < first - 3.0
    step = NetworkStep(model, config)
    states = step.initial_cache(len(texts))
    characters = keras.ops.one_hot(inputs["text"], 4)
    peaks = []
    for t in range(len(lines[0])):
        _, phi, states = step(inputs["strokes"][:, t], states, characters,
                              inputs["text"] != 0)
        peaks.append(np.argmax(keras.ops.convert_to_numpy(phi), axis=1))
    peaks = np.stack(peaks, axis=1)  # (lines, points)
    # The window's peak walks the text: first character, second, third.
    assert (np.diff(peaks, axis=1) >= 0).all()
    assert (peaks[:, 0] == 0).all() and (peaks[:, -1] >= 2).all()
    for row in peaks:
        steps = np.bincount(row, minlength=3)[:3]
        assert (steps >= 8).all(), steps  # some points on every letter


def test_one_step_on_real_iam_lines(tmp_path):
    folder = shared_dir("iam_ondb_strokes", "iam_ondb_lines.npz")
    config = tiny_train_config(tmp_path, dataset="iam_ondb",
                               data_dir=str(folder), max_points=300,
                               steps_per_epoch=1)
    train.train(TINY_MODEL, config, verbose=0)
    assets = data.load_assets(tmp_path)
    assert len(assets["alphabet"]) == 81
    assert 20 < assets["stats"].std[0] < 60
