"""Top-p (nucleus) sampling: draw within the smallest likely set."""

import keras
from keras import ops

from rnn_layers.samplers import sampler_math
from rnn_layers.samplers.sampler import Sampler
from rnn_layers.samplers.sampler import _check_positive_int


@keras.saving.register_keras_serializable(package="rnn_layers")
class TopPSampler(Sampler):
    """Samples from the smallest set of tokens whose mass reaches `p`.

    Holtzman et al. 2020 ("nucleus sampling"). Tokens are sorted by
    probability and kept while the mass before them is below `p`, so the
    most probable token always stays. Short name `"top_p"`. See `Sampler`
    for the call arguments.

    Args:
        p: float in `(0, 1]`, the nucleus mass. Defaults to `0.9`.
        k: optional positive int; only the `k` most probable tokens are
            sorted (faster on large vocabularies). Defaults to `None` (all).
        **kwargs: `Sampler` arguments (`temperature`, `seed`, ...).

    Example:

    >>> def next(prompt, cache, index):
    ...     return keras.ops.zeros((2, 5)), None, cache
    >>> tokens = TopPSampler(p=0.5, seed=1)(next, np.zeros((2, 6), "int32"))
    >>> tuple(tokens.shape)
    (2, 6)
    """

    def __init__(self, p=0.9, k=None, **kwargs):
        super().__init__(**kwargs)
        if not (isinstance(p, (int, float)) and 0 < p <= 1):
            raise ValueError(
                f"Received `p={p!r}`; expected a float in (0, 1]."
            )
        if k is not None:
            _check_positive_int("k", k)
        self.p = float(p)
        self.k = k

    def get_next_token(self, probabilities):
        vocabulary = probabilities.shape[-1]
        k = vocabulary if self.k is None else min(self.k, vocabulary)
        sorted_probabilities, sorted_indices = ops.top_k(
            probabilities, k=k, sorted=True
        )  # (batch, k) each, descending
        mass_before = ops.cumsum(sorted_probabilities, axis=-1) - (
            sorted_probabilities
        )
        keep = mass_before < self.p  # (batch, k); the first is always kept
        logits = ops.where(
            keep,
            ops.log(ops.maximum(sorted_probabilities, 1e-30)),
            sampler_math.NEG_INF,
        )
        choice = keras.random.categorical(
            logits, 1, seed=self.seed_generator
        )  # (batch, 1)
        return ops.take_along_axis(sorted_indices, choice, axis=-1)[:, 0]

    def get_config(self):
        config = super().get_config()
        config.update({"p": self.p, "k": self.k})
        return config
