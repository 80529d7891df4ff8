"""Drop-in replacement for `keras.layers.LSTM`."""

import keras

from rnn_layers.cells.lstm_cell import LSTMCell
from rnn_layers.layers.cell_layer import CellLayer


@keras.saving.register_keras_serializable(package="rnn_layers")
class LSTM(CellLayer):
    """Long short-term memory layer, fast on CPU, same numbers as Keras'.

    Takes `keras.layers.LSTM`'s arguments and weights; runs the fused loop
    of `LSTMCell` (input projection hoisted out of the loop, one recurrent
    matmul per step, hand-written backward pass). Under a `mixed_bfloat16`
    policy the matmuls run in bfloat16 while states and gates stay float32.

    Args:
        units: positive int, dimensionality of the output space.
        activation: Defaults to `"tanh"`.
        recurrent_activation: Defaults to `"sigmoid"`.
        use_bias: Defaults to `True`.
        kernel_initializer: Defaults to `"glorot_uniform"`.
        recurrent_initializer: Defaults to `"orthogonal"`.
        bias_initializer: Defaults to `"zeros"`.
        unit_forget_bias: Defaults to `True`.
        kernel_regularizer, recurrent_regularizer, bias_regularizer,
            activity_regularizer: Default to `None`.
        kernel_constraint, recurrent_constraint, bias_constraint:
            Default to `None`.
        dropout: fraction of the inputs dropped. Defaults to `0.0`.
        recurrent_dropout: fraction of `h_{t-1}` dropped. Defaults to `0.0`.
        zoneout: probability that a unit of `h` (and `c`) keeps its
            previous value at a step (Krueger et al., 2017). Defaults to
            `0.0`.
        seed: random seed for dropout and zoneout. Defaults to `None`.
        return_sequences: Defaults to `False`.
        return_state: Defaults to `False`.
        go_backwards: Defaults to `False`.
        stateful: Defaults to `False`.
        unroll: Defaults to `False`.
        fused: `"auto"` runs the fused loop when the activations allow it
            (`sigmoid`, `tanh`, `relu`, `linear`), `True` also warns when
            they do not, `False` steps the cell under autodiff (see
            `rnn_layers.RNN`). Defaults to `"auto"`.
        use_cudnn: accepted for config compatibility (`"auto"`, `True` or
            `False`); never used. Defaults to `"auto"`.
        implementation: accepted and ignored, as in `keras.layers.LSTM`.
            Defaults to `2`.

    Call arguments:
        sequences: `(batch, time, features)`.
        initial_state: list `[h0, c0]`. Defaults to zeros.
        mask: `(batch, time)` boolean mask.
        training: whether dropout applies.

    Returns:
        Outputs `(batch, units)` or `(batch, time, units)`, then `h`, `c`
        when `return_state=True`.

    Example:

    >>> layer = LSTM(4, return_sequences=True)
    >>> layer(np.ones((2, 3, 5), "float32")).shape
    (2, 3, 4)
    """

    cell_class = LSTMCell
    takes_use_cudnn = True
    cell_properties = CellLayer.cell_properties + (
        "recurrent_activation",
        "unit_forget_bias",
        "zoneout",
    )
