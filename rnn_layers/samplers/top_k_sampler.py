"""Top-k sampling: draw among the k most probable tokens."""

import keras

from rnn_layers.samplers.random_sampler import RandomSampler
from rnn_layers.samplers.sampler import _check_positive_int


@keras.saving.register_keras_serializable(package="rnn_layers")
class TopKSampler(RandomSampler):
    """Samples from the `k` most probable tokens, renormalised.

    Fan et al. 2018. `RandomSampler(top_k=k)` under its KerasHub name;
    `top_k` and `top_p` still override per call. Short name `"top_k"`. See
    `Sampler` for the call arguments.

    Args:
        k: positive int, how many tokens stay candidates. Defaults to `5`.
        **kwargs: `RandomSampler` arguments other than `top_k`
            (`temperature`, `top_p`, `seed`, ...).

    Example:

    >>> def next(prompt, cache, index):
    ...     return keras.ops.zeros((2, 5)), None, cache
    >>> tokens = TopKSampler(k=2, seed=1)(next, np.zeros((2, 6), "int32"))
    >>> tuple(tokens.shape)
    (2, 6)
    """

    def __init__(self, k=5, **kwargs):
        _check_positive_int("k", k)
        super().__init__(top_k=k, **kwargs)

    @property
    def k(self):
        return self.top_k

    def get_config(self):
        config = super().get_config()
        config["k"] = config.pop("top_k")
        return config
