"""Tests of TreeRNN against the seed's recursive equations."""

import numpy as np
import pytest

from rnn_layers.structures.tree_encoding import encode_trees
from rnn_layers.structures.tree_rnn import TreeRNN
from tests.rnn_layers.cells import variant_checks
from tests.rnn_layers.structures import structure_references
from tests.rnn_layers.structures.tree_lstm_test import tree_inputs
from tests.test_case import assert_close


def test_seed_example():
    """h_3 = f(W [h_1; h_2] + b) over h_1 = f(W [x_1; x_2] + b) and
    h_2 = f(W [x_3; x_4] + b), leaves as their own vectors (004, 递归神经网络):
    leaves get x W = x (identity kernel, zero bias at leaves' level)."""
    arrays = encode_trees(
        ["(0 (0 (0 a) (0 b)) (0 (0 c) (0 d)))"], {w: 2 for w in "abcd"}
    )
    x = np.zeros((1, 7, 2), "float32")
    leaves = np.array([[0.5, -1.0], [1.0, 0.2], [-0.3, 0.8], [0.1, 0.4]])
    x[0, [0, 1, 3, 4]] = leaves  # post-order: a, b, h_1, c, d, h_2, h_3
    layer = TreeRNN(2, activation="linear")
    layer.build([x.shape, arrays["children"].shape, arrays["levels"].shape])
    W = np.array([[0.2, -0.5], [0.7, 0.1], [0.3, 0.3], [-0.4, 0.6]])
    b = np.array([0.05, -0.1])
    layer.set_weights([np.eye(2), W, b])
    h = layer([x, arrays["children"], arrays["levels"]])
    # Linear f: leaves are x + b; the seed's formula above them.
    x1, x2, x3, x4 = leaves + b
    h1 = np.concatenate([x1, x2]) @ W + b
    h2 = np.concatenate([x3, x4]) @ W + b
    h3 = np.concatenate([h1, h2]) @ W + b
    assert_close(h[0, 6], h3, atol=1e-6)
    assert_close(h[0, 2], h1, atol=1e-6)


def test_matches_reference_and_gradients():
    inputs = tree_inputs(features=2)
    layer = TreeRNN(3)
    layer.build([a.shape for a in inputs])
    w = variant_checks.randomize_weights(layer)
    x = inputs[0].astype("float64")
    expected = structure_references.tree_rnn(w, x, inputs[1], inputs[2])
    assert_close(layer(inputs), expected, atol=1e-5)

    names = [v.name for v in layer.trainable_weights]
    upstream = np.random.default_rng(5).normal(size=expected.shape)
    actual = variant_checks.weight_gradients(
        layer, inputs, upstream.astype("float32")
    )

    def loss(*arrays):
        h = structure_references.tree_rnn(
            dict(zip(names, arrays)), x, inputs[1], inputs[2]
        )
        return float(np.sum(h * upstream))

    wanted = variant_checks.finite_difference(loss, [w[n] for n in names])
    for name, a, e in zip(names, actual, wanted):
        assert_close(a, e, atol=1e-5, msg=name)


def test_round_trip():
    variant_checks.check_model_round_trip(
        TreeRNN(3, return_root=True), tree_inputs()
    )


def test_rejects_bad_inputs():
    with pytest.raises(ValueError, match="units=-1"):
        TreeRNN(-1)
    with pytest.raises(ValueError, match="node_inputs, children, levels"):
        TreeRNN(2)(np.ones((1, 3, 2), "float32"))
