"""Multiplicative (Luong) attention over a masked memory."""

import keras
from keras import ops

from rnn_layers.attention import attention_math

_SCORE_MODES = ("general", "dot")


@keras.saving.register_keras_serializable(package="rnn_layers")
class LuongAttention(keras.layers.Layer):
    """Multiplicative attention, `score(q, m_t) = q^T W m_t` or `q^T m_t`.

    Luong et al. 2015, eq. 8 ("general" and "dot"). With `scale=True` the
    scores are multiplied by a learned scalar `g` initialised to 1 (TF
    Addons' `scale` option). Masked memory positions get zero weight.

    Args:
        score_mode: `"general"` (a `memory_kernel` maps the memory to the
            query depth) or `"dot"` (query and memory depths must match).
            Defaults to `"general"`.
        scale: bool, whether to learn a scalar score scale `g`. Defaults to
            `False`.
        kernel_initializer: initializer for `memory_kernel`. Defaults to
            `"glorot_uniform"`.
        **kwargs: base `Layer` arguments (`name`, `dtype`, ...).

    Call arguments:
        query: float tensor `(batch, query_depth)`.
        memory: float tensor `(batch, time, memory_depth)`.
        memory_mask: optional boolean tensor `(batch, time)`, `True` on
            valid memory positions. Defaults to `None` (all valid).
        keys: optional `(batch, time, query_depth)` from
            `process_memory(memory)`; computed here when `None`.

    Returns:
        Tuple `(context, alignments)` of shapes `(batch, memory_depth)` and
        `(batch, time)`; alignments sum to 1 over valid positions.

    Example:

    >>> attention = LuongAttention(score_mode="general", scale=True)
    >>> query = np.ones((2, 3), "float32")
    >>> memory = np.ones((2, 5, 6), "float32")
    >>> context, alignments = attention(query, memory)
    >>> tuple(context.shape), tuple(alignments.shape)
    ((2, 6), (2, 5))
    """

    def __init__(
        self,
        score_mode="general",
        scale=False,
        kernel_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if score_mode not in _SCORE_MODES:
            raise ValueError(
                f"Received `score_mode={score_mode!r}`; expected one of "
                f"{_SCORE_MODES}."
            )
        self.score_mode = score_mode
        self.scale = bool(scale)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, query_shape, memory_shape):
        query_depth, memory_depth = query_shape[-1], memory_shape[-1]
        if self.score_mode == "dot" and query_depth != memory_depth:
            raise ValueError(
                "`score_mode='dot'` needs the query and memory depths to "
                f"match; received query depth {query_depth} and memory depth "
                f"{memory_depth}. Use `score_mode='general'` instead."
            )
        if self.score_mode == "general":
            self.memory_kernel = self.add_weight(
                name="memory_kernel",
                shape=(memory_depth, query_depth),
                initializer=self.kernel_initializer,
            )
        if self.scale:
            self.g = self.add_weight(name="g", shape=(), initializer="ones")
        self.built = True

    def process_memory(self, memory):
        """Maps the memory to keys in query space, computed once per memory."""
        if self.score_mode == "general":
            return ops.matmul(memory, self.memory_kernel)
        return memory

    def call(self, query, memory, memory_mask=None, keys=None):
        if keys is None:
            keys = self.process_memory(memory)  # (batch, time, query_depth)
        scores = attention_math.luong_score(
            query, keys, scale=self.g if self.scale else None
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
                "score_mode": self.score_mode,
                "scale": self.scale,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
            }
        )
        return config
