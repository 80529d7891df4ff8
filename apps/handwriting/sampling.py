"""Writing with a trained network, one point at a time (eager or in a graph).

The trained model's layers are stepped by `rnn_layers.StrokeSampler`: the
window cell (`GaussianWindowCell.step`, which also gives `phi`), the LSTM
cells, the mixture head. The cache is the tuple of recurrent states, plus,
when `record_phi`, a `(batch, max_length, U + 1)` buffer of the window
weights of every step (for the plot of `phi` over time).

A row stops when its window has passed the last character (Graves' rule,
`attention_math.window_finished`) and the pen has lifted, so the last
letter is finished, or after its own point budget. Priming
(Graves section 5.5, "primed sampling") runs the network over a real line
first: its points are forced through the sampler and its text is put
before the text to write, so the window reads through both.

Everything is `keras.ops`, so `write` runs eagerly, under `jax.jit` and
inside the exported `tf.function`.
"""

from keras import ops

from apps.handwriting.data import START_POINT
from apps.handwriting.model import HEAD_LAYER
from apps.handwriting.model import WINDOW_LAYER
from apps.handwriting.model import lstm_name
from rnn_layers import StrokeSampler
from rnn_layers import window_finished


class NetworkStep:
    """The layers of a trained network as one step `x_t -> params`.

    Args:
        model: a model from `apps.handwriting.model.build_model`.
        model_config: its `ModelConfig`.
    """

    def __init__(self, model, model_config):
        self.config = model_config
        self.synthesis = model_config.network == "synthesis"
        first = 1 if self.synthesis else 0
        self.window_cell = (model.get_layer(WINDOW_LAYER).cell
                            if self.synthesis else None)
        self.cells = [model.get_layer(lstm_name(i)).cell
                      for i in range(first, model_config.num_layers)]
        self.head = model.get_layer(HEAD_LAYER)

    def initial_cache(self, batch_size):
        """Zero states: the window cell's four, then `(h, c)` per LSTM."""
        states = []
        if self.synthesis:
            states += self.window_cell.get_initial_state(batch_size)
        for cell in self.cells:
            states += [ops.zeros((batch_size, cell.units))] * 2
        return tuple(states)

    def __call__(self, x, states, characters=None, character_mask=None):
        """`(params, phi, new_states)` of one step; `phi` is `None` without
        a window."""
        states = list(states)
        hidden, new_states, extra, phi, below = [], [], [], None, x
        if self.synthesis:
            output, window_states, phi = self.window_cell.step(
                x, states[:4], characters, character_mask)
            below, window = self.window_cell.split_output(output)
            hidden.append(below)
            new_states += window_states
            extra, states = [window], states[4:]
        for index, cell in enumerate(self.cells):
            inputs = ops.concatenate([x, below] + extra, axis=-1) if (
                hidden) else x
            below, (h, c) = cell(inputs, states[2 * index:2 * index + 2])
            hidden.append(below)
            new_states += [h, c]
        top = ops.concatenate(hidden, axis=-1) if len(hidden) > 1 else (
            hidden[0])
        return self.head(top), phi, tuple(new_states)


def write(step: NetworkStep, ids, budgets, bias, seed, priming=None,
          priming_lengths=None, record_phi=False, max_points=None):
    """Samples strokes for a batch of texts (or unconditionally).

    Args:
        step: the trained network's `NetworkStep`.
        ids: int32 `(batch, U)` character ids (priming text first), `0`
            padding; `(batch, 0)` for the prediction network.
        budgets: int32 `(batch,)`, the most points to write per row.
        bias: float or scalar tensor, Graves' sampling bias.
        seed: int or int tensor (scalar or `(batch,)`).
        priming: optional float32 `(batch, P, 3)` normalised priming
            points. Defaults to `None`.
        priming_lengths: int32 `(batch,)`, valid priming points per row
            (needed with `priming`).
        record_phi: Python bool; also return the window weights of every
            step. Defaults to `False`.
        max_points: optional Python int, `max(budgets)` when known (a
            static shape for `jax.jit`). Defaults to `None` (computed).

    Returns:
        `(strokes, lengths)` or `(strokes, lengths, phi)`: float32
        `(batch, max(budgets), 3)` normalised written points (priming
        excluded), int32 `(batch,)` point counts and float32
        `(batch, P + max(budgets) + 1, U + 1)` window weights of the
        steps after the start point.
    """
    ids = ops.cast(ids, "int32")
    budgets = ops.cast(budgets, "int32")
    batch = ops.shape(ids)[0]
    if priming is None:
        priming = ops.zeros((batch, 0, 3))
        priming_lengths = ops.zeros((batch,), "int32")
    priming = ops.cast(priming, "float32")
    priming_lengths = ops.cast(priming_lengths, "int32")
    if max_points is None:
        max_points = ops.max(budgets)
    max_length = 1 + ops.shape(priming)[1] + max_points
    start = ops.broadcast_to(ops.convert_to_tensor(START_POINT, "float32"),
                             (batch, 1, 3))
    strokes = ops.concatenate(
        [start, priming, ops.zeros((batch, max_points, 3))], axis=1)
    positions = ops.arange(max_length, dtype="int32")[None]  # (1, L)
    mask = ops.logical_and(positions >= 1,
                           positions <= priming_lengths[:, None])
    limits = priming_lengths + budgets  # last row each may write
    characters = character_mask = text_lengths = None
    if step.synthesis:
        vocabulary = step.window_cell.vocabulary_size
        characters = ops.one_hot(ids, vocabulary)  # (batch, U, V)
        character_mask = ops.not_equal(ids, 0)
        text_lengths = ops.sum(ops.cast(character_mask, "int32"), axis=1)
    cache = step.initial_cache(batch)
    if record_phi:
        cache += (ops.zeros((batch, max_length, ops.shape(ids)[1] + 1)),)

    def next(strokes, cache, index):
        x = ops.take(strokes, index - 1, axis=1)  # (batch, 3)
        states = cache[:-1] if record_phi else cache
        params, phi, states = step(x, states, characters, character_mask)
        done = index > limits
        if phi is not None:
            lifted = x[:, 2] > 0.5
            done = ops.logical_or(done, ops.logical_and(
                window_finished(phi, text_lengths), lifted))
        if record_phi:
            here = ops.equal(ops.arange(max_length), index - 1)
            states += (ops.where(here[None, :, None], phi[:, None],
                                 cache[-1]),)
        return params, done, states

    sampler = StrokeSampler(step.head.num_components)
    result = sampler(next, strokes, cache, mask=mask, bias=bias, seed=seed,
                     return_cache=True)
    strokes, lengths, cache = result
    offsets = priming_lengths[:, None] + 1 + ops.arange(max_points)[None]
    written = ops.take_along_axis(
        strokes, ops.minimum(offsets, max_length - 1)[:, :, None], axis=1)
    counts = ops.maximum(lengths - 1 - priming_lengths, 0)
    valid = ops.arange(max_points)[None] < counts[:, None]
    written = ops.where(valid[:, :, None], written, 0.0)
    if record_phi:
        return written, counts, cache[-1]
    return written, counts
