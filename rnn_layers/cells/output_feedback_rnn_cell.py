"""Recurrent cell whose hidden state reads the previous output y_{t-1}."""

import keras
from keras import activations
from keras import ops

from rnn_layers.cells.recurrent_cell import RecurrentCell


@keras.saving.register_keras_serializable(package="rnn_layers")
class OutputFeedbackRNNCell(RecurrentCell):
    """Simple recurrent cell that feeds its output, not its state, back.

    The "output feedback" network of the seed notes (000, 7.3 网络结构;
    Jordan, 1986): instead of `h_{t-1}` the hidden layer reads the previous
    output,

    ```
    h_t = tanh(W x_t + U y_{t-1} + b)
    y_t = softmax(V h_t + c)
    ```

    so the carried state is `y_{t-1}`, `(batch, output_units)`. With
    `teacher_forcing=True` the last `output_units` features of each input
    step hold the ground truth `y*_{t-1}`: when `training` is true the cell
    reads it instead of its own previous output (teacher forcing), and at
    inference it ignores those features and feeds back its own `y_{t-1}`.

    Weights: `kernel` `(input_dim, units)`, `recurrent_kernel`
    `(output_units, units)`, `bias` `(units,)`, `output_kernel`
    `(units, output_units)`, `output_bias` `(output_units,)`. The output
    weights reuse the kernel and bias initializers, regularizers and
    constraints.

    Args:
        units: positive int, size of the hidden layer `h_t`.
        output_units: positive int, size of the output `y_t`.
        activation: activation of `h_t`. Defaults to `"tanh"`.
        output_activation: activation of `y_t`. Defaults to `"softmax"`
            (the seed's).
        teacher_forcing: whether each input step ends with the true
            previous output, see above. Defaults to `False`.
        use_bias: whether the cell uses bias vectors. Defaults to `True`.
        kernel_initializer: initializer of `kernel` and `output_kernel`.
            Defaults to `"glorot_uniform"`.
        recurrent_initializer: initializer of `recurrent_kernel`. Defaults
            to `"orthogonal"`.
        bias_initializer: initializer of both biases. Defaults to
            `"zeros"`.
        kernel_regularizer, recurrent_regularizer, bias_regularizer:
            regularizers of the weights. Default to `None`.
        kernel_constraint, recurrent_constraint, bias_constraint:
            constraints of the weights. Default to `None`.
        dropout: float in [0, 1), fraction of the inputs `x_t` dropped.
            Defaults to `0.0`.
        seed: int, random seed of the dropout mask. Defaults to `None`.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: a 2D tensor, `(batch, input_dim)`, or with
            `teacher_forcing=True` `(batch, input_dim + output_units)`.
        states: list `[y_{t-1}]`, `(batch, output_units)`.
        training: Python boolean: dropout, and teacher forcing when
            enabled. Defaults to `False`.

    Returns:
        `(y_t, [y_t])`.

    Example:

    >>> cell = OutputFeedbackRNNCell(8, output_units=3)
    >>> layer = keras.layers.RNN(cell, return_sequences=True)
    >>> layer(np.ones((2, 5, 4), "float32")).shape
    (2, 5, 3)
    """

    def __init__(
        self,
        units,
        output_units,
        activation="tanh",
        output_activation="softmax",
        teacher_forcing=False,
        **kwargs,
    ):
        if not isinstance(output_units, int) or output_units <= 0:
            raise ValueError(
                f"Received `output_units={output_units}`; expected a "
                "positive integer."
            )
        if kwargs.get("recurrent_dropout", 0.0):
            raise ValueError(
                "Received `recurrent_dropout="
                f"{kwargs['recurrent_dropout']}`; OutputFeedbackRNNCell "
                "feeds back its output, not a hidden state, so leave "
                "`recurrent_dropout=0.0` (use `dropout` on the inputs)."
            )
        super().__init__(units, activation=activation, **kwargs)
        self.output_units = output_units
        self.output_activation = activations.get(output_activation)
        self.teacher_forcing = bool(teacher_forcing)

    @property
    def state_size(self):
        return [self.output_units]

    @property
    def output_size(self):
        return self.output_units

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if self.teacher_forcing:
            input_dim -= self.output_units
            if input_dim <= 0:
                raise ValueError(
                    f"Received inputs with {input_shape[-1]} features and "
                    f"`teacher_forcing=True`, `output_units="
                    f"{self.output_units}`; each step must hold the inputs "
                    "followed by the true previous output, so it needs "
                    "more than `output_units` features."
                )
        self.kernel = self.add_weight(
            shape=(input_dim, self.units),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.output_units, self.units),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.output_kernel = self.add_weight(
            shape=(self.units, self.output_units),
            name="output_kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        self.output_bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,),
                name="bias",
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
            self.output_bias = self.add_weight(
                shape=(self.output_units,),
                name="output_bias",
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def call(self, inputs, states, training=False):
        y_tm1 = states[0] if isinstance(states, (list, tuple)) else states
        x = inputs
        if self.teacher_forcing:
            x = inputs[:, : -self.output_units]  # (batch, input_dim)
            if training:
                y_tm1 = inputs[:, -self.output_units :]  # (batch, output_units)
        x = self.dropped_inputs(x, training)
        z = ops.matmul(x, self.kernel)
        z = z + ops.matmul(y_tm1, self.recurrent_kernel)
        if self.use_bias:
            z = z + self.bias
        h = self.activation(z)  # (batch, units)
        y = ops.matmul(h, self.output_kernel)
        if self.use_bias:
            y = y + self.output_bias
        y = self.output_activation(y)  # (batch, output_units)
        return y, [y]

    def get_config(self):
        config = {
            "output_units": self.output_units,
            "output_activation": activations.serialize(self.output_activation),
            "teacher_forcing": self.teacher_forcing,
        }
        config = {**super().get_config(), **config}
        # `recurrent_activation` and `recurrent_dropout` have no role here.
        config.pop("recurrent_activation")
        config.pop("recurrent_dropout")
        return config
