"""Independently recurrent cell (IndRNN): a diagonal recurrent weight."""

import keras
from keras import initializers
from keras import ops

from rnn_layers.cells.recurrent_cell import RecurrentCell


@keras.saving.register_keras_serializable(package="rnn_layers")
class IndRNNCell(RecurrentCell):
    """Recurrent cell whose units only feed back into themselves.

    IndRNN (Li et al., 2018, "Independently Recurrent Neural Network"): the
    recurrent matrix `U` of the seed's simple recurrent network
    `h_t = f(U h_{t-1} + W x_t + b)` becomes a vector `u`, so each unit's
    gradient through time is a product of scalars `u * f'` that a constraint
    on `u` keeps away from vanishing and exploding (the seed's 梯度消失/爆炸):

    ```
    h_t = relu(W x_t + u * h_{t-1} + b)
    ```

    Weights: `kernel` `(input_dim, units)`, `recurrent_kernel` `(units,)`
    (the diagonal), `bias` `(units,)`.

    Args:
        units: positive int, dimensionality of the output space.
        activation: activation of the state. Defaults to `"relu"`.
        use_bias: whether the cell uses a bias vector. Defaults to `True`.
        kernel_initializer: initializer of `kernel`. Defaults to
            `"glorot_uniform"`.
        recurrent_initializer: initializer of the recurrent vector.
            Defaults to `None`, meaning uniform on [0, 1] (the paper's
            choice for ReLU units).
        bias_initializer: initializer of `bias`. Defaults to `"zeros"`.
        kernel_regularizer, recurrent_regularizer, bias_regularizer:
            regularizers of the three weights. Default to `None`.
        kernel_constraint, recurrent_constraint, bias_constraint:
            constraints of the three weights; the paper bounds `|u|` by
            `2 ** (1 / T)` for `T`-step dependencies. Default to `None`.
        dropout: float in [0, 1), fraction of the inputs dropped. Defaults
            to `0.0`.
        recurrent_dropout: float in [0, 1), fraction of `h_{t-1}` dropped.
            Defaults to `0.0`.
        seed: int, random seed of the dropout masks. Defaults to `None`.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: a 2D tensor, `(batch, input_dim)`.
        states: list `[h_{t-1}]`, `(batch, units)`.
        training: Python boolean, whether dropout is applied. Defaults to
            `False`.

    Returns:
        `(h_t, [h_t])`.

    Example:

    >>> cell = IndRNNCell(4)
    >>> layer = keras.layers.RNN(cell, return_sequences=True)
    >>> layer(np.ones((2, 5, 3), "float32")).shape
    (2, 5, 4)
    """

    def __init__(
        self,
        units,
        activation="relu",
        recurrent_initializer=None,
        **kwargs,
    ):
        if recurrent_initializer is None:
            recurrent_initializer = initializers.RandomUniform(0.0, 1.0)
        super().__init__(
            units,
            activation=activation,
            recurrent_initializer=recurrent_initializer,
            **kwargs,
        )

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.kernel = self.add_weight(
            shape=(input_dim, self.units),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units,),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,),
                name="bias",
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def call(self, inputs, states, training=False):
        h_tm1 = states[0] if isinstance(states, (list, tuple)) else states
        x = self.dropped_inputs(inputs, training)
        h = self.dropped_state(h_tm1, training)
        z = ops.matmul(x, self.kernel) + self.recurrent_kernel * h
        if self.use_bias:
            z = z + self.bias
        h = self.activation(z)
        return h, [h]

    def get_config(self):
        config = super().get_config()
        # IndRNN has no gates: `recurrent_activation` plays no role.
        config.pop("recurrent_activation")
        return config
