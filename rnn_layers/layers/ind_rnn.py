"""Drop-in sequence layer running `IndRNNCell`."""

import keras

from rnn_layers.cells.ind_rnn_cell import IndRNNCell
from rnn_layers.layers.cell_layer import CellLayer


@keras.saving.register_keras_serializable(package="rnn_layers")
class IndRNN(CellLayer):
    """Independently recurrent layer: h_t = relu(W x_t + u * h_{t-1} + b).

    Builds a `IndRNNCell` from Keras-style arguments and runs it in
    `rnn_layers.RNN`; see the cell for the equations and weight layout.

    Args:
        units: positive int, dimensionality of the output space.
        activation: Defaults to `"relu"`.
        use_bias: Defaults to `True`.
        kernel_initializer: Defaults to `"glorot_uniform"`.
        recurrent_initializer: Defaults to `None` (uniform on [0, 1]).
        bias_initializer: Defaults to `"zeros"`.
        kernel_regularizer, recurrent_regularizer, bias_regularizer,
            activity_regularizer: Default to `None`.
        kernel_constraint, recurrent_constraint, bias_constraint:
            Default to `None`.
        dropout: fraction of the inputs dropped. Defaults to `0.0`.
        recurrent_dropout: fraction of `h_{t-1}` dropped. Defaults to `0.0`.
        seed: random seed for dropout. Defaults to `None`.
        return_sequences: Defaults to `False`.
        return_state: Defaults to `False`.
        go_backwards: Defaults to `False`.
        stateful: Defaults to `False`.
        unroll: Defaults to `False`.

    Call arguments:
        sequences: `(batch, time, features)`.
        initial_state: list `[h0]`. Defaults to zeros.
        mask: `(batch, time)` boolean mask.
        training: whether dropout applies.

    Returns:
        Outputs `(batch, units)` or `(batch, time, units)`, then `h`
        when `return_state=True`.

    Example:

    >>> layer = IndRNN(4, return_sequences=True)
    >>> layer(np.ones((2, 3, 5), "float32")).shape
    (2, 3, 4)
    """

    cell_class = IndRNNCell
