"""A decode step with the embedding folded into the first cell's kernel.

For generation a character or word decoder `Embedding -> cells -> Dense`
runs one token at a time, and at batch 1 its cost is the number of ops
and the weight bytes each step touches, not the arithmetic. The input
projection of the first layer only ever sees embedding rows, so it can be
precomputed for the whole vocabulary:

    table = E W + b      # (vocabulary, gates * units)
    z = table[tokens] + h_{t-1} U

one gather and one matmul instead of gather, two matmuls and a bias add
(and the `(embedding_dim, gates * units)` kernel is never read again).
Deeper layers stack `[W; U]` so their step is one matmul over
`concat([x, h_{t-1}])`. The gate math is the cells' own
(`rnn_layers/cells/gate_math.py`, which `LSTMCell`, `GRUCell` and the fused
loops use too); results equal the unfused step up to float rounding.
"""

from keras import activations
from keras import ops

from rnn_layers.cells import GRUCell
from rnn_layers.cells import LSTMCell
from rnn_layers.cells.gate_math import gru_gates
from rnn_layers.cells.gate_math import lstm_gates


def _constant(variable):
    return ops.copy(variable)  # a tensor: a snapshot when eager


def _check_cell(index, cell):
    if type(cell) not in (LSTMCell, GRUCell):
        raise TypeError(
            f"Received `cells[{index}]` of type {type(cell).__name__}; "
            "expected an `rnn_layers.LSTMCell` or `rnn_layers.GRUCell` "
            "(other cells: step them with `recurrent_next` directly)."
        )
    if not cell.built:
        raise ValueError(
            f"Received an unbuilt `cells[{index}]`; call the decoder once "
            "before building its step function."
        )
    if cell.zoneout > 0:
        raise ValueError(
            f"Received `cells[{index}]` with `zoneout={cell.zoneout}`; the "
            "folded step supports `zoneout=0` only (use the unfused step)."
        )


def _input_bias(cell):
    if not cell.use_bias:
        return 0.0
    return _constant(cell.input_bias())


class _FoldedCell:
    """One layer's weights as constants, and its step from `x W + b`."""

    def __init__(self, cell, input_table=None):
        self.cell = cell
        self.units = cell.units
        self.is_lstm = type(cell) is LSTMCell
        bias = _input_bias(cell)
        kernel = _constant(cell.kernel)
        self.recurrent_kernel = _constant(cell.recurrent_kernel)
        self.recurrent_bias = None
        if not self.is_lstm and cell.reset_after and cell.use_bias:
            self.recurrent_bias = _constant(cell.recurrent_bias())
        self.table = None
        self.stacked_kernel = None
        if input_table is not None:
            # (vocabulary, gates * units)
            self.table = ops.matmul(input_table, kernel) + bias
        elif self.is_lstm:
            # (input_dim + units, 4 units): one matmul over [x, h_tm1].
            self.stacked_kernel = ops.concatenate(
                [kernel, self.recurrent_kernel], axis=0)
            self.bias = bias
        else:
            self.kernel, self.bias = kernel, bias

    def __call__(self, inputs, states):
        """`inputs` are token ids for the folded layer, else `(batch, dim)`."""
        h_tm1 = states[0]
        if self.is_lstm:
            if self.table is not None:
                z = ops.take(self.table, inputs, axis=0) + ops.matmul(
                    h_tm1, self.recurrent_kernel)
            else:
                z = ops.matmul(
                    ops.concatenate([inputs, h_tm1], axis=-1),
                    self.stacked_kernel) + self.bias
            h, c, _ = lstm_gates(z, states[1], self.cell.activation,
                                 self.cell.recurrent_activation)
            return h, (h, c)
        if self.table is not None:
            x = ops.take(self.table, inputs, axis=0)  # (batch, 3 units)
        else:
            x = ops.matmul(inputs, self.kernel) + self.bias
        return self._gru_update(x, h_tm1)

    def _gru_update(self, x, h_tm1):
        cell, units = self.cell, self.units
        reset_projection = None
        if cell.reset_after:
            hu = ops.matmul(h_tm1, self.recurrent_kernel)
            if self.recurrent_bias is not None:
                hu = hu + self.recurrent_bias
        else:
            hu = ops.matmul(h_tm1, self.recurrent_kernel[:, : 2 * units])

            def reset_projection(r):
                return ops.matmul(
                    r * h_tm1, self.recurrent_kernel[:, 2 * units:])

        h, _ = gru_gates(x, hu, h_tm1, cell.activation,
                         cell.recurrent_activation,
                         reset_projection=reset_projection)
        return h, (h,)


def folded_step_fn(embedding, cells, head):
    """Builds a fast `step_fn(tokens, states)` for the samplers.

    The step runs `embedding -> cells[0] -> ... -> cells[-1] -> head` with
    the embedding folded into the first cell's input kernel (see the
    module docstring), deeper LSTM layers as one matmul over
    `[x, h_tm1]`, and the head as `h V + b`. Pass it to
    `recurrent_next` as any step function.

    The weights are read once, here: the step holds constants, so build it
    after training or loading (and again if the weights change). Called
    inside a traced function (`tf.function`, `jax.jit`) before the decode
    loop, the folding runs once per call instead, reading the current
    weights.

    Args:
        embedding: a built `keras.layers.Embedding`.
        cells: a built `rnn_layers.LSTMCell` or `GRUCell`, or a list of them
            (bottom first). Inference only: dropout is ignored and zoneout
            must be `0`.
        head: a built `keras.layers.Dense` mapping the last cell's output
            to logits.

    Returns:
        `step_fn(tokens, states) -> (logits, new_states)`: `tokens` int
        `(batch,)`, `states` the flat tuple of every layer's states in
        order (`(h, c)` per LSTM, `(h,)` per GRU), `logits`
        `(batch, vocabulary)`.

    Raises:
        TypeError: for a cell other than `LSTMCell` and `GRUCell`.
        ValueError: for unbuilt layers or cells with zoneout.

    Example:

    >>> embedding = keras.layers.Embedding(10, 4)
    >>> cell = rnn_layers.LSTMCell(8)
    >>> head = keras.layers.Dense(10)
    >>> _ = head(cell(embedding(np.zeros((1,), "int32")),
    ...               [np.zeros((1, 8), "float32")] * 2)[0])
    >>> step_fn = folded_step_fn(embedding, cell, head)
    >>> cache = (keras.ops.zeros((2, 8)), keras.ops.zeros((2, 8)))
    >>> tokens = GreedySampler()(recurrent_next(step_fn),
    ...                          np.ones((2, 6), "int32"), cache)
    >>> tuple(tokens.shape)
    (2, 6)
    """
    if not isinstance(cells, (list, tuple)):
        cells = [cells]
    if not cells:
        raise ValueError("Received `cells=[]`; expected at least one cell.")
    for index, cell in enumerate(cells):
        _check_cell(index, cell)
    if not (embedding.built and head.built):
        raise ValueError(
            "Received an unbuilt `embedding` or `head`; call the decoder "
            "once before building its step function."
        )
    layers = [_FoldedCell(cells[0], _constant(embedding.embeddings))]
    layers += [_FoldedCell(cell) for cell in cells[1:]]
    sizes = [len(cell.state_size) for cell in cells]
    head_kernel = _constant(head.kernel)
    head_bias = _constant(head.bias) if head.use_bias else None
    head_activation = head.activation
    linear = head_activation in (None, activations.linear)

    def step_fn(tokens, states):
        new_states, start = [], 0
        x = ops.cast(tokens, "int32")
        for layer, size in zip(layers, sizes):
            x, layer_states = layer(x, states[start:start + size])
            new_states.extend(layer_states)
            start += size
        logits = ops.matmul(x, head_kernel)  # (batch, vocabulary)
        if head_bias is not None:
            logits = logits + head_bias
        if not linear:
            logits = head_activation(logits)
        return logits, tuple(new_states)

    return step_fn
