"""Top-k sampling: draw among the k most probable tokens."""

import keras
from keras import ops

from rnn_layers.samplers.sampler import Sampler
from rnn_layers.samplers.sampler import _check_positive_int


@keras.saving.register_keras_serializable(package="rnn_layers")
class TopKSampler(Sampler):
    """Samples from the `k` most probable tokens, renormalised.

    Fan et al. 2018. Short name `"top_k"`. See `Sampler` for the call
    arguments.

    Args:
        k: positive int, how many tokens stay candidates. Defaults to `5`.
        **kwargs: `Sampler` arguments (`temperature`, `seed`, ...).

    Example:

    >>> def next(prompt, cache, index):
    ...     return keras.ops.zeros((2, 5)), None, cache
    >>> tokens = TopKSampler(k=2, seed=1)(next, np.zeros((2, 6), "int32"))
    >>> tuple(tokens.shape)
    (2, 6)
    """

    def __init__(self, k=5, **kwargs):
        super().__init__(**kwargs)
        _check_positive_int("k", k)
        self.k = k

    def get_next_token(self, probabilities):
        k = min(self.k, probabilities.shape[-1])
        top_probabilities, top_indices = ops.top_k(
            probabilities, k=k, sorted=False
        )  # (batch, k), (batch, k)
        choice = keras.random.categorical(
            ops.log(ops.maximum(top_probabilities, 1e-30)),
            1,
            seed=self.seed_generator,
        )  # (batch, 1)
        return ops.take_along_axis(top_indices, choice, axis=-1)[:, 0]

    def get_config(self):
        config = super().get_config()
        config["k"] = self.k
        return config
