"""Tests for apps/addition/data.py."""

import numpy as np
import pytest

from apps.addition import data


def test_encode_matches_the_seed_notes_layout():
    inputs, targets = data.encode(np.array([123, 144]), np.array([456, 177]), 4)
    assert inputs.shape == (2, 4, 2) and inputs.dtype == np.int32
    assert inputs[0].tolist() == [[3, 6], [2, 5], [1, 4], [0, 0]]
    assert targets.tolist() == [[9, 7, 5, 0], [1, 2, 3, 0]]  # 144+177=321
    assert data.decode(targets) == ["579", "321"]
    assert data.decode(np.zeros((1, 3), int)) == ["0"]


def test_encode_rejects_numbers_that_do_not_fit():
    with pytest.raises(ValueError, match="num_steps=3"):
        data.encode(np.array([999]), np.array([1]), 3)  # 1000 needs 4
    with pytest.raises(ValueError, match="non-negative"):
        data.encode(np.array([-1]), np.array([1]), 3)


def test_sample_operands_lengths_and_determinism():
    a, b = data.sample_operands(np.random.default_rng(0), 3000, 3)
    again, _ = data.sample_operands(np.random.default_rng(0), 3000, 3)
    np.testing.assert_array_equal(a, again)
    lengths = np.char.str_len(a.astype(str))
    assert set(np.unique(lengths)) == {1, 2, 3}
    # Lengths are drawn uniformly, so short numbers stay common.
    assert abs((lengths == 1).mean() - 1 / 3) < 0.05
    a, b = data.sample_operands(np.random.default_rng(1), 50, 5, min_digits=5)
    assert ((a >= 10_000) & (a < 100_000)).all()
    assert ((b >= 10_000) & (b < 100_000)).all()


def test_held_out_pairs_never_reach_training():
    rng = np.random.default_rng(0)
    a, b = data.sample_operands(rng, 5000, 3)
    assert not data.is_held_out(a, b).any()
    a, b = data.sample_operands(rng, 500, 3, held_out=True)
    assert data.is_held_out(a, b).all()
    grid_a, grid_b = np.meshgrid(np.arange(1000), np.arange(1000))
    share = data.is_held_out(grid_a, grid_b).mean()
    assert abs(share - 1 / data.HELD_OUT_MODULUS) < 0.005
    # Spread over last digits (no digit is never seen in training).
    held = data.is_held_out(grid_a, grid_b)
    for digit in range(10):
        assert 0.03 < held[grid_a % 10 == digit].mean() < 0.07


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"num_examples": -1, "max_digits": 3}, "num_examples"),
        ({"num_examples": 1, "max_digits": 0}, "max_digits"),
        ({"num_examples": 1, "max_digits": 30}, "max_digits"),
        ({"num_examples": 1, "max_digits": 2, "min_digits": 3}, "min_digits"),
    ],
)
def test_sample_operands_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.sample_operands(np.random.default_rng(0), **kwargs)


def test_parse_and_format_problems():
    assert data.parse_problem(" 12 + 3 ") == (12, 3)
    assert data.format_problems([12, 0], [3, 5]) == ["12+3", "0+5"]
    for bad in ["", "1+", "+1", "1+2+3", "a+1", "-1+2", "１+２", "1" * 18 + "+1"]:
        with pytest.raises(ValueError, match="Received problem"):
            data.parse_problem(bad)
