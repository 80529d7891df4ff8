"""Drop-in sequence layer running `LayerNormGRUCell`."""

import keras

from rnn_layers.cells.layer_norm_gru_cell import LayerNormGRUCell
from rnn_layers.layers.cell_layer import CellLayer


@keras.saving.register_keras_serializable(package="rnn_layers")
class LayerNormGRU(CellLayer):
    """GRU layer with layer normalization of its input and recurrent terms.

    Builds a `LayerNormGRUCell` from Keras-style arguments and runs it in
    `rnn_layers.RNN`; see the cell for the equations and weight layout.

    Args:
        units: positive int, dimensionality of the output space.
        norm_gamma_initializer: Defaults to `"ones"`.
        norm_beta_initializer: Defaults to `"zeros"`.
        norm_epsilon: Defaults to `1e-3`.
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
        dropout: fraction of the inputs dropped. Defaults to `0.0`.
        recurrent_dropout: fraction of `h_{t-1}` dropped. Defaults to `0.0`.
        seed: random seed for dropout. Defaults to `None`.
        return_sequences: Defaults to `False`.
        return_state: Defaults to `False`.
        go_backwards: Defaults to `False`.
        stateful: Defaults to `False`.
        unroll: Defaults to `False`.
        fused: `"auto"` runs the cell's fused loop (layer norms inside the
            step, hand-written backward pass) when the activations allow it
            (`sigmoid`, `tanh`, `relu`, `linear`), `True` also warns when
            they do not, `False` steps the cell under autodiff (see
            `rnn_layers.RNN`). Defaults to `"auto"`.

    Call arguments:
        sequences: `(batch, time, features)`.
        initial_state: list `[h0]`. Defaults to zeros.
        mask: `(batch, time)` boolean mask.
        training: whether dropout applies.

    Returns:
        Outputs `(batch, units)` or `(batch, time, units)`, then `h`
        when `return_state=True`.

    Example:

    >>> layer = LayerNormGRU(4, return_sequences=True)
    >>> layer(np.ones((2, 3, 5), "float32")).shape
    (2, 3, 4)
    """

    cell_class = LayerNormGRUCell
    cell_properties = CellLayer.cell_properties + (
        "norm_epsilon",
    )
