import numpy as np
import pytest

from datasets import hershey_strokes
from datasets import strokes


def test_rendering_is_reproducible_and_noisy_per_seed():
    style = hershey_strokes.Style(slant=0.2, jitter=0.01, wobble=0.02,
                                  spacing=0.05)
    a = hershey_strokes.render_line("hello", style, np.random.default_rng(3))
    b = hershey_strokes.render_line("hello", style, np.random.default_rng(3))
    c = hershey_strokes.render_line("hello", style, np.random.default_rng(4))
    np.testing.assert_array_equal(a, b)
    assert a.shape == c.shape and not np.allclose(a, c)
    assert a.dtype == np.float32


def test_cursive_word_is_one_stroke_and_space_lifts_the_pen():
    word = hershey_strokes.render_line("mum")
    assert word[:, 2].sum() == 1  # joined letters: one pen lift, at the end
    two = hershey_strokes.render_line("mum mum")
    assert two[:, 2].sum() == 2
    assert len(two) == 2 * len(word)


def test_slant_shears_points_above_the_baseline():
    plain = hershey_strokes.render_polylines("l")
    slanted = hershey_strokes.render_polylines(
        "l", hershey_strokes.Style(slant=0.5))
    np.testing.assert_allclose(slanted[0][:, 1], plain[0][:, 1])
    np.testing.assert_allclose(
        slanted[0][:, 0], plain[0][:, 0] - 0.5 * plain[0][:, 1])
    top = np.argmin(plain[0][:, 1])
    assert plain[0][top, 1] < -10  # the ascender of "l" is above y = 0


def test_sample_lines_texts_and_sizes():
    rng = np.random.default_rng(0)
    lines, texts = hershey_strokes.sample_lines(rng, 20, max_chars=12)
    assert all(4 <= len(t) or " " not in t for t in texts)
    assert all(len(t) <= 12 for t in texts)
    assert set("".join(texts)) <= set(hershey_strokes.alphabet())
    for line, text in zip(lines, texts):
        width = strokes.to_absolute(line)[:, 0].max()
        assert 5 * len(text) < width < 25 * len(text)


def test_unknown_character_and_bad_style_are_errors():
    with pytest.raises(ValueError, match="cannot write"):
        hershey_strokes.render_line("caf\u00e9")
    with pytest.raises(ValueError, match="font='comic'"):
        hershey_strokes.Style(font="comic")
    with pytest.raises(ValueError, match="min_chars=5"):
        hershey_strokes.sample_text(np.random.default_rng(0), 5, 4)
