"""The many-to-many LSTM adder: one timestep per digit column.

At each column the network sees the two digits (least significant first, see
`apps/addition/data.py`) and writes one digit of the sum; the LSTM state
carries the carry to the next column. The model has no fixed length, so a
model trained on 3-digit numbers runs on longer ones.
"""

import dataclasses

import keras

from rnn_layers import LSTM

NUM_DIGITS = 10  # decimal digits, both the input vocabulary and the classes


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """Hyper-parameters of the adder; saved in the run's `config.json`.

    Args:
        embedding_dim: int, size of the learned vector for each input digit.
            Defaults to `8`.
        units: int, LSTM units per layer. Defaults to `64`.
        num_layers: int, stacked LSTM layers. Defaults to `1`.
    """

    embedding_dim: int = 8  # learned vector per input digit
    units: int = 64  # LSTM units per layer
    num_layers: int = 1  # stacked LSTM layers

    def __post_init__(self):
        for name in ("embedding_dim", "units", "num_layers"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(
                    f"Received `{name}={value!r}`; expected a positive int."
                )
            if value < 1:
                raise ValueError(
                    f"Received `{name}={value}`; expected a positive integer."
                )


def build_model(config: ModelConfig) -> keras.Model:
    """Builds the adder as a functional Keras model (not compiled).

    Args:
        config: `ModelConfig`.

    Returns:
        `keras.Model` mapping int32 digits `(batch, time, 2)` to logits
        `(batch, time, 10)` over the digit of the sum at each column.

    Example:

    >>> import numpy as np
    >>> model = build_model(ModelConfig(units=8))
    >>> model(np.zeros((2, 4, 2), "int32")).shape
    (2, 4, 10)
    """
    digits = keras.Input(shape=(None, 2), dtype="int32", name="digits")
    x = keras.layers.Embedding(
        NUM_DIGITS, config.embedding_dim, name="digit_embedding"
    )(digits)  # (batch, time, 2, embedding_dim)
    x = keras.layers.Reshape(
        (-1, 2 * config.embedding_dim), name="column"
    )(x)  # (batch, time, 2 * embedding_dim)
    for index in range(config.num_layers):
        x = LSTM(
            config.units, return_sequences=True, name=f"lstm_{index}"
        )(x)  # (batch, time, units)
    logits = keras.layers.Dense(NUM_DIGITS, name="logits")(x)
    return keras.Model(digits, logits, name="adder")


def exact_match(y_true, y_pred):
    """Fraction of examples whose every digit is right (a Keras metric).

    Args:
        y_true: int tensor `(batch, time)`, target digits.
        y_pred: float tensor `(batch, time, 10)`, logits.

    Returns:
        float32 tensor `(batch,)`: 1.0 where the whole sum is right.
    """
    predicted = keras.ops.argmax(y_pred, axis=-1)  # (batch, time)
    correct = keras.ops.equal(
        keras.ops.cast(predicted, "int32"), keras.ops.cast(y_true, "int32")
    )
    return keras.ops.cast(keras.ops.all(correct, axis=-1), "float32")


def compile_model(model: keras.Model, optimizer) -> None:
    """Compiles `model` with cross-entropy and accuracy metrics.

    Args:
        model: the model from `build_model`.
        optimizer: a `keras.optimizers.Optimizer` (see
            `apps.framework.make_optimizer`).
    """
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[
            keras.metrics.SparseCategoricalAccuracy(name="digit_accuracy"),
            keras.metrics.MeanMetricWrapper(exact_match, name="exact_match"),
        ],
    )
