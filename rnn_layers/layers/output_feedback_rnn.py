"""Drop-in sequence layer running `OutputFeedbackRNNCell`."""

import keras

from rnn_layers.cells.output_feedback_rnn_cell import OutputFeedbackRNNCell
from rnn_layers.layers.cell_layer import CellLayer


@keras.saving.register_keras_serializable(package="rnn_layers")
class OutputFeedbackRNN(CellLayer):
    """Recurrent layer whose hidden state reads the previous output y_{t-1}.

    Builds a `OutputFeedbackRNNCell` from Keras-style arguments and runs it in
    `rnn_layers.RNN`; see the cell for the equations and weight layout.

    Args:
        units: positive int, dimensionality of the hidden layer.
        output_units: positive int, size of the output `y_t`.
        output_activation: Defaults to `"softmax"`.
        teacher_forcing: whether each input step ends with the true
            previous output, read when `training` is true. Defaults to
            `False`.
        activation: Defaults to `"tanh"`.
        use_bias: Defaults to `True`.
        kernel_initializer: Defaults to `"glorot_uniform"`.
        recurrent_initializer: Defaults to `"orthogonal"`.
        bias_initializer: Defaults to `"zeros"`.
        kernel_regularizer, recurrent_regularizer, bias_regularizer,
            activity_regularizer: Default to `None`.
        kernel_constraint, recurrent_constraint, bias_constraint:
            Default to `None`.
        dropout: fraction of the inputs dropped. Defaults to `0.0`.
        seed: random seed for dropout. Defaults to `None`.
        return_sequences: Defaults to `False`.
        return_state: Defaults to `False`.
        go_backwards: Defaults to `False`.
        stateful: Defaults to `False`.
        unroll: Defaults to `False`.

    Call arguments:
        sequences: `(batch, time, features)`.
        initial_state: list `[y0]`. Defaults to zeros.
        mask: `(batch, time)` boolean mask.
        training: whether dropout and teacher forcing apply.

    Returns:
        Outputs `(batch, output_units)` or `(batch, time, output_units)`,
        then `y` when `return_state=True`.

    Example:

    >>> layer = OutputFeedbackRNN(4, output_units=2, return_sequences=True)
    >>> layer(np.ones((2, 3, 5), "float32")).shape
    (2, 3, 2)
    """

    cell_class = OutputFeedbackRNNCell
    cell_properties = CellLayer.cell_properties + (
        "output_units",
        "teacher_forcing",
    )
