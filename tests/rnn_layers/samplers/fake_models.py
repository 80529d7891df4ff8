"""Hand-made `next` functions whose decoding results are known exactly."""

import keras
import numpy as np
from keras import ops

from rnn_layers.samplers import recurrent_next


def bigram_next(table):
    """`next` of a bigram model: logits = log table[previous token].

    The cache counts the steps taken, `(batch,)` int32.
    """
    log_table = ops.convert_to_tensor(np.log(np.asarray(table, "float32")))

    def next(prompt, cache, index):
        previous = ops.take(prompt, index - 1, axis=1)  # (batch,)
        (steps,) = cache
        return ops.take(log_table, previous, axis=0), None, (steps + 1,)

    return next


def step_counter(batch):
    return (ops.zeros((batch,), "int32"),)


class TinyDecoder:
    """Embedding -> GRU cell -> Dense, stepped one token at a time."""

    def __init__(self, vocabulary=7, units=6, seed=0):
        self.embedding = keras.layers.Embedding(
            vocabulary, 4, embeddings_initializer=keras.initializers.RandomNormal(
                stddev=1.0, seed=seed))
        self.cell = keras.layers.GRUCell(units)
        self.head = keras.layers.Dense(
            vocabulary, kernel_initializer=keras.initializers.RandomNormal(
                stddev=2.0, seed=seed + 1))
        self.units = units
        # Build outside the decode loop: JAX cannot create variables while
        # tracing `while_loop`.
        self.step_fn(ops.zeros((1,), "int32"), self.initial_cache(1))

    def step_fn(self, tokens, states):
        output, new_states = self.cell(self.embedding(tokens), list(states))
        return self.head(output), tuple(new_states)

    def initial_cache(self, batch):
        return (ops.zeros((batch, self.units)),)

    @property
    def next(self):
        return recurrent_next(self.step_fn)
