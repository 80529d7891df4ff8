"""Encoder-decoder building block: the encoder's final states start the
decoder."""

import keras
from keras import ops

from rnn_layers.layers.rnn import RNN

_BRIDGES = (None, "dense")


def _sizes(cell):
    sizes = cell.state_size
    return list(sizes) if isinstance(sizes, (list, tuple)) else [sizes]


@keras.saving.register_keras_serializable(package="rnn_layers")
class Seq2Seq(keras.layers.Layer):
    """Recurrent encoder whose final states initialize a recurrent decoder.

    The seed notes' Encoder-Decoder framework (000, 7.4; Sutskever et al.,
    2014; Cho et al., 2014): the encoder reads `x_1..x_m` into its final
    states `C = F(x_1..x_m)`, which become the decoder's initial states, and
    the decoder reads the (teacher-forced) previous targets:

    ```
    C = encoder(x_1, ..., x_m)                     # final states
    y_i = decoder(y_{i-1}; state_0 = bridge(C))
    ```

    With `bidirectional_encoder=True` the forward and backward final states
    are concatenated state by state. When the encoder's state sizes differ
    from the decoder's, `bridge="dense"` maps each one with a `tanh` dense
    layer; otherwise sizes must match. `encode()` and `decode()` are exposed
    separately so that a step-wise generator (or attention over the encoder
    outputs) can reuse them.

    Args:
        encoder_cell: RNN cell of the encoder.
        decoder_cell: RNN cell of the decoder, with the same number of
            states as the encoder's.
        bidirectional_encoder: whether the encoder runs in both
            directions. Defaults to `False`.
        bridge: `None` (states passed as they are) or `"dense"`. Defaults to
            `None`.
        **kwargs: base layer arguments.

    Call arguments:
        inputs: list `[encoder_inputs (batch, m, features),
            decoder_inputs (batch, n, features')]`.
        mask: optional list of the two `(batch, time)` masks.
        training: whether dropout applies.

    Returns:
        The decoder outputs, `(batch, n, decoder units)`.

    Example:

    >>> block = Seq2Seq(LSTMCell(4), LSTMCell(8), bidirectional_encoder=True)
    >>> block([np.ones((2, 5, 3), "float32"),
    ...        np.ones((2, 4, 6), "float32")]).shape
    (2, 4, 8)
    """

    def __init__(
        self,
        encoder_cell,
        decoder_cell,
        bidirectional_encoder=False,
        bridge=None,
        **kwargs,
    ):
        if bridge not in _BRIDGES:
            raise ValueError(
                f"Received `bridge={bridge!r}`; expected None or 'dense'."
            )
        super().__init__(**kwargs)
        if isinstance(encoder_cell, dict):
            encoder_cell = keras.saving.deserialize_keras_object(encoder_cell)
        if isinstance(decoder_cell, dict):
            decoder_cell = keras.saving.deserialize_keras_object(decoder_cell)
        self.encoder_cell = encoder_cell
        self.decoder_cell = decoder_cell
        self.bidirectional_encoder = bidirectional_encoder
        self.bridge = bridge
        encoder_sizes = _sizes(encoder_cell)
        if bidirectional_encoder:
            encoder_sizes = [2 * size for size in encoder_sizes]
        decoder_sizes = _sizes(decoder_cell)
        if len(encoder_sizes) != len(decoder_sizes) or (
            bridge is None and encoder_sizes != decoder_sizes
        ):
            raise ValueError(
                f"The encoder's final states have sizes {encoder_sizes} and "
                f"the decoder's states {decoder_sizes}; use cells with the "
                "same number of states, and equal sizes or `bridge='dense'`."
            )
        self.encoder = RNN(
            encoder_cell, return_sequences=True, return_state=True,
            name="encoder",
        )
        if bidirectional_encoder:
            self.encoder = keras.layers.Bidirectional(
                self.encoder, name="bidirectional_encoder"
            )
        self.decoder = RNN(
            decoder_cell, return_sequences=True, return_state=True,
            name="decoder",
        )
        self.bridges = []
        if bridge == "dense":
            self.bridges = [
                keras.layers.Dense(size, activation="tanh", name=f"bridge_{i}")
                for i, size in enumerate(decoder_sizes)
            ]
        self.supports_masking = True

    def build(self, input_shape):
        encoder_shape, decoder_shape = input_shape
        self.encoder.build(encoder_shape)
        self.decoder.build(decoder_shape)
        encoder_sizes = _sizes(self.encoder_cell)
        if self.bidirectional_encoder:
            encoder_sizes = [2 * size for size in encoder_sizes]
        for bridge, size in zip(self.bridges, encoder_sizes):
            bridge.build((encoder_shape[0], size))

    def encode(self, encoder_inputs, mask=None, training=False):
        """Runs the encoder.

        Args:
            encoder_inputs: `(batch, m, features)`.
            mask: optional `(batch, m)` mask.
            training: whether dropout applies.

        Returns:
            `(encoder_outputs, decoder_initial_states)`: the encoder's output
            sequence and the list of states the decoder starts from.
        """
        outputs, *states = self.encoder(
            encoder_inputs, mask=mask, training=training
        )
        if self.bidirectional_encoder:
            half = len(states) // 2
            states = [
                ops.concatenate([forward, backward], axis=-1)
                for forward, backward in zip(states[:half], states[half:])
            ]
        if self.bridges:
            states = [bridge(s) for bridge, s in zip(self.bridges, states)]
        return outputs, states

    def decode(self, decoder_inputs, initial_state, mask=None, training=False):
        """Runs the decoder from given states.

        Args:
            decoder_inputs: `(batch, n, features')`.
            initial_state: list of decoder states, e.g. from `encode()`.
            mask: optional `(batch, n)` mask.
            training: whether dropout applies.

        Returns:
            `(decoder_outputs, final_states)`.
        """
        outputs, *states = self.decoder(
            decoder_inputs,
            initial_state=list(initial_state),
            mask=mask,
            training=training,
        )
        return outputs, states

    def call(self, inputs, mask=None, training=False):
        encoder_inputs, decoder_inputs = inputs
        encoder_mask, decoder_mask = mask if mask is not None else (None, None)
        _, states = self.encode(encoder_inputs, encoder_mask, training)
        outputs, _ = self.decode(decoder_inputs, states, decoder_mask, training)
        return outputs

    def compute_mask(self, inputs, mask=None):
        return None if mask is None else mask[1]

    def compute_output_shape(self, input_shape):
        decoder_shape = input_shape[1]
        return tuple(decoder_shape[:2]) + (self.decoder_cell.output_size,)

    def get_config(self):
        config = {
            "encoder_cell": keras.saving.serialize_keras_object(
                self.encoder_cell
            ),
            "decoder_cell": keras.saving.serialize_keras_object(
                self.decoder_cell
            ),
            "bidirectional_encoder": self.bidirectional_encoder,
            "bridge": self.bridge,
        }
        return {**super().get_config(), **config}
