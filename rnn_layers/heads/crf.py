"""Linear-chain conditional random field layer with Viterbi decoding."""

import keras
from keras import ops

from rnn_layers.heads import crf_math


@keras.saving.register_keras_serializable(package="rnn_layers")
class CRF(keras.layers.Layer):
    """Linear-chain CRF over per-step tag scores (e.g. BiLSTM-CRF tagging).

    The layer owns the tag transition scores (`transitions`,
    `start_transitions`, `end_transitions`); its inputs are the unary
    potentials, usually a `Dense(num_tags)` over BiLSTM outputs (Lample et
    al. 2016). It returns the Viterbi tag sequence; when given the true
    `tags` it also adds the mean negative log-likelihood to the layer
    losses (the pattern of Keras' CTC OCR example), so a model that takes
    the tags as an extra input trains with `compile(optimizer)` alone.
    `log_likelihood()` and `decode()` are available directly too.

    Args:
        num_tags: positive int, the number of tags.
        transitions_initializer: initializer of the three transition
            weights. Defaults to `"zeros"`.
        **kwargs: base `Layer` arguments.

    Call arguments:
        inputs: `(batch, time, num_tags)` unary potentials.
        tags: optional int `(batch, time)` true tags; when given, the mean
            negative log-likelihood is added with `add_loss`.
        mask: optional bool `(batch, time)`, `True` on real steps (real
            steps first). Propagated Keras masks are used automatically.

    Returns:
        int32 `(batch, time)` best tag sequences, 0 on padded steps.

    Example:

    >>> crf = CRF(num_tags=3)
    >>> potentials = np.random.rand(2, 4, 3).astype("float32")
    >>> tuple(crf(potentials).shape)
    (2, 4)
    >>> tuple(crf.log_likelihood(potentials, np.zeros((2, 4), "int32")).shape)
    (2,)
    """

    def __init__(self, num_tags, transitions_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        if (
            not isinstance(num_tags, int)
            or isinstance(num_tags, bool)
            or num_tags < 1
        ):
            raise ValueError(
                f"Received `num_tags={num_tags!r}`; expected a positive "
                "integer."
            )
        self.num_tags = num_tags
        self.transitions_initializer = keras.initializers.get(
            transitions_initializer
        )
        self.supports_masking = True

    def build(self, inputs_shape, tags_shape=None):
        if inputs_shape[-1] is not None and inputs_shape[-1] != self.num_tags:
            raise ValueError(
                f"`CRF(num_tags={self.num_tags})` received potentials with "
                f"last dimension {inputs_shape[-1]}; put a "
                f"`Dense({self.num_tags})` before it."
            )
        self.transitions = self.add_weight(
            name="transitions",
            shape=(self.num_tags, self.num_tags),
            initializer=self.transitions_initializer,
        )
        self.start_transitions = self.add_weight(
            name="start_transitions",
            shape=(self.num_tags,),
            initializer=self.transitions_initializer,
        )
        self.end_transitions = self.add_weight(
            name="end_transitions",
            shape=(self.num_tags,),
            initializer=self.transitions_initializer,
        )
        self.built = True

    def _weights(self):
        return (self.transitions, self.start_transitions, self.end_transitions)

    def log_likelihood(self, potentials, tags, mask=None):
        """`log p(tags | potentials)`, `(batch,)`."""
        return crf_math.crf_log_likelihood(
            potentials, tags, *self._weights(), mask=mask
        )

    def decode(self, potentials, mask=None):
        """Viterbi decode: `(tags (batch, time) int32, scores (batch,))`."""
        potentials = ops.cast(potentials, "float32")
        return crf_math.crf_viterbi_decode(
            potentials, *self._weights(), mask=mask
        )

    def call(self, inputs, tags=None, mask=None):
        if tags is not None:
            nll = -self.log_likelihood(inputs, tags, mask=mask)
            self.add_loss(ops.mean(nll))
        decoded, _ = self.decode(inputs, mask=mask)
        return decoded

    def compute_mask(self, inputs, tags=None, mask=None):
        return mask

    def compute_output_spec(self, inputs, tags=None, mask=None):
        return keras.KerasTensor(tuple(inputs.shape[:2]), dtype="int32")

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_tags": self.num_tags,
                "transitions_initializer": keras.initializers.serialize(
                    self.transitions_initializer
                ),
            }
        )
        return config
