"""Additive (Bahdanau) attention over a masked memory."""

import keras
from keras import ops

from rnn_layers.attention import attention_math


@keras.saving.register_keras_serializable(package="rnn_layers")
class BahdanauAttention(keras.layers.Layer):
    """Additive attention, `score(q, m_t) = v^T tanh(W_q q + W_m m_t)`.

    Bahdanau et al. 2015 (appendix A.1.2). With `normalize=True` the score
    vector is weight-normalised, `v <- g v / ||v||`, with a bias inside the
    tanh (the `normalize` option of TF Addons' `BahdanauAttention`).
    Masked memory positions get zero weight.

    The memory projection `W_m m` does not depend on the query, so a decoder
    that attends to the same memory at every step should compute it once
    with `process_memory(memory)` and pass it as `keys=`.

    Args:
        units: positive int, size of the hidden layer inside the score.
        normalize: bool, whether to weight-normalise the score vector.
            Defaults to `False`.
        kernel_initializer: initializer for `query_kernel`, `memory_kernel`
            and `v`. Defaults to `"glorot_uniform"`.
        **kwargs: base `Layer` arguments (`name`, `dtype`, ...).

    Call arguments:
        query: float tensor `(batch, query_depth)`, e.g. the decoder state.
        memory: float tensor `(batch, time, memory_depth)`, e.g. encoder
            outputs.
        memory_mask: optional boolean tensor `(batch, time)`, `True` on
            valid memory positions. Defaults to `None` (all valid).
        keys: optional `(batch, time, units)` from `process_memory(memory)`;
            computed here when `None`.

    Returns:
        Tuple `(context, alignments)`: `context` `(batch, memory_depth)` is
        the alignment-weighted memory; `alignments` `(batch, time)` sum to 1
        over valid positions.

    Example:

    >>> attention = BahdanauAttention(units=4)
    >>> query = np.ones((2, 3), "float32")
    >>> memory = np.ones((2, 5, 6), "float32")
    >>> context, alignments = attention(query, memory)
    >>> tuple(context.shape), tuple(alignments.shape)
    ((2, 6), (2, 5))
    """

    def __init__(
        self,
        units,
        normalize=False,
        kernel_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units < 1:
            raise ValueError(
                f"Received `units={units!r}`; expected a positive integer."
            )
        self.units = units
        self.normalize = bool(normalize)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, query_shape, memory_shape):
        self.query_kernel = self.add_weight(
            name="query_kernel",
            shape=(query_shape[-1], self.units),
            initializer=self.kernel_initializer,
        )
        self.memory_kernel = self.add_weight(
            name="memory_kernel",
            shape=(memory_shape[-1], self.units),
            initializer=self.kernel_initializer,
        )
        self.v = self.add_weight(
            name="v", shape=(self.units,), initializer=self.kernel_initializer
        )
        if self.normalize:
            self.g = self.add_weight(
                name="g",
                shape=(),
                initializer=keras.initializers.Constant(
                    (1.0 / self.units) ** 0.5
                ),
            )
            self.b = self.add_weight(
                name="b", shape=(self.units,), initializer="zeros"
            )
        self.built = True

    def process_memory(self, memory):
        """Projects the memory once: `(batch, time, depth) -> (.., units)`."""
        return ops.matmul(memory, self.memory_kernel)

    def call(self, query, memory, memory_mask=None, keys=None):
        if keys is None:
            keys = self.process_memory(memory)  # (batch, time, units)
        processed_query = ops.matmul(query, self.query_kernel)  # (b, units)
        scores = attention_math.bahdanau_score(
            processed_query,
            keys,
            self.v,
            g=self.g if self.normalize else None,
            b=self.b if self.normalize else None,
        )
        alignments = attention_math.masked_softmax(scores, memory_mask)
        alignments = ops.cast(alignments, memory.dtype)
        context = attention_math.attention_context(alignments, memory)
        return context, alignments

    def compute_output_shape(
        self, query_shape, memory_shape, memory_mask_shape=None,
        keys_shape=None,
    ):
        batch, time, depth = memory_shape
        return (batch, depth), (batch, time)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "normalize": self.normalize,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
            }
        )
        return config
