"""Tests of TreeLSTM: a hand-computed tree, the NumPy reference, gradients."""

import math

import keras
import numpy as np
import pytest

from rnn_layers.structures.tree_encoding import encode_trees
from rnn_layers.structures.tree_lstm import TreeLSTM
from tests.rnn_layers.cells import variant_checks
from tests.rnn_layers.structures import structure_references
from tests.test_case import assert_close

TREES = ["(1 (0 a) (1 (0 b) (1 c)))", "(0 (1 c) (0 a))"]
VOCABULARY = {"a": 2, "b": 3, "c": 4}


def tree_inputs(features=3, max_children=2, seed=0):
    arrays = encode_trees(TREES, VOCABULARY, max_children=max_children)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=arrays["tokens"].shape + (features,))
    x = (x * (arrays["tokens"] > 0)[..., None]).astype("float32")  # leaves
    return [x, arrays["children"], arrays["levels"]]


def sig(v):
    return 1.0 / (1.0 + math.exp(-v))


def test_hand_computed_three_node_tree():
    """Root with leaves x_a = 1 and x_b = 2, one unit, child-sum."""
    layer = TreeLSTM(1)
    arrays = encode_trees(["(0 (0 a) (0 b))"], {"a": 2, "b": 3})
    x = np.array([[[1.0], [2.0], [0.0]]], "float32")
    layer.build([x.shape, arrays["children"].shape, arrays["levels"].shape])
    kernel = [[0.5, -0.5, 1.0, 0.25]]  # W_i, W_f, W_c, W_o
    recurrent = [[0.3, 0.2, -0.4, 0.1]]  # U_i, U_f, U_c, U_o
    bias = [0.1, 0.2, 0.0, -0.1]
    layer.set_weights([np.array(kernel), np.array(recurrent), np.array(bias)])
    h = layer([x, arrays["children"], arrays["levels"]])

    def leaf(x_leaf):  # no children: c = i * u
        c = sig(0.5 * x_leaf + 0.1) * math.tanh(1.0 * x_leaf)
        return sig(0.25 * x_leaf - 0.1) * math.tanh(c), c

    h_a, c_a = leaf(1.0)
    h_b, c_b = leaf(2.0)
    h_sum = h_a + h_b  # the root's input is 0
    i = sig(0.3 * h_sum + 0.1)
    f_a, f_b = sig(0.2 * h_a + 0.2), sig(0.2 * h_b + 0.2)
    c_root = i * math.tanh(-0.4 * h_sum) + f_a * c_a + f_b * c_b
    h_root = sig(0.1 * h_sum - 0.1) * math.tanh(c_root)
    assert_close(h, np.array([[[h_a], [h_b], [h_root]]]), atol=1e-6)


@pytest.mark.parametrize("variant", ["child_sum", "n_ary"])
def test_matches_reference(variant):
    inputs = tree_inputs()
    layer = TreeLSTM(4, variant=variant)
    layer.build([a.shape for a in inputs])
    w = variant_checks.randomize_weights(layer)
    expected = structure_references.tree_lstm(
        w, inputs[0].astype("float64"), inputs[1], inputs[2], variant
    )
    assert_close(layer(inputs), expected, atol=1e-5)
    # Padding nodes stay zero.
    assert np.all(expected[1, 3:] == 0)


@pytest.mark.parametrize("variant", ["child_sum", "n_ary"])
def test_gradients_match_finite_differences(variant):
    inputs = tree_inputs(features=2)
    layer = TreeLSTM(2, variant=variant)
    layer.build([a.shape for a in inputs])
    w = variant_checks.randomize_weights(layer)
    names = [v.name for v in layer.trainable_weights]
    upstream = np.random.default_rng(5).normal(size=(2, 5, 2))
    actual = variant_checks.weight_gradients(
        layer, inputs, upstream.astype("float32")
    )

    def loss(*arrays):
        values = dict(zip(names, arrays))
        h = structure_references.tree_lstm(
            values, inputs[0].astype("float64"), inputs[1], inputs[2], variant
        )
        return float(np.sum(h * upstream))

    expected = variant_checks.finite_difference(loss, [w[n] for n in names])
    for name, a, e in zip(names, actual, expected):
        assert_close(a, e, atol=1e-5, msg=name)


def test_return_root_and_round_trip():
    inputs = tree_inputs()
    layer = TreeLSTM(4, variant="n_ary")
    nodes = layer(inputs)
    root = TreeLSTM(4, variant="n_ary", return_root=True)
    root.build([a.shape for a in inputs])
    root.set_weights(layer.get_weights())
    # Tree 0 has 5 nodes (root last), tree 1 has 3.
    nodes = keras.ops.convert_to_numpy(nodes)
    assert_close(root(inputs), np.stack([nodes[0, 4], nodes[1, 2]]))
    variant_checks.check_model_round_trip(
        TreeLSTM(3, variant="child_sum", return_root=True), inputs
    )


def test_trains_end_to_end():
    """Embedding -> TreeLSTM -> Dense fits a step: every weight moves."""
    arrays = encode_trees(TREES, VOCABULARY, max_children=2)
    tokens = keras.Input((5,), dtype="int32")
    children = keras.Input((5, 2), dtype="int32")
    levels = keras.Input((5,), dtype="int32")
    x = keras.layers.Embedding(5, 3)(tokens)
    root = TreeLSTM(4, variant="n_ary", return_root=True)([x, children, levels])
    model = keras.Model([tokens, children, levels], keras.layers.Dense(2)(root))
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    before = [w.numpy().copy() for w in model.trainable_weights]
    model.fit(
        [arrays["tokens"], arrays["children"], arrays["levels"]],
        np.ones((2, 2), "float32"), epochs=1, verbose=0,
    )
    for w, old in zip(model.trainable_weights, before):
        assert not np.allclose(w.numpy(), old), w.path


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="variant='binary'"):
        TreeLSTM(4, variant="binary")
    with pytest.raises(ValueError, match="units=0"):
        TreeLSTM(0)
