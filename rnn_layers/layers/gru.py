"""Drop-in replacement for `keras.layers.GRU`."""

import keras

from rnn_layers.cells.gru_cell import GRUCell
from rnn_layers.layers.cell_layer import CellLayer


@keras.saving.register_keras_serializable(package="rnn_layers")
class GRU(CellLayer):
    """Gated recurrent unit layer, fast on CPU, same numbers as Keras'.

    Takes `keras.layers.GRU`'s arguments and weights, both reset placements,
    and runs `GRUCell`'s fused loop.

    Args:
        units: positive int, dimensionality of the output space.
        activation: Defaults to `"tanh"`.
        recurrent_activation: Defaults to `"sigmoid"`.
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
        reset_after: Defaults to `True`.
        zoneout: probability that a unit of `h` keeps its previous value
            at a step (Krueger et al., 2017). Defaults to `0.0`.
        seed: Defaults to `None`.
        return_sequences, return_state, go_backwards, stateful, unroll:
            as in `keras.layers.GRU`. Default to `False`.
        fused: `"auto"` runs the fused loop when the activations allow it
            (`sigmoid`, `tanh`, `relu`, `linear`), `True` also warns when
            they do not, `False` steps the cell under autodiff (see
            `rnn_layers.RNN`). Defaults to `"auto"`.
        use_cudnn: accepted for config compatibility (`"auto"`, `True` or
            `False`); never used. Defaults to `"auto"`.
        implementation: accepted and ignored, as in `keras.layers.GRU`.
            Defaults to `2`.

    Call arguments:
        sequences: `(batch, time, features)`.
        initial_state: list `[h0]`. Defaults to zeros.
        mask: `(batch, time)` boolean mask.
        training: whether dropout applies.

    Returns:
        Outputs, then `h` when `return_state=True`.

    Example:

    >>> GRU(4)(np.ones((2, 3, 5), "float32")).shape
    (2, 4)
    """

    cell_class = GRUCell
    takes_use_cudnn = True
    cell_properties = CellLayer.cell_properties + (
        "recurrent_activation",
        "reset_after",
        "zoneout",
    )
