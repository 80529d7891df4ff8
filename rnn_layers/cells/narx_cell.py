"""Step of a NARX network: the output depends on its own delayed values."""

import keras
from keras import activations
from keras import ops

from rnn_layers.cells.recurrent_cell import RecurrentCell


@keras.saving.register_keras_serializable(package="rnn_layers")
class NARXCell(RecurrentCell):
    """One step of a nonlinear autoregressive network with exogenous inputs.

    The seed notes' NARX model (004, 有外部输入的非线性自回归模型):

    ```
    y_t = f(x_t, x_{t-1}, ..., x_{t-K_x}, y_{t-1}, ..., y_{t-K_y})
    ```

    with `f` a one-hidden-layer network,
    `h_t = tanh(W [x_t..x_{t-K_x}] + U [y_{t-1}..y_{t-K_y}] + b)`,
    `y_t = g(V h_t + c)`. The cell receives the input window already
    flattened (the `NARX` layer builds it from the sequence, since it does
    not depend on the recurrence) and carries as states its last output
    (first, as Keras' masking expects) and the last `output_delays`
    outputs, newest first. With `teacher_forcing=True` the
    last `output_units` features of each step hold the true `y*_{t-1}`; when
    `training` is true the delayed outputs are the true ones (series-parallel
    training), otherwise the cell feeds back its own outputs.

    Weights: `kernel` `(window_features, units)`, `recurrent_kernel`
    `(output_delays * output_units, units)`, `bias` `(units,)`,
    `output_kernel` `(units, output_units)`, `output_bias`
    `(output_units,)`.

    Args:
        units: positive int, size of the hidden layer.
        output_units: positive int, size of `y_t`.
        output_delays: positive int `K_y`. Defaults to `2`.
        activation: activation of the hidden layer. Defaults to `"tanh"`.
        output_activation: activation `g` of `y_t`. Defaults to `None`
            (linear, for regression).
        teacher_forcing: see above. Defaults to `False`.
        use_bias, kernel_initializer, recurrent_initializer,
            bias_initializer, kernel_regularizer, recurrent_regularizer,
            bias_regularizer, kernel_constraint, recurrent_constraint,
            bias_constraint: as in `RecurrentCell`; the output weights use
            the kernel and bias settings.
        dropout: float in [0, 1), fraction of the input window dropped.
            Defaults to `0.0`.
        seed: int, random seed of the dropout mask. Defaults to `None`.
        **kwargs: base layer arguments.

    Call arguments:
        inputs: `(batch, window_features)`, plus `output_units` true previous
            outputs with `teacher_forcing=True`.
        states: list `[y_{t-1}, [y_{t-1}, ..., y_{t-K_y}]]`, shapes
            `(batch, output_units)` and `(batch, K_y * output_units)`.
        training: Python boolean: dropout, and teacher forcing when enabled.

    Returns:
        `(y_t, [y_t, new output history])`.

    Example:

    >>> layer = keras.layers.RNN(NARXCell(8, output_units=1))
    >>> layer(np.ones((2, 5, 3), "float32")).shape
    (2, 1)
    """

    def __init__(
        self,
        units,
        output_units,
        output_delays=2,
        activation="tanh",
        output_activation=None,
        teacher_forcing=False,
        **kwargs,
    ):
        for name, value in (
            ("output_units", output_units),
            ("output_delays", output_delays),
        ):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f"Received `{name}={value}`; expected a positive integer."
                )
        if kwargs.get("recurrent_dropout", 0.0):
            raise ValueError(
                "Received `recurrent_dropout="
                f"{kwargs['recurrent_dropout']}`; NARXCell feeds back "
                "outputs, not a hidden state, so leave "
                "`recurrent_dropout=0.0` (use `dropout`)."
            )
        super().__init__(units, activation=activation, **kwargs)
        self.output_units = output_units
        self.output_delays = output_delays
        self.output_activation = activations.get(output_activation)
        self.teacher_forcing = bool(teacher_forcing)

    @property
    def state_size(self):
        return [self.output_units, self.output_delays * self.output_units]

    @property
    def output_size(self):
        return self.output_units

    def _add(self, name, shape, kind):
        return self.add_weight(
            shape=shape,
            name=name,
            initializer=getattr(self, f"{kind}_initializer"),
            regularizer=getattr(self, f"{kind}_regularizer"),
            constraint=getattr(self, f"{kind}_constraint"),
        )

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if self.teacher_forcing:
            input_dim -= self.output_units
        if input_dim <= 0:
            raise ValueError(
                f"Received step inputs with {input_shape[-1]} features, "
                f"`teacher_forcing={self.teacher_forcing}` and "
                f"`output_units={self.output_units}`; the input window needs "
                "at least one feature."
            )
        history = self.output_delays * self.output_units
        self.kernel = self._add("kernel", (input_dim, self.units), "kernel")
        self.recurrent_kernel = self._add(
            "recurrent_kernel", (history, self.units), "recurrent"
        )
        self.output_kernel = self._add(
            "output_kernel", (self.units, self.output_units), "kernel"
        )
        self.bias = None
        self.output_bias = None
        if self.use_bias:
            self.bias = self._add("bias", (self.units,), "bias")
            self.output_bias = self._add(
                "output_bias", (self.output_units,), "bias"
            )

    def call(self, inputs, states, training=False):
        history = states[1]  # (batch, K_y * output_units), newest first
        window = inputs
        keep = (self.output_delays - 1) * self.output_units
        if self.teacher_forcing:
            window = inputs[:, : -self.output_units]
            if training:
                # The true y*_{t-1} joins the true history, newest first.
                history = ops.concatenate(
                    [inputs[:, -self.output_units :], history[:, :keep]], -1
                )
        window = self.dropped_inputs(window, training)
        z = ops.matmul(window, self.kernel) + ops.matmul(
            history, self.recurrent_kernel
        )
        if self.use_bias:
            z = z + self.bias
        y = ops.matmul(self.activation(z), self.output_kernel)
        if self.use_bias:
            y = y + self.output_bias
        y = self.output_activation(y)  # (batch, output_units)
        if self.teacher_forcing and training:
            return y, [y, history]
        return y, [y, ops.concatenate([y, history[:, :keep]], axis=-1)]

    def get_config(self):
        config = {
            "output_units": self.output_units,
            "output_delays": self.output_delays,
            "output_activation": activations.serialize(self.output_activation),
            "teacher_forcing": self.teacher_forcing,
        }
        config = {**super().get_config(), **config}
        # No gates and no hidden state is fed back.
        config.pop("recurrent_activation")
        config.pop("recurrent_dropout")
        return config
