"""Embedding -> stacked LSTM/GRU -> logits, and its one-token step function.

```
ids (batch, time) -> Embedding (batch, time, embedding_dim) -> Dropout
  -> [LSTM or GRU (batch, time, units) -> Dropout] x num_layers
  -> [Dense projection to embedding_dim when tied and sizes differ]
  -> logits (batch, time, vocabulary)
```

With `tie_embeddings` the output layer reuses the input embedding matrix
(Press & Wolf 2017; Inan et al. 2017): `logits = h E^T + b`. The recurrent
layers are `rnn_layers.LSTM`/`GRU` (fused CPU loop). `make_step_fn` runs the
same weights one token at a time through the layers' cells, so sampling
costs one cell step per token (`rnn_layers.samplers.recurrent_next`).
"""

import dataclasses

import keras
from keras import ops

from rnn_layers import GRU, LSTM

CELLS = {"lstm": LSTM, "gru": GRU}


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """Hyper-parameters of the language model; saved in `config.json`.

    Args:
        vocabulary_size: int, number of token ids (from the vocabulary).
            Defaults to `128`.
        embedding_dim: int, size of each token vector. Defaults to `64`.
        units: int, recurrent units per layer. Defaults to `256`.
        num_layers: int, stacked recurrent layers. Defaults to `2`.
        cell: str, `"lstm"` or `"gru"`. Defaults to `"lstm"`.
        dropout: float in [0, 1), dropout after the embedding and after
            every recurrent layer. Defaults to `0.0`.
        tie_embeddings: bool, reuse the embedding matrix as output weights.
            Defaults to `False`.
    """

    vocabulary_size: int = 128  # token ids, from the vocabulary
    embedding_dim: int = 64  # size of each token vector
    units: int = 256  # recurrent units per layer
    num_layers: int = 2  # stacked recurrent layers
    cell: str = "lstm"  # "lstm" or "gru"
    dropout: float = 0.0  # after the embedding and every recurrent layer
    tie_embeddings: bool = False  # output weights = embedding matrix

    def __post_init__(self):
        for name in ("vocabulary_size", "embedding_dim", "units", "num_layers"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"Received `{name}={value!r}`; expected a positive integer."
                )
        if self.cell not in CELLS:
            raise ValueError(
                f"Received `cell={self.cell!r}`; expected one of {sorted(CELLS)}."
            )
        if not 0 <= self.dropout < 1:
            raise ValueError(
                f"Received `dropout={self.dropout}`; expected 0 <= dropout < 1."
            )


@keras.saving.register_keras_serializable(package="apps.language_model")
class TiedLogits(keras.layers.Layer):
    """Output logits from the transposed embedding matrix plus a bias.

    Args:
        embedding: the `keras.layers.Embedding` whose matrix is shared.

    Call arguments:
        inputs: `(batch, ..., embedding_dim)`.

    Returns:
        logits `(batch, ..., vocabulary)`.
    """

    def __init__(self, embedding, **kwargs):
        super().__init__(**kwargs)
        self.embedding = embedding

    def build(self, input_shape):
        self.bias = self.add_weight(
            name="bias", shape=(self.embedding.input_dim,), initializer="zeros"
        )

    def call(self, inputs):
        matrix = ops.cast(self.embedding.embeddings, inputs.dtype)
        return ops.matmul(inputs, ops.transpose(matrix)) + self.bias


def build_model(
    config: ModelConfig, stateful_batch_size: int | None = None
) -> keras.Model:
    """Builds the language model (not compiled).

    Args:
        config: `ModelConfig`.
        stateful_batch_size: int or `None`; when given, the recurrent layers
            are stateful with this fixed batch size (truncated BPTT over
            contiguous streams). Defaults to `None`.

    Returns:
        `keras.Model` mapping int32 ids `(batch, time)` to logits
        `(batch, time, vocabulary_size)`. Layers are named `embedding`,
        `rnn_0` ... and `logits`, which `make_step_fn` relies on.

    Example:

    >>> import numpy as np
    >>> model = build_model(ModelConfig(vocabulary_size=10, units=8))
    >>> model(np.zeros((2, 5), "int32")).shape
    (2, 5, 10)
    """
    stateful = stateful_batch_size is not None
    if stateful:
        ids = keras.Input(
            batch_shape=(stateful_batch_size, None), dtype="int32", name="ids"
        )
    else:
        ids = keras.Input(shape=(None,), dtype="int32", name="ids")
    embedding = keras.layers.Embedding(
        config.vocabulary_size, config.embedding_dim, name="embedding"
    )
    x = embedding(ids)  # (batch, time, embedding_dim)
    x = keras.layers.Dropout(config.dropout, name="dropout_in")(x)
    for index in range(config.num_layers):
        x = CELLS[config.cell](
            config.units,
            return_sequences=True,
            stateful=stateful,
            name=f"rnn_{index}",
        )(x)  # (batch, time, units)
        x = keras.layers.Dropout(config.dropout, name=f"dropout_{index}")(x)
    if config.tie_embeddings:
        if config.units != config.embedding_dim:
            x = keras.layers.Dense(config.embedding_dim, name="projection")(x)
        logits = TiedLogits(embedding, name="logits")(x)
    else:
        logits = keras.layers.Dense(config.vocabulary_size, name="logits")(x)
    return keras.Model(ids, logits, name="language_model")


def recurrent_layers(model: keras.Model) -> list:
    """The model's recurrent layers, bottom first."""
    layers, index = [], 0
    while True:
        try:
            layers.append(model.get_layer(f"rnn_{index}"))
        except ValueError:
            return layers
        index += 1


def initial_states(model: keras.Model, batch_size) -> tuple:
    """Zero states for `make_step_fn`: `(h, c)` per LSTM, `(h,)` per GRU."""
    states = []
    for layer in recurrent_layers(model):
        sizes = layer.cell.state_size
        sizes = sizes if isinstance(sizes, (list, tuple)) else [sizes]
        states.extend(ops.zeros((batch_size, size)) for size in sizes)
    return tuple(states)


def make_step_fn(model: keras.Model):
    """One-token step through the model's layers (no dropout).

    Returns:
        `step_fn(tokens, states) -> (logits, states)` with `tokens` int
        `(batch,)`, `states` the flat tuple of `initial_states` and logits
        `(batch, vocabulary)`: the protocol of
        `rnn_layers.samplers.recurrent_next`.
    """
    embedding = model.get_layer("embedding")
    layers = recurrent_layers(model)
    head = [model.get_layer("logits")]
    try:
        head.insert(0, model.get_layer("projection"))
    except ValueError:
        pass

    def step_fn(tokens, states):
        x = embedding(tokens)  # (batch, embedding_dim)
        new_states, offset = [], 0
        for layer in layers:
            sizes = layer.cell.state_size
            count = len(sizes) if isinstance(sizes, (list, tuple)) else 1
            x, cell_states = layer.cell(
                x, list(states[offset : offset + count])
            )  # (batch, units)
            cell_states = (
                cell_states if isinstance(cell_states, (list, tuple))
                else [cell_states]
            )
            new_states.extend(cell_states)
            offset += count
        for layer in head:
            x = layer(x)
        return x, tuple(new_states)

    return step_fn
