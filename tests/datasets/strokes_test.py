import numpy as np
import pytest

from datasets import strokes


def _random_strokes(rng, count=12):
    offsets = np.round(rng.normal(0, 20, size=(count, 2)), 3)
    pen = (rng.random(count) < 0.3).astype(float)
    pen[-1] = 1.0
    return np.column_stack([offsets, pen])


def test_absolute_and_offsets_are_inverse():
    rng = np.random.default_rng(0)
    s = _random_strokes(rng)
    np.testing.assert_allclose(strokes.to_offsets(strokes.to_absolute(s)), s,
                               atol=1e-9)
    assert strokes.to_absolute([[1, 2, 0], [3, -4, 1]]).tolist() == [
        [1, 2, 0], [4, -2, 1]]


def test_polylines_round_trip_and_pen_up_marks_stroke_ends():
    lines = [np.array([[0.0, 0.0], [2.0, 1.0], [3.0, 3.0]]),
             np.array([[5.0, 0.0]]),
             np.array([[1.0, 4.0], [1.0, 6.0]])]
    s = strokes.polylines_to_strokes(lines)
    assert s[:, 2].tolist() == [0, 0, 1, 1, 0, 1]
    assert s[3].tolist() == [2.0, -3.0, 1.0]  # a move from (3, 3) to (5, 0)
    back = strokes.strokes_to_polylines(s)
    assert [b.tolist() for b in back] == [line.tolist() for line in lines]


def test_stroke5_round_trip_and_padding():
    s = np.array([[1, 2, 0], [3, 4, 1], [-1, 0, 1]], float)
    big = strokes.to_stroke5(s, 5)
    assert big.tolist() == [
        [1, 2, 1, 0, 0], [3, 4, 0, 1, 0], [-1, 0, 0, 1, 0],
        [0, 0, 0, 0, 1], [0, 0, 0, 0, 1]]
    np.testing.assert_array_equal(strokes.to_stroke3(big), s)
    with pytest.raises(ValueError, match="max_length=2"):
        strokes.to_stroke5(s, 2)


def test_svg_round_trip():
    rng = np.random.default_rng(1)
    s = _random_strokes(rng, 40)
    s[5, 2] = s[6, 2] = 1.0  # a one-point stroke (a dot) at row 6
    svg = strokes.strokes_to_svg(s, stroke_width=2.0)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    np.testing.assert_allclose(strokes.svg_to_strokes(svg), s, atol=2e-3)
    assert svg.count(" M") + 1 == int(s[:, 2].sum())  # one M per stroke


def test_svg_frames_points_and_rejects_other_commands():
    svg = strokes.strokes_to_svg([[0, 0, 0], [10, -4, 1]], padding=1)
    assert 'viewBox="-1 -5 12 6"' in svg
    assert 'd="M0 0 L10 -4"' in svg
    empty = strokes.strokes_to_svg(np.zeros((0, 3)))
    assert strokes.svg_to_strokes(empty).shape == (0, 3)
    with pytest.raises(ValueError, match="only absolute M and L"):
        strokes.svg_to_strokes('<svg><path d="M0 0 C1 1 2 2 3 3"/></svg>')


def test_normalization_and_clipping():
    data = [np.array([[3.0, -4.0, 0], [-3.0, 4.0, 1]]),
            np.array([[3.0, 4.0, 1]])]
    stats = strokes.normalization_stats(data)
    assert stats.std == pytest.approx((3.0, 4.0))
    normal = strokes.normalize(data[0], stats)
    assert normal.tolist() == [[1, -1, 0], [-1, 1, 1]]
    np.testing.assert_allclose(strokes.denormalize(normal, stats), data[0])
    assert stats.log_scale() == pytest.approx(np.log(12.0))
    assert strokes.NormalizationStats.from_json(stats.to_json()) == stats
    clipped = strokes.clip_offsets([[500, -3, 0], [-900, 2, 1]], 100)
    assert clipped.tolist() == [[100, -3, 0], [-100, 2, 1]]


@pytest.mark.parametrize("factor", [2, 3])
def test_downsample_keeps_points_in_place_and_every_lift(factor):
    line = _random_strokes(np.random.default_rng(factor), count=40)
    fewer = strokes.downsample(line, factor)
    assert len(line) / factor <= len(fewer) < len(line)
    assert fewer[:, 2].sum() == line[:, 2].sum()
    # Each kept point is one of the line's absolute points, in order, and
    # every stroke ends where it ended.
    kept = strokes.to_absolute(fewer)
    points = strokes.to_absolute(line)
    rows = [int(np.flatnonzero(np.all(
        np.isclose(points[:, :2], point[:2]), axis=1))[0]) for point in kept]
    assert rows == sorted(rows) and rows[-1] == len(line) - 1
    np.testing.assert_array_equal(np.flatnonzero(points[:, 2]),
                                  [r for r in rows if points[r, 2]])
    np.testing.assert_array_equal(strokes.downsample(line, 1), line)
    assert strokes.downsample(np.zeros((0, 3)), 2).shape == (0, 3)


def test_bad_inputs_name_the_argument(tmp_path):
    with pytest.raises(ValueError, match=r"shape \(4,\)"):
        strokes.to_absolute(np.zeros(4))
    with pytest.raises(ValueError, match="factor=0"):
        strokes.downsample(np.zeros((1, 3)), 0)
    with pytest.raises(ValueError, match="limit=0"):
        strokes.clip_offsets(np.zeros((1, 3)), 0)
    with pytest.raises(ValueError, match="std="):
        strokes.NormalizationStats((1.0, 0.0))
    bad = tmp_path / "stats.json"
    bad.write_text("{")
    with pytest.raises(ValueError, match="stats.json is not a stroke"):
        strokes.NormalizationStats.load(bad)
