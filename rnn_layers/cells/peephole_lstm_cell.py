"""LSTM cell with diagonal peephole connections from the cell state."""

import keras
from keras import constraints
from keras import initializers
from keras import ops
from keras import regularizers

from rnn_layers.cells.recurrent_cell import RecurrentCell
from rnn_layers.fused.activation_grads import unsupported_activations
from rnn_layers.fused.peephole_lstm_recurrence import (
    peephole_lstm_recurrence,
)


@keras.saving.register_keras_serializable(package="rnn_layers")
class PeepholeLSTMCell(RecurrentCell):
    """LSTM cell whose gates also look at the cell state (peepholes).

    The "peephole连接" variant of the seed notes (004, LSTM的各种变体; Gers &
    Schmidhuber, 2000). The input and forget gates see `c_{t-1}`, the output
    gate sees the new `c_t`, each through a diagonal (elementwise) weight
    vector `V`:

    ```
    i_t = sigmoid(W_i x_t + U_i h_{t-1} + V_i * c_{t-1} + b_i)
    f_t = sigmoid(W_f x_t + U_f h_{t-1} + V_f * c_{t-1} + b_f)
    c_t = f_t * c_{t-1} + i_t * tanh(W_c x_t + U_c h_{t-1} + b_c)
    o_t = sigmoid(W_o x_t + U_o h_{t-1} + V_o * c_t + b_o)
    h_t = o_t * tanh(c_t)
    ```

    `kernel`, `recurrent_kernel` and `bias` are exactly Keras' `LSTMCell`
    weights (gate order i, f, c, o), so they copy over; the peepholes are the
    extra weights `input_gate_peephole_weights`,
    `forget_gate_peephole_weights` and `output_gate_peephole_weights`, each
    `(units,)`, named as in TF 2's `PeepholeLSTMCell`. Inside
    `rnn_layers.RNN` whole sequences run through a fused loop with a
    hand-written backward pass (`fused/peephole_lstm_recurrence.py`) when
    both activations are among `sigmoid`, `tanh`, `relu` and `linear`
    (`fused_support()`); stepping the cell gives the same numbers.

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
            initialization (Jozefowicz et al., 2015). Defaults to `True`.
        peephole_initializer: initializer of the three peephole vectors.
            Defaults to `"glorot_uniform"`.
        peephole_regularizer: regularizer of the peephole vectors. Defaults
            to `None`.
        peephole_constraint: constraint of the peephole vectors. Defaults to
            `None`.
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

    >>> cell = PeepholeLSTMCell(4)
    >>> layer = keras.layers.RNN(cell, return_sequences=True)
    >>> layer(np.ones((2, 5, 3), "float32")).shape
    (2, 5, 4)
    """

    gates = 4

    def __init__(
        self,
        units,
        unit_forget_bias=True,
        peephole_initializer="glorot_uniform",
        peephole_regularizer=None,
        peephole_constraint=None,
        **kwargs,
    ):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = unit_forget_bias
        self.peephole_initializer = initializers.get(peephole_initializer)
        self.peephole_regularizer = regularizers.get(peephole_regularizer)
        self.peephole_constraint = constraints.get(peephole_constraint)

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

    def build(self, input_shape):
        super().build(input_shape)
        for gate in ("input", "forget", "output"):
            weight = self.add_weight(
                shape=(self.units,),
                name=f"{gate}_gate_peephole_weights",
                initializer=self.peephole_initializer,
                regularizer=self.peephole_regularizer,
                constraint=self.peephole_constraint,
            )
            setattr(self, f"{gate}_gate_peephole_weights", weight)

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]
        x = self.dropped_inputs(inputs, training)
        h = self.dropped_state(h_tm1, training)
        z = ops.matmul(x, self.kernel) + ops.matmul(h, self.recurrent_kernel)
        if self.use_bias:
            z = z + self.bias
        z_i, z_f, z_c, z_o = ops.split(z, 4, axis=-1)  # 4 x (batch, units)
        i = self.recurrent_activation(
            z_i + self.input_gate_peephole_weights * c_tm1
        )
        f = self.recurrent_activation(
            z_f + self.forget_gate_peephole_weights * c_tm1
        )
        c = f * c_tm1 + i * self.activation(z_c)
        o = self.recurrent_activation(
            z_o + self.output_gate_peephole_weights * c
        )
        h = o * self.activation(c)
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
    ):
        peepholes = ops.stack(
            [
                ops.cast(getattr(self, f"{gate}_gate_peephole_weights"),
                         "float32")
                for gate in ("input", "forget", "output")
            ]
        )  # (3, units)
        h_seq, h_last, c_last = peephole_lstm_recurrence(
            projected,
            initial_state[0],
            initial_state[1],
            self.recurrent_kernel,
            peepholes,
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
            "peephole_initializer": initializers.serialize(
                self.peephole_initializer
            ),
            "peephole_regularizer": regularizers.serialize(
                self.peephole_regularizer
            ),
            "peephole_constraint": constraints.serialize(
                self.peephole_constraint
            ),
        }
        return {**super().get_config(), **config}
