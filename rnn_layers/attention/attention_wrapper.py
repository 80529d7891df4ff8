"""An RNN cell that attends to a memory at every step (with input feeding)."""

import keras
from keras import ops


def _as_list(state_size):
    """`int` or nested sizes -> flat list of ints."""
    return list(keras.tree.flatten(state_size))


@keras.saving.register_keras_serializable(package="rnn_layers")
class AttentionWrapper(keras.layers.Layer):
    """Wraps a recurrent cell with attention over a memory.

    At step `t`, with `a_{t-1}` the previous attention vector (Luong et al.
    2015, section 3.3 "input feeding"; TF Addons' `AttentionWrapper`):

    ```
    h_t, cell_states_t = cell(concat([x_t, a_{t-1}]), cell_states_{t-1})
    c_t, alignments_t = attention(h_t, memory, memory_mask)
    a_t = tanh(W_c concat([h_t, c_t]))   if attention_layer_size else c_t
    output_t = a_t if output_attention else h_t
    ```

    It honours the Keras cell contract (`state_size`, `output_size`,
    `get_initial_state`, `call(inputs, states, ...) -> (output, states)`),
    so it runs inside `rnn_layers.RNN`, which passes the memory as
    constants: `RNN(wrapper)(x, constants=[memory, memory_mask])`.

    It is equally usable one step at a time, as in a decoder driven by a
    sampler: `output, states = wrapper(x_t, states, constants=constants)`,
    where `constants = wrapper.prepare_constants(memory, memory_mask)`
    also holds the projected memory keys so they are computed once per
    sequence rather than once per step.

    State layout (a flat list): the cell's states, then the attention vector
    `(batch, attention_size)`, then, only when `memory_length` is given, the
    alignments `(batch, memory_length)` of the last step.

    Args:
        cell: a recurrent cell (e.g. `rnn_layers.LSTMCell`).
        attention: an attention layer whose call is
            `(query, memory, memory_mask=None, keys=None) ->
            (context, alignments)` and that has `process_memory(memory)`,
            e.g. `BahdanauAttention` or `LuongAttention`.
        memory_depth: positive int, last dimension of the memory. Needed up
            front because Keras reads `state_size` at construction.
        attention_layer_size: optional positive int. When set, the attention
            vector is `tanh(W_c [h; c])` of this size (Luong's attentional
            hidden state); when `None` it is the context itself. Defaults to
            `None`.
        output_attention: bool, output the attention vector (`True`, Luong
            style) or the cell output (`False`, Bahdanau style). Defaults to
            `True`.
        memory_length: optional positive int, the (padded) number of memory
            positions. When set, the last alignments are kept in the state.
            Defaults to `None`.
        output_alignments: bool, append the step's alignments to the output
            (so an `RNN` with `return_sequences=True` returns them for
            plotting; split with `split_output`). Needs `memory_length`.
            Defaults to `False`.
        **kwargs: base `Layer` arguments.

    Call arguments:
        inputs: `(batch, input_dim)` step inputs.
        states: list of state tensors laid out as above.
        constants: `[memory]`, `[memory, memory_mask]` or
            `[memory, memory_mask, keys]` (the output of
            `prepare_constants`). `memory` is `(batch, time, memory_depth)`,
            `memory_mask` `(batch, time)` is `True` on valid positions.
        training: Python bool passed to the cell.

    Returns:
        Tuple `(output, new_states)`.

    Example:

    >>> memory = np.random.rand(2, 5, 6).astype("float32")
    >>> wrapper = AttentionWrapper(
    ...     keras.layers.LSTMCell(4), BahdanauAttention(3), memory_depth=6)
    >>> states = wrapper.get_initial_state(batch_size=2)
    >>> constants = wrapper.prepare_constants(memory)
    >>> x_t = np.ones((2, 7), "float32")
    >>> output, states = wrapper(x_t, states, constants=constants)
    >>> tuple(output.shape)
    (2, 6)
    """

    def __init__(
        self,
        cell,
        attention,
        memory_depth,
        attention_layer_size=None,
        output_attention=True,
        memory_length=None,
        output_alignments=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for name, value, optional in (
            ("memory_depth", memory_depth, False),
            ("attention_layer_size", attention_layer_size, True),
            ("memory_length", memory_length, True),
        ):
            if optional and value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool) or (
                value < 1
            ):
                raise ValueError(
                    f"Received `{name}={value!r}`; expected a positive "
                    "integer" + (" or `None`." if optional else ".")
                )
        if output_alignments and memory_length is None:
            raise ValueError(
                "Received `output_alignments=True` with `memory_length=None`;"
                " pass the padded memory length as `memory_length`."
            )
        for name in ("state_size", "call"):
            if not hasattr(cell, name):
                raise TypeError(
                    f"Received `cell={cell!r}` without `{name}`; expected a "
                    "recurrent cell such as `rnn_layers.LSTMCell`."
                )
        self.cell = cell
        self.attention = attention
        self.memory_depth = memory_depth
        self.attention_layer_size = attention_layer_size
        self.output_attention = bool(output_attention)
        self.memory_length = memory_length
        self.output_alignments = bool(output_alignments)
        self.attention_layer = None
        if attention_layer_size is not None:
            self.attention_layer = keras.layers.Dense(
                attention_layer_size,
                use_bias=False,
                activation="tanh",
                name="attention_layer",
            )
        self._cell_state_size = cell.state_size

    @property
    def attention_size(self):
        return self.attention_layer_size or self.memory_depth

    @property
    def state_size(self):
        sizes = _as_list(self._cell_state_size) + [self.attention_size]
        if self.memory_length is not None:
            sizes.append(self.memory_length)
        return sizes

    @property
    def _cell_output_size(self):
        size = getattr(self.cell, "output_size", None)
        return size if size is not None else _as_list(self.cell.state_size)[0]

    @property
    def output_size(self):
        size = (
            self.attention_size
            if self.output_attention
            else self._cell_output_size
        )
        if self.output_alignments:
            size += self.memory_length
        return size

    def build(self, inputs_shape, constants_shape=None):
        # `rnn_layers.RNN` passes the constants' shapes, memory first.
        if constants_shape:
            depth = constants_shape[0][-1]
            if depth is not None and depth != self.memory_depth:
                raise ValueError(
                    f"The memory has depth {depth} but the wrapper was built "
                    f"with `memory_depth={self.memory_depth}`; pass "
                    f"`memory_depth={depth}`."
                )
        batch = inputs_shape[0]
        if not self.cell.built:
            self.cell.build((batch, inputs_shape[-1] + self.attention_size))
        self._build_attention(batch)
        if self.attention_layer is not None and not self.attention_layer.built:
            self.attention_layer.build(
                (batch, self._cell_output_size + self.memory_depth)
            )
        self.built = True

    def _build_attention(self, batch=None):
        if not self.attention.built:
            self.attention.build(
                (batch, self._cell_output_size),
                (batch, None, self.memory_depth),
            )

    def prepare_constants(self, memory, memory_mask=None):
        """Returns `[memory, memory_mask, keys]` for step-by-step calls.

        Args:
            memory: `(batch, time, memory_depth)`.
            memory_mask: optional boolean `(batch, time)`. Defaults to all
                `True`.

        Returns:
            A list to pass as `constants=` to every step.
        """
        self._build_attention()
        if memory_mask is None:
            memory_mask = ops.ones(ops.shape(memory)[:2], dtype="bool")
        return [memory, ops.cast(memory_mask, "bool"),
                self.attention.process_memory(memory)]

    def get_initial_state(self, batch_size):
        get_cell_state = getattr(self.cell, "get_initial_state", None)
        if get_cell_state is not None:
            cell_states = keras.tree.flatten(get_cell_state(batch_size))
        else:
            cell_states = [
                ops.zeros((batch_size, size), dtype=self.compute_dtype)
                for size in _as_list(self._cell_state_size)
            ]
        extra = [ops.zeros((batch_size, self.attention_size),
                           dtype=self.compute_dtype)]
        if self.memory_length is not None:
            extra.append(ops.zeros((batch_size, self.memory_length),
                                   dtype=self.compute_dtype))
        return list(cell_states) + extra

    def _unpack_constants(self, constants):
        if constants is None or len(constants) not in (1, 2, 3):
            raise ValueError(
                "`AttentionWrapper` needs the memory: pass `constants=[memory]`"
                ", `[memory, memory_mask]` or `wrapper.prepare_constants("
                f"memory, memory_mask)`. Received `constants={constants!r}`."
            )
        memory = constants[0]
        memory_mask = constants[1] if len(constants) > 1 else None
        keys = constants[2] if len(constants) > 2 else None
        return memory, memory_mask, keys

    def call(self, inputs, states, constants=None, training=False):
        memory, memory_mask, keys = self._unpack_constants(constants)
        states = list(states)
        num_cell_states = len(_as_list(self._cell_state_size))
        cell_states = keras.tree.pack_sequence_as(
            self._cell_state_size
            if keras.tree.is_nested(self._cell_state_size)
            else [self._cell_state_size],
            states[:num_cell_states],
        )
        attention_tm1 = states[num_cell_states]  # (batch, attention_size)

        cell_inputs = ops.concatenate(
            [inputs, ops.cast(attention_tm1, inputs.dtype)], axis=-1
        )  # (batch, input_dim + attention_size)
        cell_output, next_cell_states = self.cell(
            cell_inputs, cell_states, training=training
        )
        context, alignments = self.attention(
            cell_output, memory, memory_mask=memory_mask, keys=keys
        )  # (batch, memory_depth), (batch, time)
        if self.attention_layer is not None:
            attention = self.attention_layer(
                ops.concatenate([cell_output, context], axis=-1)
            )  # (batch, attention_layer_size)
        else:
            attention = context

        output = attention if self.output_attention else cell_output
        if self.output_alignments:
            output = ops.concatenate(
                [output, ops.cast(alignments, output.dtype)], axis=-1
            )
        new_states = list(keras.tree.flatten(next_cell_states)) + [attention]
        if self.memory_length is not None:
            new_states.append(ops.cast(alignments, attention.dtype))
        return output, new_states

    def split_output(self, outputs):
        """Splits outputs made with `output_alignments=True`.

        Args:
            outputs: `(..., output_size)` from this cell or an `RNN` over it.

        Returns:
            Tuple `(outputs, alignments)`, the last of size `memory_length`.
        """
        if not self.output_alignments:
            raise ValueError(
                "`split_output` needs `output_alignments=True`; this wrapper "
                "was built with `output_alignments=False`."
            )
        cut = self.output_size - self.memory_length
        return outputs[..., :cut], outputs[..., cut:]

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "cell": keras.saving.serialize_keras_object(self.cell),
                "attention": keras.saving.serialize_keras_object(
                    self.attention
                ),
                "memory_depth": self.memory_depth,
                "attention_layer_size": self.attention_layer_size,
                "output_attention": self.output_attention,
                "memory_length": self.memory_length,
                "output_alignments": self.output_alignments,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["cell"] = keras.saving.deserialize_keras_object(config["cell"])
        config["attention"] = keras.saving.deserialize_keras_object(
            config["attention"]
        )
        return cls(**config)
