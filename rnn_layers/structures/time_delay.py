"""Time-delay neural network layer (TDNN): a causal window of past inputs."""

import keras
from keras import activations
from keras import constraints
from keras import initializers
from keras import ops
from keras import regularizers


@keras.saving.register_keras_serializable(package="rnn_layers")
class TimeDelay(keras.layers.Layer):
    """Feed-forward layer over a window of the current and past inputs.

    The seed notes' first answer to "how to give a network memory" (004,
    延时神经网络; Waibel et al., 1989): each output sees the last `delays`
    steps of its input besides the current one,

    ```
    h_t = f(sum_{k=0..K} x_{t - k * d} W_k + b)     # K = delays, d = dilation
    ```

    with `x_{t'} = 0` before the sequence starts, so the layer is causal: a
    one-sided `Conv1D`. Stacking TDNN layers widens the window.

    Args:
        units: positive int, dimensionality of the output space.
        delays: non-negative int `K`, how many past steps each output sees.
            Defaults to `2`.
        dilation_rate: positive int `d`, spacing of the window's taps.
            Defaults to `1`.
        activation: activation `f`. Defaults to `"tanh"`.
        use_bias: whether to add a bias. Defaults to `True`.
        kernel_initializer: initializer of `kernel`, `(K + 1, features,
            units)`, tap `k` first. Defaults to `"glorot_uniform"`.
        bias_initializer: initializer of `bias`. Defaults to `"zeros"`.
        kernel_regularizer, bias_regularizer: Default to `None`.
        kernel_constraint, bias_constraint: Default to `None`.
        **kwargs: base layer arguments.

    Call arguments:
        inputs: `(batch, time, features)`.
        mask: optional `(batch, time)` mask, passed through unchanged.

    Returns:
        `(batch, time, units)`.

    Example:

    >>> layer = TimeDelay(4, delays=2)
    >>> layer(np.ones((2, 6, 3), "float32")).shape
    (2, 6, 4)
    """

    def __init__(
        self,
        units,
        delays=2,
        dilation_rate=1,
        activation="tanh",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        for name, value, low in (
            ("units", units, 1),
            ("delays", delays, 0),
            ("dilation_rate", dilation_rate, 1),
        ):
            if not isinstance(value, int) or value < low:
                raise ValueError(
                    f"Received `{name}={value}`; expected an integer >= {low}."
                )
        super().__init__(**kwargs)
        self.units = units
        self.delays = delays
        self.dilation_rate = dilation_rate
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(self.delays + 1, input_shape[-1], self.units),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,),
                name="bias",
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def call(self, inputs, mask=None):
        span = self.delays * self.dilation_rate
        time = ops.shape(inputs)[1]
        # Zeros before the first step make the window causal.
        padded = ops.pad(inputs, [[0, 0], [span, 0], [0, 0]])
        outputs = 0.0
        for k in range(self.delays + 1):
            start = span - k * self.dilation_rate
            shifted = padded[:, start : start + time]  # x_{t - k d}
            outputs = outputs + ops.matmul(shifted, self.kernel[k])
        if self.use_bias:
            outputs = outputs + self.bias
        return self.activation(outputs)  # (batch, time, units)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def compute_mask(self, inputs, mask=None):
        return mask

    def get_config(self):
        config = {
            "units": self.units,
            "delays": self.delays,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(
                self.kernel_initializer
            ),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(
                self.kernel_regularizer
            ),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
        return {**super().get_config(), **config}
