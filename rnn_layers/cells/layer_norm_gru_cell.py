"""GRU cell with layer normalization of its projections."""

import keras
from keras import initializers
from keras import ops

from rnn_layers.cells.gate_math import gru_gates
from rnn_layers.cells.layer_norm_fused_inputs import LayerNormFusedInputs
from rnn_layers.cells.layer_norm_math import layer_norm
from rnn_layers.cells.recurrent_cell import RecurrentCell
from rnn_layers.fused.layer_norm_gru_recurrence import (
    layer_norm_gru_recurrence,
)


@keras.saving.register_keras_serializable(package="rnn_layers")
class LayerNormGRUCell(LayerNormFusedInputs, RecurrentCell):
    """GRU cell with layer normalization of the input and recurrent terms.

    The GRU of the seed notes (004, 门控循环单元) with Ba et al.'s (2016)
    layer normalization applied, as in `LayerNormLSTMCell`, to the input
    projection and to the recurrent projection of the three blocks, each
    normalized over its `3 * units` features. The reset gate multiplies the
    normalized recurrent term of the candidate (Keras' `reset_after=True`
    placement, the one cuDNN uses), and `h_t` keeps Keras' convention:

    ```
    a = LN_x(x_t W)                               # (batch, 3 * units)
    g = LN_h(h_{t-1} U)                           # (batch, 3 * units)
    z_t = sigmoid(a_z + g_z + b_z)
    r_t = sigmoid(a_r + g_r + b_r)
    h~_t = tanh(a_h + r_t * g_h + b_h)
    h_t = z_t * h_{t-1} + (1 - z_t) * h~_t
    ```

    `kernel`, `recurrent_kernel` and `bias` have Keras' GRU names and gate
    order (z, r, h); the bias is a single `(3 * units,)` vector. The norms
    add `kernel_norm_gamma`/`_beta` and `recurrent_norm_gamma`/`_beta`, each
    `(3 * units,)`. Inside `rnn_layers.RNN` whole sequences run through a
    fused loop with a hand-written backward pass
    (`fused/layer_norm_gru_recurrence.py`; `LN_x(x_t W) + b` of all steps at
    once) when both activations are among `sigmoid`, `tanh`, `relu` and
    `linear` (`fused_support()`); stepping the cell gives the same numbers.

    Args:
        units: positive int, dimensionality of the output space.
        activation: activation of the candidate. Defaults to `"tanh"`.
        recurrent_activation: activation of the gates. Defaults to
            `"sigmoid"`.
        use_bias: whether the cell uses a bias vector. Defaults to `True`.
        kernel_initializer: initializer of `kernel`. Defaults to
            `"glorot_uniform"`.
        recurrent_initializer: initializer of `recurrent_kernel`. Defaults
            to `"orthogonal"`.
        bias_initializer: initializer of `bias`. Defaults to `"zeros"`.
        norm_gamma_initializer: initializer of the norms' scales. Defaults
            to `"ones"`.
        norm_beta_initializer: initializer of the norms' shifts. Defaults to
            `"zeros"`.
        norm_epsilon: positive float added to the variances. Defaults to
            `1e-3`.
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
        states: list `[h_{t-1}]`, `(batch, units)`.
        training: Python boolean, whether dropout is applied. Defaults to
            `False`.

    Returns:
        `(h_t, [h_t])`.

    Example:

    >>> cell = LayerNormGRUCell(4)
    >>> layer = keras.layers.RNN(cell, return_sequences=True)
    >>> layer(np.ones((2, 5, 3), "float32")).shape
    (2, 5, 4)
    """

    gates = 3

    def __init__(
        self,
        units,
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
        self.norm_gamma_initializer = initializers.get(norm_gamma_initializer)
        self.norm_beta_initializer = initializers.get(norm_beta_initializer)
        self.norm_epsilon = float(norm_epsilon)

    def build(self, input_shape):
        super().build(input_shape)
        size = 3 * self.units
        for name in ("kernel_norm", "recurrent_norm"):
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
            setattr(self, f"{name}_gamma", gamma)
            setattr(self, f"{name}_beta", beta)

    def call(self, inputs, states, training=False):
        h_tm1 = states[0] if isinstance(states, (list, tuple)) else states
        x = self.dropped_inputs(inputs, training)
        h = self.dropped_state(h_tm1, training)
        eps = self.norm_epsilon
        a = layer_norm(
            ops.matmul(x, self.kernel),
            self.kernel_norm_gamma,
            self.kernel_norm_beta,
            eps,
        )  # (batch, 3 * units)
        g = layer_norm(
            ops.matmul(h, self.recurrent_kernel),
            self.recurrent_norm_gamma,
            self.recurrent_norm_beta,
            eps,
        )  # (batch, 3 * units)
        if self.use_bias:
            a = a + self.bias
        h, _ = gru_gates(
            a, g, h_tm1, self.activation, self.recurrent_activation
        )
        return h, [h]

    def fused_recurrence(
        self,
        projected,
        initial_state,
        mask,
        recurrent_mask,
        matmul_dtype,
        compile_forward,
    ):
        h_seq, h_last = layer_norm_gru_recurrence(
            projected,
            initial_state[0],
            self.recurrent_kernel,
            (self.recurrent_norm_gamma, self.recurrent_norm_beta),
            self.norm_epsilon,
            mask=mask,
            recurrent_mask=recurrent_mask,
            activation=self.activation,
            recurrent_activation=self.recurrent_activation,
            matmul_dtype=matmul_dtype,
            compile_forward=compile_forward,
        )
        return h_seq, [h_last]

    def get_config(self):
        config = {
            "norm_gamma_initializer": initializers.serialize(
                self.norm_gamma_initializer
            ),
            "norm_beta_initializer": initializers.serialize(
                self.norm_beta_initializer
            ),
            "norm_epsilon": self.norm_epsilon,
        }
        return {**super().get_config(), **config}
