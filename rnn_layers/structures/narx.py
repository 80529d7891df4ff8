"""NARX layer: outputs from delayed inputs and delayed outputs."""

import keras
from keras import activations
from keras import initializers
from keras import ops

from rnn_layers.cells.narx_cell import NARXCell
from rnn_layers.layers.rnn import RNN


@keras.saving.register_keras_serializable(package="rnn_layers")
class NARX(keras.layers.Layer):
    """Nonlinear autoregressive network with exogenous inputs, over sequences.

    The seed notes' NARX model (004):

    ```
    y_t = f(x_t, x_{t-1}, ..., x_{t-K_x}, y_{t-1}, ..., y_{t-K_y})
    ```

    The input window `[x_t, ..., x_{t-K_x}]` (zeros before the sequence
    starts) is built for all steps at once, outside the recurrence; the
    recurrence itself is a `NARXCell` run by `rnn_layers.RNN`, feeding back
    its last `K_y` outputs. With `teacher_forcing=True` the last
    `output_units` features of every input step hold the true previous
    output `y*_{t-1}`: training then uses the true delayed outputs
    (series-parallel), inference its own (parallel).

    Args:
        units: positive int, size of the hidden layer of `f`.
        output_units: positive int, size of `y_t`.
        input_delays: non-negative int `K_x`. Defaults to `2`.
        output_delays: positive int `K_y`. Defaults to `2`.
        activation: activation of the hidden layer. Defaults to `"tanh"`.
        output_activation: activation of `y_t`. Defaults to `None` (linear).
        teacher_forcing: see above. Defaults to `False`.
        use_bias: Defaults to `True`.
        kernel_initializer: Defaults to `"glorot_uniform"`.
        recurrent_initializer: Defaults to `"orthogonal"`.
        bias_initializer: Defaults to `"zeros"`.
        dropout: fraction of the input window dropped. Defaults to `0.0`.
        seed: random seed for dropout. Defaults to `None`.
        return_sequences: whether to return every `y_t` or only the last.
            Defaults to `True`.
        **kwargs: base layer arguments.

    Call arguments:
        inputs: `(batch, time, features)` (with `y*_{t-1}` appended when
            `teacher_forcing=True`).
        mask: optional `(batch, time)` mask.
        training: whether dropout and teacher forcing apply.

    Returns:
        `(batch, time, output_units)` or `(batch, output_units)`.

    Example:

    >>> layer = NARX(8, output_units=1, input_delays=2, output_delays=3)
    >>> layer(np.ones((2, 6, 3), "float32")).shape
    (2, 6, 1)
    """

    def __init__(
        self,
        units,
        output_units,
        input_delays=2,
        output_delays=2,
        activation="tanh",
        output_activation=None,
        teacher_forcing=False,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        dropout=0.0,
        seed=None,
        return_sequences=True,
        **kwargs,
    ):
        if not isinstance(input_delays, int) or input_delays < 0:
            raise ValueError(
                f"Received `input_delays={input_delays}`; expected an "
                "integer >= 0."
            )
        super().__init__(**kwargs)
        self.input_delays = input_delays
        self.return_sequences = return_sequences
        self.supports_masking = True
        cell = NARXCell(
            units,
            output_units=output_units,
            output_delays=output_delays,
            activation=activation,
            output_activation=output_activation,
            teacher_forcing=teacher_forcing,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            dropout=dropout,
            seed=seed,
            name="narx_cell",
        )
        self.rnn = RNN(cell, return_sequences=return_sequences, name="rnn")

    @property
    def cell(self):
        return self.rnn.cell

    def _window_shape(self, input_shape):
        features = input_shape[-1]
        teacher = self.cell.output_units if self.cell.teacher_forcing else 0
        window = (features - teacher) * (self.input_delays + 1) + teacher
        return tuple(input_shape[:2]) + (window,)

    def build(self, input_shape):
        self.rnn.build(self._window_shape(input_shape))

    def call(self, inputs, mask=None, training=False):
        teacher = self.cell.output_units if self.cell.teacher_forcing else 0
        x = inputs[..., : inputs.shape[-1] - teacher]  # (batch, time, d)
        time = ops.shape(x)[1]
        span = self.input_delays
        padded = ops.pad(x, [[0, 0], [span, 0], [0, 0]])
        # Newest first: x_t, x_{t-1}, ..., x_{t-K_x}.
        pieces = [
            padded[:, span - k : span - k + time] for k in range(span + 1)
        ]
        if teacher:
            pieces.append(inputs[..., -teacher:])
        window = ops.concatenate(pieces, axis=-1)  # (batch, time, window)
        return self.rnn(window, mask=mask, training=training)

    def compute_output_shape(self, input_shape):
        if self.return_sequences:
            return tuple(input_shape[:2]) + (self.cell.output_units,)
        return (input_shape[0], self.cell.output_units)

    def compute_mask(self, inputs, mask=None):
        return mask if self.return_sequences else None

    def get_config(self):
        cell = self.cell
        config = {
            "units": cell.units,
            "output_units": cell.output_units,
            "input_delays": self.input_delays,
            "output_delays": cell.output_delays,
            "activation": activations.serialize(cell.activation),
            "output_activation": activations.serialize(cell.output_activation),
            "teacher_forcing": cell.teacher_forcing,
            "use_bias": cell.use_bias,
            "kernel_initializer": initializers.serialize(
                cell.kernel_initializer
            ),
            "recurrent_initializer": initializers.serialize(
                cell.recurrent_initializer
            ),
            "bias_initializer": initializers.serialize(cell.bias_initializer),
            "dropout": cell.dropout,
            "seed": cell.seed,
            "return_sequences": self.return_sequences,
        }
        return {**super().get_config(), **config}
