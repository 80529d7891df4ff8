"""The generic recurrent layer, with the fused fast path for built-in cells."""

import keras
from keras import ops
from keras import tree


def _prepare_dropout_masks(cell, batch_size):
    """Draws per-sequence dropout masks of every cell before the loop."""
    if hasattr(cell, "prepare_dropout_masks"):
        cell.prepare_dropout_masks(batch_size)
    for inner in getattr(cell, "cells", ()):
        _prepare_dropout_masks(inner, batch_size)


def _reset_dropout_masks(cell):
    if hasattr(cell, "reset_dropout_masks"):
        cell.reset_dropout_masks()
    for inner in getattr(cell, "cells", ()):
        _reset_dropout_masks(inner)


@keras.saving.register_keras_serializable(package="rnn_layers")
class RNN(keras.layers.RNN):
    """Recurrent layer for any cell, with a fused loop for the built-in ones.

    Behaves as `keras.layers.RNN` (same arguments, masking rules, statefulness,
    `go_backwards`, `return_state`, `unroll`, nested states, works inside
    `keras.layers.Bidirectional`) and adds:

    - a fused fast path: cells that define `fused_call` (`LSTMCell`,
      `GRUCell`, `SimpleRNNCell`) run the whole sequence with the input
      projection hoisted out of the loop, one recurrent matmul per step and a
      hand-written backward pass whose reverse loop holds only the recurrent
      matmul. It gives the same numbers as stepping the cell; pass
      `fused=False` to step the cell under autodiff instead.
    - `constants`: extra tensors (e.g. an attention memory) handed to every
      step as `cell.call(inputs, states, constants=constants)`.

    Args:
        cell: an RNN cell instance (or a list of cells, stacked), following
            the Keras cell contract.
        return_sequences: whether to return the full sequence of outputs.
            Defaults to `False`.
        return_state: whether to return the final states as well. Defaults
            to `False`.
        go_backwards: whether to process the input sequence backwards and
            return the reversed sequence. Defaults to `False`.
        stateful: whether the last state of each sample of a batch is the
            initial state of the same sample in the next batch. Defaults to
            `False`.
        unroll: whether to unroll the loop (short sequences only; disables
            the fused path). Defaults to `False`.
        zero_output_for_mask: whether masked steps output zeros instead of
            the previous output. Defaults to `False`.
        fused: whether cells with a `fused_call` use the fused loop.
            Defaults to `True`.
        **kwargs: base layer arguments.

    Call arguments:
        sequences: `(batch, time, ...)` input tensor.
        initial_state: list of initial state tensors. Defaults to zeros (or
            the stored states when `stateful`).
        mask: `(batch, time)` boolean tensor; `False` skips a step.
        training: whether dropout applies.
        constants: optional list of tensors passed to every step of the cell.

    Returns:
        The output (last or all steps), followed by the final states when
        `return_state=True`.

    Example:

    >>> layer = RNN(LSTMCell(4), return_sequences=True)
    >>> layer(np.ones((2, 3, 5), "float32")).shape
    (2, 3, 4)
    """

    def __init__(
        self,
        cell,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        zero_output_for_mask=False,
        fused=True,
        **kwargs,
    ):
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            zero_output_for_mask=zero_output_for_mask,
            **kwargs,
        )
        self.fused = fused
        self._constants = None

    def compute_output_shape(
        self, sequences_shape, initial_state_shape=None, constants_shape=None
    ):
        return super().compute_output_shape(
            sequences_shape, initial_state_shape
        )

    def build(
        self, sequences_shape, initial_state_shape=None, constants_shape=None
    ):
        cell = self.cell
        if constants_shape is not None and not cell.built:
            step_input_shape = (sequences_shape[0],) + tuple(
                sequences_shape[2:]
            )
            cell.build(step_input_shape, constants_shape)
        super().build(sequences_shape, initial_state_shape)

    def get_initial_state(self, batch_size):
        if hasattr(self.cell, "get_initial_state"):
            return super().get_initial_state(batch_size)
        # Zeros for every state, nested `state_size`s included, in plain
        # lists (the tracked lists a layer holds are no valid JAX pytrees).
        def zeros(size):
            if isinstance(size, int):
                return ops.zeros(
                    (batch_size, size), dtype=self.cell.compute_dtype
                )
            return [zeros(inner) for inner in size]

        return zeros(self.state_size)

    def call(
        self,
        sequences,
        initial_state=None,
        mask=None,
        training=False,
        constants=None,
    ):
        _prepare_dropout_masks(self.cell, ops.shape(sequences)[0])
        self._constants = constants
        try:
            return super().call(
                sequences,
                initial_state=initial_state,
                mask=mask,
                training=training,
            )
        finally:
            self._constants = None
            _reset_dropout_masks(self.cell)

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if tree.is_nested(mask):
            mask = mask[0]
        if (
            self.fused
            and not self.unroll
            and self._constants is None
            and hasattr(self.cell, "fused_call")
        ):
            try:
                last_output, outputs, states = self.cell.fused_call(
                    sequences,
                    initial_state,
                    mask=mask,
                    training=training,
                    go_backwards=self.go_backwards,
                )
            except NotImplementedError:
                pass
            else:
                if self.zero_output_for_mask and mask is not None:
                    outputs, last_output = self._zero_masked_outputs(
                        outputs, mask
                    )
                return last_output, outputs, states
        if self._constants is None:
            return super().inner_loop(
                sequences, initial_state, mask, training=training
            )
        return self._loop_with_constants(
            sequences, initial_state, mask, training
        )

    def _zero_masked_outputs(self, outputs, mask):
        step_mask = ops.cast(mask, outputs.dtype)[:, :, None]
        if self.go_backwards:
            step_mask = ops.flip(step_mask, axis=1)
        outputs = outputs * step_mask
        return outputs, outputs[:, -1]

    def _loop_with_constants(self, sequences, initial_state, mask, training):
        constants = list(self._constants)
        cell_kwargs = {"constants": constants}
        if getattr(self.cell, "_call_has_training_arg", False):
            cell_kwargs["training"] = training

        def step(inputs, states):
            output, new_states = self.cell(inputs, states, **cell_kwargs)
            if not tree.is_nested(new_states):
                new_states = [new_states]
            return output, new_states

        if not tree.is_nested(initial_state):
            initial_state = [initial_state]
        return keras.src.backend.rnn(
            step,
            sequences,
            initial_state,
            go_backwards=self.go_backwards,
            mask=mask,
            unroll=self.unroll,
            input_length=sequences.shape[1],
            zero_output_for_mask=self.zero_output_for_mask,
            return_all_outputs=self.return_sequences,
        )

    def get_config(self):
        return {**super().get_config(), "fused": self.fused}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        # `keras.layers.RNN.from_config` pops "cell": leave ours untouched.
        return super().from_config(dict(config), custom_objects)
