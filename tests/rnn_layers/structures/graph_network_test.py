"""Tests of GraphNetwork: reference, permutation invariance, padding."""

import keras
import numpy as np
import pytest

from rnn_layers.structures.graph_network import GraphNetwork
from tests.rnn_layers.cells import variant_checks
from tests.rnn_layers.structures import structure_references
from tests.test_case import assert_close

# Graph 0: a 4-cycle with a chord; graph 1: a 3-node path (both directions).
EDGES = np.array(
    [
        [[0, 1], [1, 2], [2, 3], [3, 0], [0, 2], [-1, -1]],
        [[0, 1], [1, 0], [1, 2], [2, 1], [-1, -1], [-1, -1]],
    ],
    "int32",
)
NODE_MASK = np.array([[1, 1, 1, 1], [1, 1, 1, 0]], "float32")


def graph_inputs(features=3, seed=0):
    nodes = np.random.default_rng(seed).normal(size=(2, 4, features))
    nodes = (nodes * NODE_MASK[..., None]).astype("float32")
    return [nodes, EDGES, NODE_MASK]


def reference_weights(layer, w):
    """Renames the readout's `kernel`, which shares its name with the GRU's."""
    w = dict(w)
    w["kernel"] = keras.ops.convert_to_numpy(layer.kernel).astype("float64")
    if layer.readout == "attention":
        readout_kernel = layer.readout_layer.kernel
        w["kernel_readout"] = keras.ops.convert_to_numpy(
            readout_kernel
        ).astype("float64")
    return w


@pytest.mark.parametrize("readout", ["sum", "mean", "max", "attention"])
def test_matches_reference(readout):
    inputs = graph_inputs()
    layer = GraphNetwork(4, num_steps=2, readout=readout)
    layer.build([a.shape for a in inputs])
    w = reference_weights(layer, variant_checks.randomize_weights(layer))
    expected = structure_references.graph_network(
        w, inputs[0].astype("float64"), EDGES, NODE_MASK, 2, readout
    )
    assert_close(layer(inputs), expected, atol=1e-5)


@pytest.mark.parametrize("readout", ["sum", "mean", "max", "attention"])
def test_permutation_invariance(readout):
    """Relabelling the nodes (and the edges with them) and reordering the
    edge list leave the graph vector unchanged."""
    nodes, edges, mask = graph_inputs()
    layer = GraphNetwork(4, num_steps=2, readout=readout,
                         return_node_states=True)
    graph, states = layer([nodes, edges, mask])
    perm = np.array([2, 0, 3, 1])  # new position -> old node
    inverse = np.argsort(perm)  # old node -> new position
    new_edges = np.where(edges >= 0, inverse[np.maximum(edges, 0)], -1)
    new_edges = new_edges[:, ::-1].astype("int32")  # edge order reversed too
    new_nodes, new_mask = nodes[:, perm], mask[:, perm]
    permuted_graph, permuted_states = layer([new_nodes, new_edges, new_mask])
    assert_close(permuted_graph, graph, atol=1e-5)
    assert_close(
        permuted_states, keras.ops.take(states, perm, axis=1),
        atol=1e-5,
    )


def test_padding_does_not_change_a_graph():
    nodes, edges, mask = graph_inputs()
    layer = GraphNetwork(4, readout="mean")
    alone = layer([nodes[1:, :3], edges[1:, :4], mask[1:, :3]])
    batched = layer([nodes, edges, mask])
    assert_close(batched[1:], alone, atol=1e-5)


def test_gradients_match_finite_differences():
    inputs = graph_inputs(features=2)
    layer = GraphNetwork(2, num_steps=2, readout="sum")
    layer.build([a.shape for a in inputs])
    w = variant_checks.randomize_weights(layer)
    names = [v.name for v in layer.trainable_weights]
    upstream = np.random.default_rng(5).normal(size=(2, 2))
    actual = variant_checks.weight_gradients(
        layer, inputs, upstream.astype("float32")
    )

    def loss(*arrays):
        y = structure_references.graph_network(
            dict(zip(names, arrays)), inputs[0].astype("float64"), EDGES,
            NODE_MASK, 2, "sum",
        )
        return float(np.sum(y * upstream))

    expected = variant_checks.finite_difference(loss, [w[n] for n in names])
    for name, a, e in zip(names, actual, expected):
        assert_close(a, e, atol=1e-5, msg=name)


def test_edge_features_and_round_trip():
    nodes, edges, mask = graph_inputs()
    edge_features = np.ones((2, 6, 2), "float32")
    layer = GraphNetwork(4, readout="attention")
    assert layer([nodes, edges, mask, edge_features]).shape == (2, 4)
    assert layer.message_kernel.shape == (10, 4)
    variant_checks.check_model_round_trip(
        GraphNetwork(4, readout="attention"), [nodes, edges, mask]
    )


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="num_steps=0"):
        GraphNetwork(4, num_steps=0)
    with pytest.raises(ValueError, match="mode='median'"):
        GraphNetwork(4, readout="median")
