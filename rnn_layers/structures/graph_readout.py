"""Readouts that pool a graph's node vectors into one graph vector."""

import keras
from keras import initializers
from keras import ops

from rnn_layers.constants import NEG_INF

_MODES = ("sum", "mean", "max", "attention")


@keras.saving.register_keras_serializable(package="rnn_layers")
class GraphReadout(keras.layers.Layer):
    """Pools node vectors into a graph vector, ignoring padding nodes.

    The seed notes' 读出函数 `y = g({h_T^(v) | v in V})` (004, 图网络). Every
    mode is invariant to the order of the nodes:

    - `"sum"`: `sum_v h_v`;
    - `"mean"`: `sum_v h_v / |V|`;
    - `"max"`: elementwise maximum over the nodes;
    - `"attention"`: `sum_v alpha_v h_v` with
      `alpha = softmax_v(h_v . w)` over the graph's real nodes.

    Args:
        mode: one of `"sum"`, `"mean"`, `"max"`, `"attention"`. Defaults to
            `"sum"`.
        kernel_initializer: initializer of the attention score vector
            `kernel` `(units, 1)` (attention only). Defaults to
            `"glorot_uniform"`.
        **kwargs: base layer arguments.

    Call arguments:
        inputs: list `[node_states (batch, V, units), node_mask (batch, V)]`,
            the mask true (or 1) at real nodes.

    Returns:
        `(batch, units)`.

    Example:

    >>> readout = GraphReadout("mean")
    >>> readout([np.ones((2, 4, 3), "float32"), np.ones((2, 4))]).shape
    (2, 3)
    """

    def __init__(self, mode="sum", kernel_initializer="glorot_uniform",
                 **kwargs):
        if mode not in _MODES:
            raise ValueError(
                f"Received `mode={mode!r}`; expected one of {_MODES}."
            )
        super().__init__(**kwargs)
        self.mode = mode
        self.kernel_initializer = initializers.get(kernel_initializer)

    def build(self, input_shape):
        if self.mode == "attention":
            self.kernel = self.add_weight(
                shape=(input_shape[0][-1], 1),
                name="kernel",
                initializer=self.kernel_initializer,
            )

    def call(self, inputs):
        states, node_mask = inputs
        mask = ops.expand_dims(ops.cast(node_mask, states.dtype), -1)
        if self.mode == "sum":
            return ops.sum(states * mask, axis=1)
        if self.mode == "mean":
            count = ops.maximum(ops.sum(mask, axis=1), 1.0)  # (batch, 1)
            return ops.sum(states * mask, axis=1) / count
        if self.mode == "max":
            lowest = ops.min(states, axis=1, keepdims=True)
            return ops.max(ops.where(mask > 0, states, lowest), axis=1)
        scores = ops.matmul(states, self.kernel)  # (batch, V, 1)
        scores = ops.where(mask > 0, scores, NEG_INF)
        alpha = ops.softmax(scores, axis=1) * mask  # (batch, V, 1)
        return ops.sum(alpha * states, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], input_shape[0][-1])

    def get_config(self):
        config = {
            "mode": self.mode,
            "kernel_initializer": initializers.serialize(
                self.kernel_initializer
            ),
        }
        return {**super().get_config(), **config}
