"""Message-passing graph network with a GRU node update and a readout."""

import keras
from keras import activations
from keras import initializers
from keras import ops

from rnn_layers.structures.graph_readout import GraphReadout


@keras.saving.register_keras_serializable(package="rnn_layers")
class GraphNetwork(keras.layers.Layer):
    """Gated graph network: messages along edges, GRU updates, a readout.

    The seed notes' 图网络 (004; Gilmer et al., 2017, message passing; Li et
    al., 2016, gated graph networks). Node states start as a projection of
    the node features, `h_0^(v) = x_v P`, then for `num_steps` steps

    ```
    m_t^(v) = sum_{(u -> v) in E} f(h_{t-1}^(u), h_{t-1}^(v), e^(u,v))
    f(h_u, h_v, e) = act([h_u; h_v; e] W_m + b_m)
    h_t^(v) = GRU(m_t^(v), h_{t-1}^(v))
    ```

    with the GRU of the seed notes (reset gate applied before the recurrent
    matmul; Keras gate order z, r, h), and finally `y = readout({h_T^(v)})`
    (`GraphReadout`: sum, mean, max or attention). Graphs of different sizes
    share a batch through padding: padding nodes are masked and stay zero,
    padding edges are `(-1, -1)`. Edges are directed; list both directions
    for an undirected graph.

    Weights: `input_kernel` `(features, units)`, `message_kernel`
    `(2 * units + edge_features, units)`, `message_bias` `(units,)`,
    `kernel` and `recurrent_kernel` `(units, 3 * units)`, `bias`
    `(3 * units,)`, plus the readout's.

    Args:
        units: positive int, size of the node states.
        num_steps: positive int, message-passing steps `T`. Defaults to `3`.
        readout: readout mode, see `GraphReadout`. Defaults to `"sum"`.
        message_activation: activation of `f`. Defaults to `"relu"`.
        kernel_initializer: initializer of the non-recurrent matrices.
            Defaults to `"glorot_uniform"`.
        recurrent_initializer: initializer of `recurrent_kernel`. Defaults
            to `"orthogonal"`.
        bias_initializer: Defaults to `"zeros"`.
        return_node_states: whether to return the node states after the
            graph vector. Defaults to `False`.
        **kwargs: base layer arguments.

    Call arguments:
        inputs: list `[node_features (batch, V, features), edges (batch, E,
            2) int (source, target), node_mask (batch, V)]`, optionally
            followed by `edge_features (batch, E, edge_features)`.

    Returns:
        The graph vectors `(batch, units)`, then the node states
        `(batch, V, units)` when `return_node_states=True`.

    Example:

    >>> nodes = np.ones((1, 3, 2), "float32")
    >>> edges = np.array([[[0, 1], [1, 2], [-1, -1]]])
    >>> GraphNetwork(4)([nodes, edges, np.ones((1, 3))]).shape
    (1, 4)
    """

    def __init__(
        self,
        units,
        num_steps=3,
        readout="sum",
        message_activation="relu",
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        return_node_states=False,
        **kwargs,
    ):
        for name, value in (("units", units), ("num_steps", num_steps)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f"Received `{name}={value}`; expected a positive integer."
                )
        super().__init__(**kwargs)
        self.units = units
        self.num_steps = num_steps
        self.readout = readout
        self.message_activation = activations.get(message_activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.return_node_states = return_node_states
        self.readout_layer = GraphReadout(readout, name="readout")

    def build(self, input_shape):
        if len(input_shape) not in (3, 4):
            raise ValueError(
                "GraphNetwork expects `inputs=[node_features, edges, "
                "node_mask]` or with `edge_features` last; received "
                f"{len(input_shape)} inputs."
            )
        edge_features = input_shape[3][-1] if len(input_shape) == 4 else 0
        units = self.units
        self.input_kernel = self.add_weight(
            shape=(input_shape[0][-1], units),
            name="input_kernel",
            initializer=self.kernel_initializer,
        )
        self.message_kernel = self.add_weight(
            shape=(2 * units + edge_features, units),
            name="message_kernel",
            initializer=self.kernel_initializer,
        )
        self.message_bias = self.add_weight(
            shape=(units,), name="message_bias",
            initializer=self.bias_initializer,
        )
        self.kernel = self.add_weight(
            shape=(units, 3 * units), name="kernel",
            initializer=self.kernel_initializer,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(units, 3 * units), name="recurrent_kernel",
            initializer=self.recurrent_initializer,
        )
        self.bias = self.add_weight(
            shape=(3 * units,), name="bias", initializer=self.bias_initializer
        )
        self.readout_layer.build([(input_shape[0][0], None, units), None])

    def _gru(self, m, h):
        u = self.units
        x = ops.matmul(m, self.kernel) + self.bias  # (batch, V, 3 units)
        recurrent = self.recurrent_kernel
        z = ops.sigmoid(x[..., :u] + ops.matmul(h, recurrent[:, :u]))
        r = ops.sigmoid(
            x[..., u : 2 * u] + ops.matmul(h, recurrent[:, u : 2 * u])
        )
        candidate = ops.tanh(
            x[..., 2 * u :] + ops.matmul(r * h, recurrent[:, 2 * u :])
        )
        return z * h + (1.0 - z) * candidate

    def call(self, inputs):
        node_features, edges, node_mask = inputs[:3]
        num_nodes = ops.shape(node_features)[1]
        edges = ops.cast(edges, "int32")
        dtype = self.compute_dtype
        source = ops.one_hot(edges[..., 0], num_nodes, dtype=dtype)  # (b, E, V)
        target = ops.one_hot(edges[..., 1], num_nodes, dtype=dtype)  # (b, E, V)
        mask = ops.expand_dims(ops.cast(node_mask, dtype), -1)  # (b, V, 1)
        h = ops.matmul(node_features, self.input_kernel) * mask  # (b, V, u)
        for _ in range(self.num_steps):
            pieces = [ops.matmul(source, h), ops.matmul(target, h)]  # (b, E, u)
            if len(inputs) == 4:
                pieces.append(ops.cast(inputs[3], dtype))
            messages = self.message_activation(
                ops.matmul(ops.concatenate(pieces, -1), self.message_kernel)
                + self.message_bias
            )  # (batch, E, units); padding edges reach no node below
            m = ops.matmul(ops.transpose(target, (0, 2, 1)), messages)
            h = self._gru(m, h) * mask  # (batch, V, units)
        graph = self.readout_layer([h, node_mask])
        if self.return_node_states:
            return graph, h
        return graph

    def compute_output_shape(self, input_shape):
        graph_shape = (input_shape[0][0], self.units)
        if self.return_node_states:
            return graph_shape, tuple(input_shape[0][:2]) + (self.units,)
        return graph_shape

    def get_config(self):
        config = {
            "units": self.units,
            "num_steps": self.num_steps,
            "readout": self.readout,
            "message_activation": activations.serialize(
                self.message_activation
            ),
            "kernel_initializer": initializers.serialize(
                self.kernel_initializer
            ),
            "recurrent_initializer": initializers.serialize(
                self.recurrent_initializer
            ),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "return_node_states": self.return_node_states,
        }
        return {**super().get_config(), **config}
