"""Tree-structured LSTM over batches of trees (Tai et al., 2015)."""

import keras
from keras import activations
from keras import initializers
from keras import ops

from rnn_layers.structures.tree_rnn import _check_tree_inputs
from rnn_layers.structures.tree_rnn import children_one_hot
from rnn_layers.structures.tree_rnn import gather_children
from rnn_layers.structures.tree_rnn import root_states

_VARIANTS = ("child_sum", "n_ary")


@keras.saving.register_keras_serializable(package="rnn_layers")
class TreeLSTM(keras.layers.Layer):
    """LSTM whose units compose a node from its children, bottom-up.

    Tai, Socher & Manning (2015), "Improved Semantic Representations From
    Tree-Structured LSTM Networks". Each node `j` has an input `x_j` (a word
    embedding at leaves) and children `k` with states `(h_k, c_k)`; there is
    one forget gate per child. Child-Sum (eqs. 2-8, unordered children):

    ```
    h~ = sum_k h_k
    i = sigmoid(W_i x + U_i h~ + b_i)        o = sigmoid(W_o x + U_o h~ + b_o)
    f_k = sigmoid(W_f x + U_f h_k + b_f)     u = tanh(W_c x + U_c h~ + b_c)
    c = i * u + sum_k f_k * c_k              h = o * tanh(c)
    ```

    N-ary (eqs. 9-14, ordered children, e.g. binary constituency trees): each
    gate reads all children's `h` through its own block of `U`, and the
    forget gate of child `k` has its own block `U_{f_k}`. Leaves have no
    children, so `c = i * u`.

    Weights: `kernel` `(features, 4 * units)` and `bias` `(4 * units,)` in
    Keras' gate order i, f, c, o; `recurrent_kernel` `(units, 4 * units)`
    (child-sum) or `(K * units, (K + 3) * units)` with blocks
    `[i, f_1..f_K, c, o]` (N-ary, `K` from the `children` input).

    Args:
        units: positive int, size of `h` and `c`.
        variant: `"child_sum"` or `"n_ary"`. Defaults to `"child_sum"`.
        activation: Defaults to `"tanh"`.
        recurrent_activation: activation of the gates. Defaults to
            `"sigmoid"`.
        kernel_initializer: Defaults to `"glorot_uniform"`.
        recurrent_initializer: Defaults to `"orthogonal"`.
        bias_initializer: Defaults to `"zeros"`.
        return_root: whether to return only the root `h`. Defaults to
            `False`.
        **kwargs: base layer arguments.

    Call arguments:
        inputs: list `[node_inputs (batch, N, features), children
            (batch, N, K) int, levels (batch, N) int]` from `encode_trees`
            (after embedding its `tokens`).

    Returns:
        Node states `h` `(batch, N, units)` (zeros at padding nodes), or the
        roots' `(batch, units)` with `return_root=True`.

    Example:

    >>> arrays = encode_trees(["(1 (0 a) (1 b))"], {"a": 2, "b": 3})
    >>> x = np.ones((1, 3, 5), "float32")
    >>> layer = TreeLSTM(4, variant="n_ary", return_root=True)
    >>> layer([x, arrays["children"], arrays["levels"]]).shape
    (1, 4)
    """

    def __init__(
        self,
        units,
        variant="child_sum",
        activation="tanh",
        recurrent_activation="sigmoid",
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        return_root=False,
        **kwargs,
    ):
        if not isinstance(units, int) or units <= 0:
            raise ValueError(
                f"Received `units={units}`; expected a positive integer."
            )
        if variant not in _VARIANTS:
            raise ValueError(
                f"Received `variant={variant!r}`; expected one of {_VARIANTS}."
            )
        super().__init__(**kwargs)
        self.units = units
        self.variant = variant
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.return_root = return_root

    def build(self, input_shape):
        _check_tree_inputs(input_shape, "TreeLSTM")
        features, max_children = input_shape[0][-1], input_shape[1][-1]
        units = self.units
        if self.variant == "child_sum":
            recurrent_shape = (units, 4 * units)
        else:
            recurrent_shape = (max_children * units, (max_children + 3) * units)
        self.kernel = self.add_weight(
            shape=(features, 4 * units),
            name="kernel",
            initializer=self.kernel_initializer,
        )
        self.recurrent_kernel = self.add_weight(
            shape=recurrent_shape,
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
        )
        self.bias = self.add_weight(
            shape=(4 * units,), name="bias", initializer=self.bias_initializer
        )

    def _child_sum_gates(self, child_h):
        # child_h: (batch, N, K, units) -> recurrent terms of i, f_k, c, o.
        u = self.units
        kernel = self.recurrent_kernel
        h_sum = ops.sum(child_h, axis=2)  # (batch, N, units)
        summed = ops.matmul(h_sum, kernel)  # (batch, N, 4 units)
        r_f = ops.matmul(child_h, kernel[:, u : 2 * u])  # (batch, N, K, u)
        return summed[..., :u], r_f, summed[..., 2 * u : 3 * u], summed[
            ..., 3 * u :
        ]

    def _n_ary_gates(self, child_h):
        u = self.units
        batch, num_nodes, max_children = ops.shape(child_h)[:3]
        flat = ops.reshape(child_h, (batch, num_nodes, max_children * u))
        r = ops.matmul(flat, self.recurrent_kernel)  # (batch, N, (K+3) u)
        r_f = ops.reshape(
            r[..., u : (1 + max_children) * u],
            (batch, num_nodes, max_children, u),
        )
        return (
            r[..., :u],
            r_f,
            r[..., (1 + max_children) * u : (2 + max_children) * u],
            r[..., (2 + max_children) * u :],
        )

    def call(self, inputs):
        _check_tree_inputs(inputs, "TreeLSTM")
        node_inputs, children, levels = inputs
        levels = ops.cast(levels, "int32")
        batch, num_nodes = ops.shape(node_inputs)[0], ops.shape(levels)[1]
        selection = children_one_hot(children, num_nodes, self.compute_dtype)
        projected = ops.matmul(node_inputs, self.kernel) + self.bias
        x_i, x_f, x_c, x_o = ops.split(projected, 4, axis=-1)  # (b, N, u)
        gates = (
            self._child_sum_gates
            if self.variant == "child_sum"
            else self._n_ary_gates
        )

        def step(level, carry):
            h, c = carry
            child_h = gather_children(selection, h)  # (batch, N, K, units)
            child_c = gather_children(selection, c)
            r_i, r_f, r_c, r_o = gates(child_h)
            i = self.recurrent_activation(x_i + r_i)
            f = self.recurrent_activation(ops.expand_dims(x_f, 2) + r_f)
            o = self.recurrent_activation(x_o + r_o)
            new_c = i * self.activation(x_c + r_c) + ops.sum(f * child_c, 2)
            new_h = o * self.activation(new_c)
            at_level = ops.expand_dims(ops.equal(levels, level), -1)
            return (
                ops.where(at_level, new_h, h),
                ops.where(at_level, new_c, c),
            )

        zeros = ops.zeros((batch, num_nodes, self.units), self.compute_dtype)
        h, _ = ops.fori_loop(0, num_nodes, step, (zeros, zeros))
        if self.return_root:
            return root_states(h, levels)
        return h

    def compute_output_shape(self, input_shape):
        if self.return_root:
            return (input_shape[0][0], self.units)
        return tuple(input_shape[0][:2]) + (self.units,)

    def get_config(self):
        config = {
            "units": self.units,
            "variant": self.variant,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(
                self.recurrent_activation
            ),
            "kernel_initializer": initializers.serialize(
                self.kernel_initializer
            ),
            "recurrent_initializer": initializers.serialize(
                self.recurrent_initializer
            ),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "return_root": self.return_root,
        }
        return {**super().get_config(), **config}
