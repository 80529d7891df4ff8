"""The generic recurrent layer, with the fused fast path for built-in cells."""

import warnings

import keras
from keras import ops
from keras import tree


def _prepare_dropout_masks(cell, batch_size):
    """Draws per-sequence dropout masks of every cell before the loop."""
    if hasattr(cell, "prepare_dropout_masks"):
        cell.prepare_dropout_masks(batch_size)
    for inner in getattr(cell, "cells", ()):
        _prepare_dropout_masks(inner, batch_size)


def _draw_zoneout_masks(cell, sequences, training):
    """Per-step zoneout masks of the cell, drawn before the loop, or `None`.

    Returns one float32 `(time, batch, units)` mask per state (input time
    order) for a cell with `zoneout > 0` when training; see
    `rnn_layers/cells/zoneout.py`.
    """
    if not training or getattr(cell, "zoneout", 0) == 0:
        return None
    shape = ops.shape(sequences)
    return cell.draw_zoneout_masks(shape[1], shape[0])


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

    - a fused fast path: cells that declare one (`cell.fused_support()`
      returns `None`: `LSTMCell`, `GRUCell`, `SimpleRNNCell`, the LSTM
      variants and the layer-normalized cells with sigmoid/tanh/relu/linear
      activations) run the whole sequence through `cell.fused_call`, with
      the input projection hoisted out of the loop, one recurrent matmul per
      step and a hand-written backward pass whose reverse loop holds only
      the recurrent matmul (and, in the layer-normalized cells, the
      backward of the norms inside the step). It
      gives the same numbers as stepping the cell. As with Keras'
      `use_cudnn`, `fused="auto"` takes it whenever the cell supports it;
      `fused=True` asks for it and warns, when the cell (or `unroll=True`)
      rules it out, that the layer steps the cell instead (a warning, not an
      error, so that configs written with the old default `fused=True`
      still load); `fused=False` always steps the cell under autodiff.
    - `constants`: extra tensors (e.g. an attention memory) handed to every
      step as `cell.call(inputs, states, constants=constants)`.
    - per-step zoneout masks: for a cell with `zoneout > 0` (`LSTMCell`,
      `GRUCell`) the layer draws `cell.draw_zoneout_masks(time, batch)`
      before the loop when training; the fused loop takes them whole, the
      generic loop hands each step its slice as
      `cell.call(inputs, states, training=..., zoneout_mask=[...])`, so both
      give the same numbers.

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
        fused: `"auto"`, `True` or `False`: whether to run the cell's fused
            loop when `cell.fused_support()` allows it (`"auto"`), to ask for
            it and warn when it does not apply (`True`), or to always step
            the cell (`False`). Written to `get_config()` only when it is
            not `"auto"`, so the config of a default layer loads in
            `keras.layers.RNN`. Defaults to `"auto"`.
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
        fused="auto",
        **kwargs,
    ):
        if fused not in ("auto", True, False):
            raise ValueError(
                f"Received `fused={fused!r}`; expected one of 'auto', True, "
                "False."
            )
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
        self.fused = fused if fused == "auto" else bool(fused)
        self._constants = None
        self._zoneout_masks = None
        reason = self.fused_support()
        if self.fused is True and reason is not None:
            warnings.warn(
                f"`{self.name}` got `fused=True`, but {reason}, so it steps "
                "the cell instead. Pass `fused='auto'` to take the fused "
                "loop only where it applies, without this warning.",
                stacklevel=2,
            )

    def fused_support(self):
        """Says whether this layer runs its cell's fused loop.

        Returns:
            `None` when `fused` is not `False` and the fused loop applies,
            else a sentence saying why the layer steps the cell.
        """
        if self.fused is False:
            return "it was built with `fused=False`"
        if self.unroll:
            return "`unroll=True` unrolls the generic loop"
        cell_support = getattr(self.cell, "fused_support", None)
        if cell_support is None:
            return (
                f"{type(self.cell).__name__} declares no fused loop (it has "
                "no `fused_support()` method)"
            )
        return cell_support()

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
        self._zoneout_masks = _draw_zoneout_masks(
            self.cell, sequences, training
        )
        try:
            return super().call(
                sequences,
                initial_state=initial_state,
                mask=mask,
                training=training,
            )
        finally:
            self._constants = None
            self._zoneout_masks = None
            _reset_dropout_masks(self.cell)

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if tree.is_nested(mask):
            mask = mask[0]
        if self._constants is None and self.fused_support() is None:
            last_output, outputs, states = self.cell.fused_call(
                sequences,
                initial_state,
                mask=mask,
                training=training,
                go_backwards=self.go_backwards,
                **self._zoneout_kwargs(),
            )
            if self.zero_output_for_mask and mask is not None:
                outputs, last_output = self._zero_masked_outputs(
                    outputs, mask
                )
            return last_output, outputs, states
        if self._constants is None and self._zoneout_masks is None:
            return super().inner_loop(
                sequences, initial_state, mask, training=training
            )
        return self._loop_with_step_extras(
            sequences, initial_state, mask, training
        )

    def _zoneout_kwargs(self):
        if self._zoneout_masks is None:
            return {}
        return {"zoneout_masks": self._zoneout_masks}

    def _zero_masked_outputs(self, outputs, mask):
        step_mask = ops.cast(mask, outputs.dtype)[:, :, None]
        if self.go_backwards:
            step_mask = ops.flip(step_mask, axis=1)
        outputs = outputs * step_mask
        return outputs, outputs[:, -1]

    def _loop_with_step_extras(self, sequences, initial_state, mask,
                               training):
        """The generic loop, handing the cell constants and zoneout masks."""
        cell_kwargs = {}
        if self._constants is not None:
            cell_kwargs["constants"] = list(self._constants)
        if getattr(self.cell, "_call_has_training_arg", False):
            cell_kwargs["training"] = training
        zoneout_masks = self._zoneout_masks
        if zoneout_masks is not None:
            # Time-major (time, batch, units) to batch-major steps beside the
            # inputs; the backend loop slices (and reverses) them alike.
            sequences = (sequences,) + tuple(
                ops.transpose(m, (1, 0, 2)) for m in zoneout_masks
            )

        def step(inputs, states):
            step_kwargs = dict(cell_kwargs)
            if zoneout_masks is not None:
                inputs, step_kwargs["zoneout_mask"] = inputs[0], inputs[1:]
            output, new_states = self.cell(inputs, states, **step_kwargs)
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
            input_length=tree.flatten(sequences)[0].shape[1],
            zero_output_for_mask=self.zero_output_for_mask,
            return_all_outputs=self.return_sequences,
        )

    def get_config(self):
        config = super().get_config()
        if self.fused != "auto":
            config["fused"] = self.fused
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        # `keras.layers.RNN.from_config` pops "cell": leave ours untouched.
        return super().from_config(dict(config), custom_objects)
