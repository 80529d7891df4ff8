"""Encoder-decoder building block: the encoder's final states start the
decoder."""

import keras
from keras import ops

from rnn_layers.layers.rnn import RNN

_BRIDGES = (None, "dense")


def _sizes(cell):
    sizes = cell.state_size
    return list(sizes) if isinstance(sizes, (list, tuple)) else [sizes]


def _is_attention(cell):
    """Whether `cell` attends to a memory (an `AttentionWrapper`)."""
    return hasattr(cell, "prepare_constants")


def _check_memory_depth(encoder_cell, wrapper, bidirectional):
    size = getattr(encoder_cell, "output_size", None)
    if size is None:
        return
    size = 2 * size if bidirectional else size
    if size != wrapper.memory_depth:
        raise ValueError(
            f"The encoder outputs have size {size} but the attention "
            f"decoder has `memory_depth={wrapper.memory_depth}`; build the "
            f"`AttentionWrapper` with `memory_depth={size}`."
        )


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
    separately so that a step-wise generator can reuse them.

    With attention (Bahdanau et al. 2015), the decoder cell is an
    `AttentionWrapper` whose `memory_depth` is the encoder's output size
    (doubled when bidirectional): the encoder outputs become its memory,
    their mask its memory mask (padded positions get no attention), the
    encoder's final states start the wrapped cell and the attention vector
    starts at zero. `call` does this itself; `decode` takes the memory as
    `constants=[memory, memory_mask]`. To generate, hand the same wrapper to
    `rnn_layers.AttentionDecoder` with `block.encode()`'s outputs and
    states (second example).

    Args:
        encoder_cell: RNN cell of the encoder.
        decoder_cell: RNN cell of the decoder (or an `AttentionWrapper`
            around one), with the same number of states as the
            encoder's.
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
    >>> tuple(block([np.ones((2, 5, 3), "float32"),
    ...              np.ones((2, 4, 6), "float32")]).shape)
    (2, 4, 8)

    With attention over a padded source, then greedy generation:

    >>> wrapper = AttentionWrapper(LSTMCell(8), LuongAttention("general"),
    ...                            memory_depth=8)
    >>> block = Seq2Seq(LSTMCell(4), wrapper, bidirectional_encoder=True)
    >>> source = np.ones((2, 5, 3), "float32")
    >>> source_mask = np.arange(5) < np.array([[5], [2]])
    >>> embedding, head = keras.layers.Embedding(10, 6), keras.layers.Dense(10)
    >>> targets = embedding(np.ones((2, 4), "int32"))
    >>> tuple(head(block([source, targets], mask=[source_mask, None])).shape)
    (2, 4, 10)
    >>> memory, states = block.encode(source, mask=source_mask)
    >>> decoder = AttentionDecoder(wrapper, embedding, head,
    ...                            start_token_id=1, end_token_id=2)
    >>> tuple(decoder(memory, source_mask, initial_state=states).shape)
    (2, 21)
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
        self.uses_attention = _is_attention(decoder_cell)
        decoder_sizes = _sizes(
            decoder_cell.cell if self.uses_attention else decoder_cell)
        if self.uses_attention:
            _check_memory_depth(encoder_cell, decoder_cell,
                                bidirectional_encoder)
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

    def decode(self, decoder_inputs, initial_state, mask=None, training=False,
               constants=None):
        """Runs the decoder from given states.

        Args:
            decoder_inputs: `(batch, n, features')`.
            initial_state: list of decoder states, e.g. from `encode()`;
                with an attention decoder, the wrapped cell's states (the
                attention vector starts at zero) or all the wrapper's.
            mask: optional `(batch, n)` mask.
            training: whether dropout applies.
            constants: with an attention decoder, `[memory]` or `[memory,
                memory_mask]` (the encoder outputs and their `(batch, m)`
                mask, `True` on valid positions); `None` otherwise.

        Returns:
            `(decoder_outputs, final_states)`.

        Raises:
            ValueError: for `constants` missing with an attention decoder,
                or given without one.
        """
        initial_state = list(initial_state)
        if self.uses_attention:
            if constants is None:
                raise ValueError(
                    "The decoder attends to a memory: pass `constants="
                    "[encoder_outputs, encoder_mask]`."
                )
            zeros = self.decoder_cell.get_initial_state(
                ops.shape(decoder_inputs)[0])
            initial_state = initial_state + list(zeros[len(initial_state):])
        elif constants is not None:
            raise ValueError(
                "Received `constants` but the decoder cell "
                f"{type(self.decoder_cell).__name__} attends to nothing; use "
                "an `AttentionWrapper` decoder cell or drop `constants`."
            )
        outputs, *states = self.decoder(
            decoder_inputs,
            initial_state=initial_state,
            mask=mask,
            training=training,
            constants=None if constants is None else list(constants),
        )
        return outputs, states

    def call(self, inputs, mask=None, training=False):
        encoder_inputs, decoder_inputs = inputs
        encoder_mask, decoder_mask = mask if mask is not None else (None, None)
        memory, states = self.encode(encoder_inputs, encoder_mask, training)
        constants = None
        if self.uses_attention:
            constants = [memory] if encoder_mask is None else [
                memory, encoder_mask]
        outputs, _ = self.decode(decoder_inputs, states, decoder_mask,
                                 training, constants=constants)
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
