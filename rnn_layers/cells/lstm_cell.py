"""Long short-term memory cell (Hochreiter & Schmidhuber, 1997)."""

import keras
from keras import initializers
from keras import ops

from rnn_layers.cells.gate_math import lstm_gates
from rnn_layers.cells.recurrent_cell import RecurrentCell
from rnn_layers.cells.recurrent_cell import _rate
from rnn_layers.cells.zoneout import ZoneoutMixin
from rnn_layers.fused.activation_grads import unsupported_activations
from rnn_layers.fused.lstm_recurrence import lstm_recurrence


@keras.saving.register_keras_serializable(package="rnn_layers")
class LSTMCell(ZoneoutMixin, RecurrentCell):
    """Cell class for the LSTM layer, weight-compatible with Keras'.

    i = σ(x W_i + h U_i + b_i), f = σ(x W_f + h U_f + b_f),
    c̃ = tanh(x W_c + h U_c + b_c), o = σ(x W_o + h U_o + b_o),
    c_t = f ⊙ c_{t-1} + i ⊙ c̃, h_t = o ⊙ tanh(c_t).
    With `zoneout` (Krueger et al., 2017) both states then mix with their
    previous values: s_t = d ⊙ s_{t-1} + (1 - d) ⊙ s_t, d ~ Bernoulli(rate)
    per step, row and unit when training, d = rate at inference
    (`cells/zoneout.py` says how the masks reach each step).

    Weights are `kernel` `(input_dim, 4 units)`, `recurrent_kernel`
    `(units, 4 units)` and `bias` `(4 units,)` in Keras' gate order i, f, c, o,
    so `set_weights(keras.layers.LSTMCell(...).get_weights())` works. Inside
    `rnn_layers.RNN` the whole sequence runs through a fused loop with a
    hand-written backward pass (`fused_call`) when both activations are
    among `sigmoid`, `tanh`, `relu` and `linear` (`fused_support()`);
    stepping the cell directly gives the same numbers. `get_config()` writes
    `zoneout` only when it is set, so the config of a cell without it loads
    in `keras.layers.LSTMCell`.

    Args:
        units: positive int, dimensionality of the output space.
        activation: activation of the candidate and of the output. Defaults
            to `"tanh"`.
        recurrent_activation: activation of the gates. Defaults to
            `"sigmoid"`.
        use_bias: whether to use a bias. Defaults to `True`.
        kernel_initializer: Defaults to `"glorot_uniform"`.
        recurrent_initializer: Defaults to `"orthogonal"`.
        bias_initializer: Defaults to `"zeros"`.
        unit_forget_bias: whether to add 1 to the forget-gate bias at
            initialization (Jozefowicz et al., 2015). Defaults to `True`.
        kernel_regularizer, recurrent_regularizer, bias_regularizer:
            Default to `None`.
        kernel_constraint, recurrent_constraint, bias_constraint:
            Default to `None`.
        dropout: fraction of the inputs dropped. Defaults to `0.0`.
        recurrent_dropout: fraction of `h_{t-1}` dropped. Defaults to `0.0`.
        zoneout: float in [0, 1), probability that a unit of `h` (and of
            `c`) keeps its previous value at a step. Defaults to `0.0`.
        seed: random seed for dropout and zoneout. Defaults to `None`.
        implementation: accepted and ignored, as `keras.layers.LSTMCell`
            does, so that configs carrying it (tf.keras, Keras 2) load; this
            cell always does one matmul per weight. Defaults to `2`.
        **kwargs: base layer arguments.

    Call arguments:
        inputs: `(batch, input_dim)`, one timestep.
        states: list `[h_tm1, c_tm1]`, each `(batch, units)`.
        training: whether dropout applies. Defaults to `False`.
        zoneout_mask: list `[d_h, d_c]` of `(batch, units)` zoneout masks
            for this step (1 keeps the previous value); drawn when training
            and `None`. Defaults to `None`.

    Returns:
        `(h, [h, c])`.

    Example:

    >>> cell = LSTMCell(4)
    >>> layer = rnn_layers.RNN(cell, return_sequences=True)
    >>> layer(np.ones((2, 3, 5), "float32")).shape
    (2, 3, 4)
    """

    gates = 4

    def __init__(self, units, unit_forget_bias=True, zoneout=0.0,
                 implementation=2, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = unit_forget_bias
        self.zoneout = _rate("zoneout", zoneout)

    @property
    def state_size(self):
        return [self.units, self.units]

    def bias_initial_value(self, shape, dtype=None):
        if not self.unit_forget_bias:
            return self.bias_initializer(shape, dtype=dtype)
        return ops.concatenate(
            [
                self.bias_initializer((self.units,), dtype=dtype),
                initializers.get("ones")((self.units,), dtype=dtype),
                self.bias_initializer((self.units * 2,), dtype=dtype),
            ]
        )

    def call(self, inputs, states, training=False, zoneout_mask=None):
        h_tm1, c_tm1 = states[0], states[1]
        inputs = self.dropped_inputs(inputs, training)
        z = ops.matmul(inputs, self.kernel)
        z = z + ops.matmul(
            self.dropped_state(h_tm1, training), self.recurrent_kernel
        )
        if self.use_bias:
            z = z + self.bias
        h, c, _ = lstm_gates(
            z, c_tm1, self.activation, self.recurrent_activation
        )
        if self.zoneout > 0:
            h, c = self.zoned_states(
                [h_tm1, c_tm1], [h, c], training, zoneout_mask
            )
        return h, [h, c]

    def fused_support(self):
        return unsupported_activations(
            activation=self.activation,
            recurrent_activation=self.recurrent_activation,
        )

    def fused_recurrence(
        self,
        projected,
        initial_state,
        mask,
        recurrent_mask,
        matmul_dtype,
        compile_forward,
        zoneout=None,
    ):
        h_seq, h_last, c_last = lstm_recurrence(
            projected,
            initial_state[0],
            initial_state[1],
            self.recurrent_kernel,
            mask=mask,
            recurrent_mask=recurrent_mask,
            activation=self.activation,
            recurrent_activation=self.recurrent_activation,
            matmul_dtype=matmul_dtype,
            compile_forward=compile_forward,
            zoneout=zoneout,
        )
        return h_seq, [h_last, c_last]

    def get_config(self):
        config = {
            **super().get_config(),
            "unit_forget_bias": self.unit_forget_bias,
        }
        if self.zoneout:
            config["zoneout"] = self.zoneout
        return config
