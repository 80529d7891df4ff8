import json

import numpy as np
import pytest

from apps.handwriting import data
from datasets import strokes as stroke_format
from datasets.files import CorruptFileError
from datasets.iam_ondb import StrokeLines
from tests.apps.handwriting.conftest import tiny_train_config


def _lines(lengths, texts=None):
    strokes = [np.full((n, 3), [1.0, -1.0, 0.0], np.float32) for n in lengths]
    texts = texts or ["ab"] * len(lengths)
    return StrokeLines(strokes, texts, [f"l-{i}" for i in range(len(lengths))])


def test_padded_batch_shifts_targets_and_weights_real_points():
    lines = [np.arange(12, dtype=np.float32).reshape(4, 3),
             np.ones((2, 3), np.float32)]
    inputs, targets, weights = data.padded_batch(
        lines, ["ab", "b"], "ab", 3, synthesis=True)
    assert inputs["strokes"].shape == (2, data.POINT_BUCKET, 3)
    np.testing.assert_array_equal(inputs["strokes"][0, 0], data.START_POINT)
    np.testing.assert_array_equal(inputs["strokes"][0, 1:4], lines[0][:3])
    np.testing.assert_array_equal(targets[0, :4], lines[0])
    assert weights.sum(axis=1).tolist() == [4, 2]
    np.testing.assert_array_equal(targets[1, 2:], 0)
    assert inputs["text"].tolist() == [[1, 2, 0], [2, 0, 0]]
    prediction, _, _ = data.padded_batch(lines, ["", ""], "", 0, False)
    assert set(prediction) == {"strokes"}


def test_batches_group_lengths_longest_first():
    lines = _lines([5, 40, 7, 70, 33, 100])
    batches = data.length_sorted_batches(
        lines, 3, np.random.default_rng(0), "ab", 2, True)
    steps = [b[0]["strokes"].shape[1] for b in batches]
    assert steps[0] == 128 and steps[1] == 32  # longest, then shortest
    assert sorted(b[2].sum() for b in batches) == [12, 73, 170]
    with pytest.raises(ValueError, match="raise --max_points"):
        data.length_sorted_batches(lines, 7, None, "ab", 2, True)


def test_normalized_clips_and_bounds_lengths():
    stats = stroke_format.NormalizationStats((2.0, 0.5))
    lines = _lines([3, 9])
    lines.strokes[0][0, 0] = 100.0
    kept = data.normalized(lines, stats, clip=10.0, max_points=5,
                           keep_long=False)
    assert kept.ids == ["l-0"]
    np.testing.assert_allclose(kept.strokes[0][:, :2],
                               [[10, -2], [0.5, -2], [0.5, -2]])
    cut = data.normalized(lines, stats, 10.0, 5, keep_long=True)
    assert [len(s) for s in cut.strokes] == [3, 5]


def test_downsampling_comes_before_the_length_bound_and_the_stats(tmp_path):
    stats = stroke_format.NormalizationStats((1.0, 1.0))
    lines = _lines([9, 12])  # one stroke each: 5 and 6 points kept
    kept = data.normalized(lines, stats, 10.0, max_points=5,
                           keep_long=False, downsample=2)
    assert kept.ids == ["l-0"] and len(kept.strokes[0]) == 5
    np.testing.assert_allclose(kept.strokes[0][1:, :2], [[2, -2]] * 4)
    config = tiny_train_config(tmp_path, dataset="iam_ondb", downsample=2)
    assets = data.prepare_assets(tmp_path, config, lines, lines)
    expected = stroke_format.normalization_stats(
        data.downsampled(lines, 2).strokes)
    assert assets["stats"] == expected != stroke_format.normalization_stats(
        lines.strokes)


def test_encode_texts_rejects_unknown_and_long_texts():
    assert data.encode_texts(["ba"], "ab", 2).tolist() == [[2, 1]]
    with pytest.raises(ValueError, match="outside the model's alphabet"):
        data.encode_texts(["abc"], "ab", 4)
    with pytest.raises(ValueError, match="at most 2"):
        data.encode_texts(["aba"], "ab", 2)


def test_assets_are_written_once_and_corruption_is_named(tmp_path):
    config = tiny_train_config(tmp_path)
    _, validation = data.load_split(config)
    assets = data.prepare_assets(tmp_path, config, None, validation)
    assert " " in assets["alphabet"] and "e" in assets["alphabet"]
    assert all(s > 0 for s in assets["stats"].std)
    again = data.prepare_assets(tmp_path, config, None, validation)
    assert again == assets
    (tmp_path / data.ALPHABET_FILE).write_text(json.dumps({"x": 1}))
    with pytest.raises(CorruptFileError, match="lacks the string"):
        data.load_assets(tmp_path)
    (tmp_path / data.ALPHABET_FILE).write_text("{")
    with pytest.raises(ValueError, match="alphabet.json is not valid JSON"):
        data.load_assets(tmp_path)


def test_hershey_validation_is_fixed_and_prefix_stable():
    config = tiny_train_config("unused")
    _, four = data.load_split(config)
    _, eight = data.load_split(config, hershey_validation=8)
    assert len(four) == 4 and len(eight) == 8
    assert eight.texts[:4] == four.texts
    np.testing.assert_array_equal(eight.strokes[0], four.strokes[0])


def test_sketch_rnn_needs_a_path():
    config = tiny_train_config("unused", dataset="sketch_rnn")
    with pytest.raises(FileNotFoundError, match="--data_dir"):
        data.load_split(config)
