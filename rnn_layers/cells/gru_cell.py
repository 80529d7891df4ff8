"""Gated recurrent unit cell (Cho et al., 2014)."""

import keras
from keras import ops

from rnn_layers.cells.gate_math import gru_gates
from rnn_layers.cells.recurrent_cell import RecurrentCell
from rnn_layers.cells.recurrent_cell import _rate
from rnn_layers.cells.zoneout import ZoneoutMixin
from rnn_layers.fused.activation_grads import unsupported_activations
from rnn_layers.fused.gru_recurrence import gru_recurrence


@keras.saving.register_keras_serializable(package="rnn_layers")
class GRUCell(ZoneoutMixin, RecurrentCell):
    """Cell class for the GRU layer, weight-compatible with Keras'.

    z = σ(x W_z + h U_z + b_z), r = σ(x W_r + h U_r + b_r),
    n = tanh(x W_h + b_h + r ⊙ (h U_h + b'_h))   (`reset_after=True`), or
    n = tanh(x W_h + b_h + (r ⊙ h) U_h)           (`reset_after=False`),
    h_t = z ⊙ h_{t-1} + (1 - z) ⊙ n.
    With `zoneout` (Krueger et al., 2017) h_t then mixes with h_{t-1}:
    h_t = d ⊙ h_{t-1} + (1 - d) ⊙ h_t, d ~ Bernoulli(rate) per step, row and
    unit when training, d = rate at inference (`cells/zoneout.py`).

    Weights follow `keras.layers.GRUCell`: `kernel` `(input_dim, 3 units)`,
    `recurrent_kernel` `(units, 3 units)`, gate order z, r, h, and `bias`
    `(2, 3 units)` (input and recurrent biases) when `reset_after`, else
    `(3 units,)`. Inside `rnn_layers.RNN` whole sequences run through the
    fused loop with a hand-written backward pass when both activations are
    among `sigmoid`, `tanh`, `relu` and `linear` (`fused_support()`).
    `get_config()` writes `zoneout` only when it is set, so the config of a
    cell without it loads in `keras.layers.GRUCell`.

    Args:
        units: positive int, dimensionality of the output space.
        activation: candidate activation. Defaults to `"tanh"`.
        recurrent_activation: gate activation. Defaults to `"sigmoid"`.
        use_bias: whether to use biases. Defaults to `True`.
        kernel_initializer: Defaults to `"glorot_uniform"`.
        recurrent_initializer: Defaults to `"orthogonal"`.
        bias_initializer: Defaults to `"zeros"`.
        kernel_regularizer, recurrent_regularizer, bias_regularizer:
            Default to `None`.
        kernel_constraint, recurrent_constraint, bias_constraint:
            Default to `None`.
        dropout: fraction of the inputs dropped. Defaults to `0.0`.
        recurrent_dropout: fraction of `h_{t-1}` dropped. Defaults to `0.0`.
        reset_after: whether the reset gate applies after the recurrent
            matmul (Keras' and cuDNN's convention). Defaults to `True`.
        zoneout: float in [0, 1), probability that a unit of `h` keeps its
            previous value at a step. Defaults to `0.0`.
        seed: random seed for dropout and zoneout. Defaults to `None`.
        implementation: accepted and ignored, as `keras.layers.GRUCell`
            does, so that configs carrying it (tf.keras, Keras 2) load; this
            cell always does one matmul per weight. Defaults to `2`.
        **kwargs: base layer arguments.

    Call arguments:
        inputs: `(batch, input_dim)`, one timestep.
        states: list `[h_tm1]`.
        training: whether dropout applies. Defaults to `False`.
        zoneout_mask: list `[d_h]` with a `(batch, units)` zoneout mask for
            this step; drawn when training and `None`. Defaults to `None`.

    Returns:
        `(h, [h])`.

    Example:

    >>> layer = rnn_layers.RNN(GRUCell(4, reset_after=False))
    >>> layer(np.ones((2, 3, 5), "float32")).shape
    (2, 4)
    """

    gates = 3

    def __init__(self, units, reset_after=True, zoneout=0.0,
                 implementation=2, **kwargs):
        super().__init__(units, **kwargs)
        self.reset_after = reset_after
        self.zoneout = _rate("zoneout", zoneout)

    def bias_shape(self):
        if self.reset_after:
            return (2, 3 * self.units)
        return (3 * self.units,)

    def input_bias(self):
        """The bias added to the input projection."""
        return self.bias[0] if self.reset_after else self.bias

    def recurrent_bias(self):
        """The bias of the recurrent projection (zeros when absent)."""
        if self.use_bias and self.reset_after:
            return self.bias[1]
        return ops.zeros((3 * self.units,), dtype=self.compute_dtype)

    def call(self, inputs, states, training=False, zoneout_mask=None):
        h_tm1 = states[0] if isinstance(states, (list, tuple)) else states
        units = self.units
        inputs = self.dropped_inputs(inputs, training)
        h_in = self.dropped_state(h_tm1, training)
        x = ops.matmul(inputs, self.kernel)
        if self.use_bias:
            x = x + self.input_bias()
        if self.reset_after:
            hu = ops.matmul(h_in, self.recurrent_kernel) + self.recurrent_bias()
            reset_projection = None
        else:
            hu = ops.matmul(h_in, self.recurrent_kernel[:, : 2 * units])

            def reset_projection(r):
                return ops.matmul(
                    r * h_in, self.recurrent_kernel[:, 2 * units :]
                )

        h, _ = gru_gates(
            x, hu, h_tm1, self.activation, self.recurrent_activation,
            reset_projection=reset_projection,
        )
        if self.zoneout > 0:
            (h,) = self.zoned_states([h_tm1], [h], training, zoneout_mask)
        return h, [h]

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
        if zoneout is not None:
            # h_t = h_{t-1} + m (1 - d) (h̃_t - h_{t-1}): zoneout is a
            # per-unit padding mask, which the loop and its backward handle.
            keep = 1.0 - zoneout[0]  # (time, batch, units) or (time, 1, 1)
            mask = keep if mask is None else mask * keep
        h_seq, h_last = gru_recurrence(
            projected,
            initial_state[0],
            self.recurrent_kernel,
            ops.cast(self.recurrent_bias(), "float32"),
            reset_after=self.reset_after,
            mask=mask,
            recurrent_mask=recurrent_mask,
            activation=self.activation,
            recurrent_activation=self.recurrent_activation,
            matmul_dtype=matmul_dtype,
            compile_forward=compile_forward,
        )
        return h_seq, [h_last]

    def get_config(self):
        config = {**super().get_config(), "reset_after": self.reset_after}
        if self.zoneout:
            config["zoneout"] = self.zoneout
        return config
