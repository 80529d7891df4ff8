"""Drop-in replacement for `keras.layers.SimpleRNN`."""

import keras

from rnn_layers.cells.simple_rnn_cell import SimpleRNNCell
from rnn_layers.layers.cell_layer import CellLayer


@keras.saving.register_keras_serializable(package="rnn_layers")
class SimpleRNN(CellLayer):
    """Fully connected recurrent layer with `SimpleRNNCell`'s fused loop.

    Takes exactly `keras.layers.SimpleRNN`'s arguments (so, like it, no
    `use_cudnn` and no `implementation`: they raise Keras' "Unrecognized
    keyword arguments" error) and its weights.

    Args:
        units: positive int, dimensionality of the output space.
        activation: Defaults to `"tanh"`.
        use_bias: Defaults to `True`.
        kernel_initializer: Defaults to `"glorot_uniform"`.
        recurrent_initializer: Defaults to `"orthogonal"`.
        bias_initializer: Defaults to `"zeros"`.
        kernel_regularizer, recurrent_regularizer, bias_regularizer,
            activity_regularizer: Default to `None`.
        kernel_constraint, recurrent_constraint, bias_constraint:
            Default to `None`.
        dropout: Defaults to `0.0`.
        recurrent_dropout: Defaults to `0.0`.
        seed: Defaults to `None`.
        return_sequences, return_state, go_backwards, stateful, unroll:
            as in `keras.layers.SimpleRNN`. Default to `False`.
        fused: `"auto"` runs the fused loop when `activation` allows it
            (`sigmoid`, `tanh`, `relu`, `linear`), `True` also warns when
            it does not, `False` steps the cell under autodiff (see
            `rnn_layers.RNN`). Defaults to `"auto"`.

    Call arguments:
        sequences: `(batch, time, features)`.
        initial_state: list `[h0]`. Defaults to zeros.
        mask: `(batch, time)` boolean mask.
        training: whether dropout applies.

    Returns:
        Outputs, then `h` when `return_state=True`.

    Example:

    >>> SimpleRNN(4)(np.ones((2, 3, 5), "float32")).shape
    (2, 4)
    """

    cell_class = SimpleRNNCell
