"""LSTM cell with layer normalization, as TF Addons' `LayerNormLSTMCell`."""

import keras
from keras import initializers
from keras import ops

from rnn_layers.cells.gate_math import layer_norm_lstm_gates
from rnn_layers.cells.layer_norm_fused_inputs import LayerNormFusedInputs
from rnn_layers.cells.layer_norm_math import layer_norm
from rnn_layers.cells.recurrent_cell import RecurrentCell
from rnn_layers.fused.layer_norm_lstm_recurrence import (
    layer_norm_lstm_recurrence,
)


@keras.saving.register_keras_serializable(package="rnn_layers")
class LayerNormLSTMCell(LayerNormFusedInputs, RecurrentCell):
    """LSTM cell with layer normalization of its pre-activations and state.

    Follows TF Addons' `LayerNormLSTMCell` (Ba et al., 2016, "Layer
    Normalization", section 3.1): the input projection and the recurrent
    projection of all four gates are normalized separately, each over its
    `4 * units` features, and the new cell state is normalized before it is
    stored and squashed:

    ```
    z = LN_x(x_t W) + b + LN_h(h_{t-1} U)         # (batch, 4 * units)
    i, f, c~, o = sigmoid(z_i), sigmoid(z_f), tanh(z_c), sigmoid(z_o)
    c_t = LN_c(f * c_{t-1} + i * c~)
    h_t = o * tanh(c_t)
    ```

    `kernel`, `recurrent_kernel` and `bias` have Keras' LSTM names and gate
    order (i, f, c, o). The norms add `kernel_norm_gamma`/`_beta`
    (`4 * units`), `recurrent_norm_gamma`/`_beta` (`4 * units`) and
    `state_norm_gamma`/`_beta` (`units`). Inside `rnn_layers.RNN` whole
    sequences run through a fused loop with a hand-written backward pass
    (`fused/layer_norm_lstm_recurrence.py`; `LN_x(x_t W) + b` of all steps
    at once) when both activations are among `sigmoid`, `tanh`, `relu` and
    `linear` (`fused_support()`); stepping the cell gives the same numbers.

    Args:
        units: positive int, dimensionality of the output space.
        activation: activation of the candidate and of the cell output.
            Defaults to `"tanh"`.
        recurrent_activation: activation of the gates. Defaults to
            `"sigmoid"`.
        use_bias: whether the cell uses a bias vector. Defaults to `True`.
        kernel_initializer: initializer of `kernel`. Defaults to
            `"glorot_uniform"`.
        recurrent_initializer: initializer of `recurrent_kernel`. Defaults
            to `"orthogonal"`.
        bias_initializer: initializer of `bias`. Defaults to `"zeros"`.
        unit_forget_bias: whether to add 1 to the forget-gate bias at
            initialization. Defaults to `True`.
        norm_gamma_initializer: initializer of the norms' scales. Defaults
            to `"ones"`.
        norm_beta_initializer: initializer of the norms' shifts. Defaults to
            `"zeros"`.
        norm_epsilon: positive float added to the variances. Defaults to
            `1e-3` (TF Addons' value).
        kernel_regularizer, recurrent_regularizer, bias_regularizer:
            regularizers of the three main weights. Default to `None`.
        kernel_constraint, recurrent_constraint, bias_constraint:
            constraints of the three main weights. Default to `None`.
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

    >>> cell = LayerNormLSTMCell(4)
    >>> layer = keras.layers.RNN(cell, return_sequences=True)
    >>> layer(np.ones((2, 5, 3), "float32")).shape
    (2, 5, 4)
    """

    gates = 4

    def __init__(
        self,
        units,
        unit_forget_bias=True,
        norm_gamma_initializer="ones",
        norm_beta_initializer="zeros",
        norm_epsilon=1e-3,
        **kwargs,
    ):
        if not norm_epsilon > 0:
            raise ValueError(
                f"Received `norm_epsilon={norm_epsilon}`; expected a "
                "positive float such as 1e-3."
            )
        super().__init__(units, **kwargs)
        self.unit_forget_bias = unit_forget_bias
        self.norm_gamma_initializer = initializers.get(norm_gamma_initializer)
        self.norm_beta_initializer = initializers.get(norm_beta_initializer)
        self.norm_epsilon = float(norm_epsilon)

    @property
    def state_size(self):
        return [self.units, self.units]

    def bias_initial_value(self, shape, dtype=None):
        if not self.unit_forget_bias:
            return self.bias_initializer(shape, dtype=dtype)
        units = self.units
        return ops.concatenate(
            [
                self.bias_initializer((units,), dtype=dtype),
                ops.ones((units,), dtype=dtype),
                self.bias_initializer((units * 2,), dtype=dtype),
            ]
        )

    def _add_norm(self, name, size):
        gamma = self.add_weight(
            shape=(size,),
            name=f"{name}_gamma",
            initializer=self.norm_gamma_initializer,
        )
        beta = self.add_weight(
            shape=(size,),
            name=f"{name}_beta",
            initializer=self.norm_beta_initializer,
        )
        return gamma, beta

    def build(self, input_shape):
        super().build(input_shape)
        self.kernel_norm_gamma, self.kernel_norm_beta = self._add_norm(
            "kernel_norm", 4 * self.units
        )
        self.recurrent_norm_gamma, self.recurrent_norm_beta = self._add_norm(
            "recurrent_norm", 4 * self.units
        )
        self.state_norm_gamma, self.state_norm_beta = self._add_norm(
            "state_norm", self.units
        )

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]
        x = self.dropped_inputs(inputs, training)
        h = self.dropped_state(h_tm1, training)
        eps = self.norm_epsilon
        a = layer_norm(
            ops.matmul(x, self.kernel),
            self.kernel_norm_gamma,
            self.kernel_norm_beta,
            eps,
        )  # (batch, 4 * units)
        if self.use_bias:
            a = a + self.bias
        z = a + layer_norm(
            ops.matmul(h, self.recurrent_kernel),
            self.recurrent_norm_gamma,
            self.recurrent_norm_beta,
            eps,
        )
        h, c, _, _ = layer_norm_lstm_gates(
            z, c_tm1, self.state_norm_gamma, self.state_norm_beta, eps,
            self.activation, self.recurrent_activation,
        )
        return h, [h, c]

    def fused_recurrence(
        self,
        projected,
        initial_state,
        mask,
        recurrent_mask,
        matmul_dtype,
        compile_forward,
    ):
        h_seq, h_last, c_last = layer_norm_lstm_recurrence(
            projected,
            initial_state[0],
            initial_state[1],
            self.recurrent_kernel,
            (self.recurrent_norm_gamma, self.recurrent_norm_beta),
            (self.state_norm_gamma, self.state_norm_beta),
            self.norm_epsilon,
            mask=mask,
            recurrent_mask=recurrent_mask,
            activation=self.activation,
            recurrent_activation=self.recurrent_activation,
            matmul_dtype=matmul_dtype,
            compile_forward=compile_forward,
        )
        return h_seq, [h_last, c_last]

    def get_config(self):
        config = {
            "unit_forget_bias": self.unit_forget_bias,
            "norm_gamma_initializer": initializers.serialize(
                self.norm_gamma_initializer
            ),
            "norm_beta_initializer": initializers.serialize(
                self.norm_beta_initializer
            ),
            "norm_epsilon": self.norm_epsilon,
        }
        return {**super().get_config(), **config}
