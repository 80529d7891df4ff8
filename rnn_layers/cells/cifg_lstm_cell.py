"""LSTM cell with coupled input and forget gates (CIFG)."""

import keras
from keras import ops

from rnn_layers.cells.recurrent_cell import RecurrentCell
from rnn_layers.fused.activation_grads import activation_name
from rnn_layers.fused.activation_grads import unsupported_activations
from rnn_layers.fused.lstm_recurrence import lstm_recurrence


@keras.saving.register_keras_serializable(package="rnn_layers")
class CIFGLSTMCell(RecurrentCell):
    """LSTM cell whose forget gate is one minus its input gate.

    The variant "耦合输入门和遗忘门, f_t + i_t = 1" of the seed notes (004,
    LSTM的各种变体); Greff et al. (2017, "LSTM: A Search Space Odyssey") call
    it CIFG and find it as good as the full LSTM with a quarter fewer
    weights:

    ```
    i_t = sigmoid(W_i x_t + U_i h_{t-1} + b_i)
    f_t = 1 - i_t
    c~_t = tanh(W_c x_t + U_c h_{t-1} + b_c)
    o_t = sigmoid(W_o x_t + U_o h_{t-1} + b_o)
    c_t = f_t * c_{t-1} + i_t * c~_t
    h_t = o_t * tanh(c_t)
    ```

    `rnn_layers.RNN` runs it on the fused LSTM loop as an LSTM with tied
    forget-gate weights (`fused_input_weights`, `fused_recurrence`), at the
    cost of one LSTM step, when `recurrent_activation` is sigmoid and
    `activation` one of `sigmoid`, `tanh`, `relu`, `linear`
    (`fused_support()`); stepping the cell gives the same numbers.

    The weights have Keras' names; their `3 * units` columns hold the gates
    in the order i, c, o (Keras' LSTM order without f).

    Args:
        units: positive int, dimensionality of the output space.
        activation: activation of the candidate and of the cell output.
            Defaults to `"tanh"`.
        recurrent_activation: activation of the gates; it must map into
            [0, 1] for `1 - i_t` to be a gate. Defaults to `"sigmoid"`.
        use_bias: whether the cell uses a bias vector. Defaults to `True`.
        kernel_initializer: initializer of `kernel`. Defaults to
            `"glorot_uniform"`.
        recurrent_initializer: initializer of `recurrent_kernel`. Defaults
            to `"orthogonal"`.
        bias_initializer: initializer of `bias`. Defaults to `"zeros"`.
        kernel_regularizer, recurrent_regularizer, bias_regularizer:
            regularizers of the three weights. Default to `None`.
        kernel_constraint, recurrent_constraint, bias_constraint:
            constraints of the three weights. Default to `None`.
        dropout: float in [0, 1), fraction of the inputs dropped. Defaults
            to `0.0`.
        recurrent_dropout: float in [0, 1), fraction of `h_{t-1}` dropped.
            Defaults to `0.0`.
        seed: int, random seed of the dropout masks. Defaults to `None`.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: a 2D tensor, `(batch, input_dim)`.
        states: list `[h_{t-1}, c_{t-1}]`, each `(batch, units)`.
        training: Python boolean, whether dropout is applied. Defaults to
            `False`.

    Returns:
        `(h_t, [h_t, c_t])`.

    Example:

    >>> cell = CIFGLSTMCell(4)
    >>> layer = keras.layers.RNN(cell)
    >>> layer(np.ones((2, 5, 3), "float32")).shape
    (2, 4)
    """

    gates = 3

    @property
    def state_size(self):
        return [self.units, self.units]

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]
        x = self.dropped_inputs(inputs, training)
        h = self.dropped_state(h_tm1, training)
        z = ops.matmul(x, self.kernel) + ops.matmul(h, self.recurrent_kernel)
        if self.use_bias:
            z = z + self.bias
        z_i, z_c, z_o = ops.split(z, 3, axis=-1)  # 3 x (batch, units)
        i = self.recurrent_activation(z_i)
        o = self.recurrent_activation(z_o)
        c = (1.0 - i) * c_tm1 + i * self.activation(z_c)
        h = o * self.activation(c)
        return h, [h, c]

    def fused_support(self):
        name = activation_name(self.recurrent_activation)
        if name != "sigmoid":
            return (
                f"{type(self).__name__}'s fused loop ties the forget gate to "
                f"sigmoid gates; received `recurrent_activation={name!r}`"
            )
        return unsupported_activations(activation=self.activation)

    def _split_weights(self):
        """Three-gate `(kernel, recurrent_kernel, bias)` split into i, c, o."""
        kernel = ops.split(self.kernel, 3, axis=-1)
        recurrent = ops.split(self.recurrent_kernel, 3, axis=-1)
        if self.use_bias:
            bias = ops.split(self.bias, 3, axis=-1)
        else:
            bias = [ops.zeros((self.units,), self.kernel.dtype)] * 3
        return kernel, recurrent, bias

    def fused_input_weights(self):
        # f = 1 - i = sigmoid(-z_i): an LSTM whose forget weights are -W_i.
        (k_i, k_c, k_o), _, (b_i, b_c, b_o) = self._split_weights()
        return (
            ops.concatenate([k_i, -k_i, k_c, k_o], axis=-1),
            ops.concatenate([b_i, -b_i, b_c, b_o], axis=-1),
        )

    def fused_recurrence(
        self,
        projected,
        initial_state,
        mask,
        recurrent_mask,
        matmul_dtype,
        compile_forward,
    ):
        _, (r_i, r_c, r_o), _ = self._split_weights()
        h_seq, h_last, c_last = lstm_recurrence(
            projected,
            initial_state[0],
            initial_state[1],
            ops.concatenate([r_i, -r_i, r_c, r_o], axis=-1),
            mask=mask,
            recurrent_mask=recurrent_mask,
            activation=self.activation,
            recurrent_activation=self.recurrent_activation,
            matmul_dtype=matmul_dtype,
            compile_forward=compile_forward,
        )
        return h_seq, [h_last, c_last]
