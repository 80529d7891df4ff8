"""Top-p (nucleus) sampling: draw within the smallest likely set."""

import keras

from rnn_layers.samplers.random_sampler import RandomSampler
from rnn_layers.samplers.sampler import _check_positive_int


@keras.saving.register_keras_serializable(package="rnn_layers")
class TopPSampler(RandomSampler):
    """Samples from the smallest set of tokens whose mass reaches `p`.

    Holtzman et al. 2020 ("nucleus sampling"). Tokens are ranked by
    probability and kept while the mass before them is below `p`, so the
    most probable token always stays. `RandomSampler(top_p=p, top_k=k)`
    under its KerasHub name; `top_k` and `top_p` still override per call.
    Short name `"top_p"`. See `Sampler` for the call arguments.

    Args:
        p: float in `(0, 1]`, the nucleus mass. Defaults to `0.9`.
        k: optional positive int; only the `k` most probable tokens stay
            candidates as well. Defaults to `None` (no limit).
        **kwargs: `RandomSampler` arguments other than `top_k` and `top_p`
            (`temperature`, `seed`, ...).

    Example:

    >>> def next(prompt, cache, index):
    ...     return keras.ops.zeros((2, 5)), None, cache
    >>> tokens = TopPSampler(p=0.5, seed=1)(next, np.zeros((2, 6), "int32"))
    >>> tuple(tokens.shape)
    (2, 6)
    """

    def __init__(self, p=0.9, k=None, **kwargs):
        if not (isinstance(p, (int, float)) and not isinstance(p, bool)
                and 0 < p <= 1):
            raise ValueError(
                f"Received `p={p!r}`; expected a float in (0, 1]."
            )
        if k is not None:
            _check_positive_int("k", k)
        super().__init__(top_p=p, top_k=0 if k is None else k, **kwargs)

    @property
    def p(self):
        return self.top_p

    @property
    def k(self):
        return self.top_k or None

    def get_config(self):
        config = super().get_config()
        config["p"] = config.pop("top_p")
        config["k"] = config.pop("top_k") or None
        return config
