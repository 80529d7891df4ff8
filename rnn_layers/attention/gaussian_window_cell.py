"""Graves' first synthesis layer: an LSTM cell feeding a soft window."""

import keras
from keras import ops

from rnn_layers.attention.gaussian_window import GaussianWindow
from rnn_layers.cells.lstm_cell import LSTMCell


def _check_positive_int(name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(
            f"Received `{name}={value!r}`; expected a positive integer."
        )


@keras.saving.register_keras_serializable(package="rnn_layers")
class GaussianWindowCell(keras.layers.Layer):
    """An LSTM cell plus a Gaussian window over characters, as one RNN cell.

    Graves 2013, "Generating Sequences With Recurrent Neural Networks",
    section 5.1 (eq. 46-55): the first hidden layer of the synthesis network
    reads the pen point `x_t` and the previous window vector `w_{t-1}`; its
    output `h_t` places the window (`GaussianWindow`: `phi(t, u)` over the
    characters, location `kappa_t`) and reads `w_t`, which the deeper layers
    and the next step receive:

    ```
    h_t, c_t = LSTM([x_t, w_{t-1}], h_{t-1}, c_{t-1})
    w_t, phi_t, kappa_t = window(h_t, characters, kappa_{t-1})
    output_t = [h_t, w_t]
    ```

    `kappa` and `w` live in the recurrent state, so the cell honours the
    Keras cell contract: `rnn_layers.RNN(cell)(x, constants=[characters,
    character_mask])` runs a whole sequence (and saves, loads and exports
    like any RNN), and a sampler steps it with `step()`, which also returns
    `phi` for Graves' stopping rule.

    State layout (a flat list): `[h, c, kappa, w]` with sizes `[units,
    units, num_components, vocabulary_size]`.

    Args:
        units: positive int, LSTM units.
        num_components: positive int, `K`, the window's Gaussians.
        vocabulary_size: positive int, size of the one-hot characters (the
            window vector's size). Needed up front because Keras reads
            `state_size` at construction.
        kappa_scale: positive float multiplying the window's step
            `exp(kappa_hat)`. Defaults to `1.0` (the paper).
        **kwargs: base `Layer` arguments.

    Call arguments:
        inputs: `(batch, input_dim)`, the step's pen point.
        states: list `[h, c, kappa, w]`.
        constants: `[characters]` or `[characters, character_mask]`:
            one-hot `(batch, U, vocabulary_size)` and an optional boolean
            `(batch, U)`, `True` on real characters.
        training: Python bool passed to the LSTM cell.

    Returns:
        `(output, new_states)`, `output = [h, w]` of size
        `units + vocabulary_size` (split it with `split_output`).

    Example:

    >>> cell = GaussianWindowCell(4, num_components=2, vocabulary_size=5)
    >>> chars = np.eye(5, dtype="float32")[np.array([[1, 2, 3]] * 2)]
    >>> layer = rnn_layers.RNN(cell, return_sequences=True)
    >>> tuple(layer(np.ones((2, 6, 3), "float32"), constants=[chars]).shape)
    (2, 6, 9)
    """

    def __init__(
        self, units, num_components, vocabulary_size, kappa_scale=1.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        _check_positive_int("units", units)
        _check_positive_int("num_components", num_components)
        _check_positive_int("vocabulary_size", vocabulary_size)
        self.units = units
        self.num_components = num_components
        self.vocabulary_size = vocabulary_size
        self.kappa_scale = kappa_scale
        self.lstm = LSTMCell(units, name="lstm", dtype=self.dtype_policy)
        self.window = GaussianWindow(
            num_components, kappa_scale, name="window",
            dtype=self.dtype_policy,
        )

    @property
    def state_size(self):
        return [self.units, self.units, self.num_components,
                self.vocabulary_size]

    @property
    def output_size(self):
        return self.units + self.vocabulary_size

    def build(self, inputs_shape, constants_shape=None):
        # `rnn_layers.RNN` passes the constants' shapes, characters first.
        if constants_shape:
            depth = constants_shape[0][-1]
            if depth is not None and depth != self.vocabulary_size:
                raise ValueError(
                    f"The characters are one-hot of depth {depth} but the "
                    f"cell was built with `vocabulary_size="
                    f"{self.vocabulary_size}`; pass `vocabulary_size={depth}`."
                )
        batch = inputs_shape[0]
        if not self.lstm.built:
            self.lstm.build((batch, inputs_shape[-1] + self.vocabulary_size))
        if not self.window.built:
            self.window.build((batch, self.units))
        self.built = True

    def get_initial_state(self, batch_size):
        return [
            ops.zeros((batch_size, size), dtype=self.compute_dtype)
            for size in self.state_size
        ]

    def step(self, inputs, states, characters, character_mask=None,
             training=False):
        """One step that also returns the window weights.

        Args:
            inputs: `(batch, input_dim)`.
            states: list `[h, c, kappa, w]`.
            characters: one-hot `(batch, U, vocabulary_size)`.
            character_mask: optional boolean `(batch, U)`.
            training: Python bool. Defaults to `False`.

        Returns:
            `(output, new_states, phi)` with `phi` `(batch, U + 1)`, the
            window over the characters and one position past the last
            (see `attention_math.window_finished`).
        """
        h_tm1, c_tm1, kappa_tm1, w_tm1 = states
        lstm_inputs = ops.concatenate(
            [inputs, ops.cast(w_tm1, inputs.dtype)], axis=-1
        )  # (batch, input_dim + vocabulary_size)
        h, (_, c) = self.lstm(lstm_inputs, [h_tm1, c_tm1], training=training)
        window, phi, kappa = self.window(
            h, characters, kappa_tm1, character_mask=character_mask
        )  # (batch, V), (batch, U + 1), (batch, K)
        window = ops.cast(window, h.dtype)
        output = ops.concatenate([h, window], axis=-1)  # (batch, units + V)
        return output, [h, c, kappa, window], phi

    def call(self, inputs, states, constants=None, training=False):
        if constants is None or len(constants) not in (1, 2):
            raise ValueError(
                "`GaussianWindowCell` needs the characters: pass "
                "`constants=[characters]` or `[characters, character_mask]`."
                f" Received `constants={constants!r}`."
            )
        output, new_states, _ = self.step(
            inputs, list(states), *constants, training=training
        )
        return output, new_states

    def split_output(self, outputs):
        """Splits `(..., units + vocabulary_size)` outputs into `(h, w)`."""
        return outputs[..., : self.units], outputs[..., self.units:]

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "num_components": self.num_components,
                "vocabulary_size": self.vocabulary_size,
                "kappa_scale": self.kappa_scale,
            }
        )
        return config
