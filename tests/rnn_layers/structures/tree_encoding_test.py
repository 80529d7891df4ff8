"""Tests of the PTB tree parser and the batched tree encoding."""

import numpy as np
import pytest

from rnn_layers.structures.tree_encoding import encode_trees
from rnn_layers.structures.tree_encoding import parse_ptb_tree


def test_parse_sst_tree():
    tree = parse_ptb_tree("(3 (2 It) (4 (2 's) (3 great)))")
    assert tree == ("3", [("2", "It"), ("4", [("2", "'s"), ("3", "great")])])


def test_parse_ptb_tree_with_unary_chain():
    tree = parse_ptb_tree("(S (NP (NN cats)) (VP (VBP purr)))")
    assert tree == (
        "S", [("NP", [("NN", "cats")]), ("VP", [("VBP", "purr")])]
    )


@pytest.mark.parametrize(
    "text, match",
    [
        ("3 (2 a)", "starting with"),
        ("(3 (2 a) (1 b)", "unbalanced"),
        ("(3 (2 a)) (1 b)", "after the root"),
        ("(3 a (1 b))", "leaf holding"),
        ("(3 ())", "unlabelled"),
    ],
)
def test_parse_errors(text, match):
    with pytest.raises(ValueError, match=match):
        parse_ptb_tree(text)


def test_encode_batch():
    arrays = encode_trees(
        ["(3 (2 It) (4 (2 's) (3 great)))", "(1 (0 a) (1 b))"],
        {"It": 2, "great": 3, "a": 4},
    )
    np.testing.assert_array_equal(
        arrays["tokens"], [[2, 1, 3, 0, 0], [4, 1, 0, 0, 0]]
    )
    np.testing.assert_array_equal(
        arrays["children"][0], [[-1, -1], [-1, -1], [-1, -1], [1, 2], [0, 3]]
    )
    np.testing.assert_array_equal(
        arrays["levels"], [[0, 0, 0, 1, 2], [0, 0, 1, -1, -1]]
    )
    np.testing.assert_array_equal(
        arrays["labels"], [[2, 2, 3, 4, 3], [0, 1, 1, -1, -1]]
    )


def test_encode_checks_fan_out():
    with pytest.raises(ValueError, match="max_children=2"):
        encode_trees(["(0 (0 a) (0 b) (0 c))"], {}, max_children=2)
    wide = encode_trees(["(0 (0 a) (0 b) (0 c))"], {})
    assert wide["children"].shape == (1, 4, 3)
