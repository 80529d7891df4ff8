"""Recursive neural network over batches of trees (Socher et al., 2011)."""

import keras
from keras import activations
from keras import initializers
from keras import ops


def children_one_hot(children, num_nodes, dtype):
    """One-hot selection of every node's children.

    Args:
        children: int tensor `(batch, N, K)`, -1 where there is no child.
        num_nodes: N.
        dtype: float dtype of the result.

    Returns:
        `(batch, N, K, N)`: row `[b, n, k]` picks child `k` of node `n`, all
        zeros for a missing child, so gathered states of missing children
        are zero.
    """
    return ops.one_hot(ops.cast(children, "int32"), num_nodes, dtype=dtype)


def gather_children(selection, states):
    """`(batch, N, K, N) x (batch, N, units) -> (batch, N, K, units)`."""
    return ops.einsum("bnkm,bmu->bnku", selection, states)


def root_states(states, levels):
    """States of each tree's root, the node of highest level: `(batch, u)`."""
    root = ops.argmax(levels, axis=-1)  # (batch,)
    pick = ops.one_hot(root, ops.shape(levels)[1], dtype=states.dtype)
    return ops.einsum("bn,bnu->bu", pick, states)


def _check_tree_inputs(inputs, name):
    """Raises unless `inputs` (tensors or shapes) is a list of three."""
    is_list = isinstance(inputs, (list, tuple))
    if (
        not is_list
        or len(inputs) != 3
        or any(item is None or isinstance(item, int) for item in inputs)
    ):
        raise ValueError(
            f"{name} expects `inputs=[node_inputs, children, levels]` (see "
            "`rnn_layers.structures.tree_encoding`); received "
            f"{inputs if is_list else type(inputs).__name__}."
        )


@keras.saving.register_keras_serializable(package="rnn_layers")
class TreeRNN(keras.layers.Layer):
    """Recursive network: one composition function shared over tree nodes.

    The seed notes' 递归神经网络 (004): every node combines its (ordered)
    children with the same weights, bottom-up,

    ```
    h_n = f(W x_n + U [h_{c_1}; ...; h_{c_K}] + b)
    ```

    where `x_n` is the node's input (a word embedding at leaves, usually
    zeros elsewhere) and missing children contribute zeros; the seed's
    `h_3 = f(W [h_1; h_2] + b)` is the binary case. A whole batch of trees
    is processed at once: a `keras.ops.fori_loop` over levels updates every
    node of level `l` in every tree in step `l`, so the loop traces, compiles
    and differentiates on every backend.

    Args:
        units: positive int, size of the node vectors.
        activation: activation `f`. Defaults to `"tanh"`.
        use_bias: whether to add a bias. Defaults to `True`.
        kernel_initializer: initializer of `kernel` `(features, units)`.
            Defaults to `"glorot_uniform"`.
        recurrent_initializer: initializer of `recurrent_kernel`
            `(K * units, units)`. Defaults to `"glorot_uniform"`.
        bias_initializer: Defaults to `"zeros"`.
        return_root: whether to return only the root vectors. Defaults to
            `False`.
        **kwargs: base layer arguments.

    Call arguments:
        inputs: list `[node_inputs (batch, N, features), children
            (batch, N, K) int, levels (batch, N) int]`, as produced by
            `encode_trees` (after embedding its `tokens`).

    Returns:
        Node vectors `(batch, N, units)` (zeros at padding nodes), or the
        roots' `(batch, units)` with `return_root=True`.

    Example:

    >>> arrays = encode_trees(["(1 (0 a) (1 b))"], {"a": 2, "b": 3})
    >>> x = np.ones((1, 3, 5), "float32")
    >>> TreeRNN(4)([x, arrays["children"], arrays["levels"]]).shape
    (1, 3, 4)
    """

    def __init__(
        self,
        units,
        activation="tanh",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="glorot_uniform",
        bias_initializer="zeros",
        return_root=False,
        **kwargs,
    ):
        if not isinstance(units, int) or units <= 0:
            raise ValueError(
                f"Received `units={units}`; expected a positive integer."
            )
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.return_root = return_root

    def build(self, input_shape):
        _check_tree_inputs(input_shape, "TreeRNN")
        features, max_children = input_shape[0][-1], input_shape[1][-1]
        self.kernel = self.add_weight(
            shape=(features, self.units),
            name="kernel",
            initializer=self.kernel_initializer,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(max_children * self.units, self.units),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,),
                name="bias",
                initializer=self.bias_initializer,
            )

    def call(self, inputs):
        _check_tree_inputs(inputs, "TreeRNN")
        node_inputs, children, levels = inputs
        levels = ops.cast(levels, "int32")
        batch, num_nodes = ops.shape(node_inputs)[0], ops.shape(levels)[1]
        max_children = ops.shape(children)[-1]
        selection = children_one_hot(children, num_nodes, self.compute_dtype)
        projected = ops.matmul(node_inputs, self.kernel)  # (batch, N, units)
        if self.use_bias:
            projected = projected + self.bias

        def step(level, h):
            child_h = gather_children(selection, h)  # (batch, N, K, units)
            child_h = ops.reshape(
                child_h, (batch, num_nodes, max_children * self.units)
            )
            new_h = self.activation(
                projected + ops.matmul(child_h, self.recurrent_kernel)
            )
            at_level = ops.expand_dims(ops.equal(levels, level), -1)
            return ops.where(at_level, new_h, h)

        h = ops.zeros((batch, num_nodes, self.units), self.compute_dtype)
        h = ops.fori_loop(0, num_nodes, step, h)
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
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
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
