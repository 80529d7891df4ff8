"""Fully connected recurrent cell (Elman, 1990)."""

import keras
from keras import ops

from rnn_layers.cells.recurrent_cell import RecurrentCell
from rnn_layers.fused.activation_grads import unsupported_activations
from rnn_layers.fused.simple_rnn_recurrence import simple_rnn_recurrence


@keras.saving.register_keras_serializable(package="rnn_layers")
class SimpleRNNCell(RecurrentCell):
    """Cell class for SimpleRNN, weight-compatible with Keras'.

    h_t = act(x_t W + h_{t-1} U + b): the seed notes' simple recurrent
    network (SRN). Weights `kernel` `(input_dim, units)`, `recurrent_kernel`
    `(units, units)`, `bias` `(units,)`. Inside `rnn_layers.RNN` whole
    sequences run through a fused loop when `activation` is one of
    `sigmoid`, `tanh`, `relu` and `linear` (`fused_support()`).

    Args:
        units: positive int, dimensionality of the output space.
        activation: Defaults to `"tanh"`.
        use_bias: Defaults to `True`.
        kernel_initializer: Defaults to `"glorot_uniform"`.
        recurrent_initializer: Defaults to `"orthogonal"`.
        bias_initializer: Defaults to `"zeros"`.
        kernel_regularizer, recurrent_regularizer, bias_regularizer:
            Default to `None`.
        kernel_constraint, recurrent_constraint, bias_constraint:
            Default to `None`.
        dropout: fraction of the inputs dropped. Defaults to `0.0`.
        recurrent_dropout: fraction of `h_{t-1}` dropped. Defaults to `0.0`.
        seed: random seed for dropout. Defaults to `None`.
        **kwargs: base layer arguments.

    Call arguments:
        inputs: `(batch, input_dim)`, one timestep.
        states: list `[h_tm1]`.
        training: whether dropout applies. Defaults to `False`.

    Returns:
        `(h, [h])`.

    Example:

    >>> layer = rnn_layers.RNN(SimpleRNNCell(4), return_sequences=True)
    >>> layer(np.ones((2, 3, 5), "float32")).shape
    (2, 3, 4)
    """

    def __init__(self, units, activation="tanh", **kwargs):
        super().__init__(units, activation=activation, **kwargs)

    def call(self, inputs, states, training=False):
        h_tm1 = states[0] if isinstance(states, (list, tuple)) else states
        z = ops.matmul(self.dropped_inputs(inputs, training), self.kernel)
        if self.use_bias:
            z = z + self.bias
        z = z + ops.matmul(
            self.dropped_state(h_tm1, training), self.recurrent_kernel
        )
        h = self.activation(z)
        return h, [h]

    def fused_support(self):
        return unsupported_activations(activation=self.activation)

    def fused_recurrence(
        self,
        projected,
        initial_state,
        mask,
        recurrent_mask,
        matmul_dtype,
        compile_forward,
    ):
        h_seq, h_last = simple_rnn_recurrence(
            projected,
            initial_state[0],
            self.recurrent_kernel,
            mask=mask,
            recurrent_mask=recurrent_mask,
            activation=self.activation,
            matmul_dtype=matmul_dtype,
            compile_forward=compile_forward,
        )
        return h_seq, [h_last]

    def get_config(self):
        config = super().get_config()
        del config["recurrent_activation"]
        return config
