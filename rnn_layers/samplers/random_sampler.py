"""Sampling from the tempered, top-k/top-p filtered distribution."""

import keras
from keras import ops

from rnn_layers.samplers.sampler import Sampler
from rnn_layers.samplers.sampler import _is_number


@keras.saving.register_keras_serializable(package="rnn_layers")
class RandomSampler(Sampler):
    """Samples from `softmax(logits / temperature)`, optionally filtered.

    The one sampling implementation of the library: temperature, top-k
    (Fan et al. 2018) and top-p (nucleus, Holtzman et al. 2020) in any
    combination. `top_k <= 0` keeps every token and `top_p >= 1` the whole
    mass; together they keep the intersection, and the most probable token
    always stays (`sampler_math.filter_logits`). The constructor values are
    defaults: `temperature`, `top_k` and `top_p` may be passed to each call,
    as Python numbers or scalar tensors (the inputs of an exported
    signature). A token is `argmax(filtered logits + gumbel noise)` with
    noise that depends only on `(seed, position, token id)` (see `Sampler`),
    so a row's sample never depends on its batch. Short names `"random"`
    and `"temperature"`; `TopKSampler` and `TopPSampler` are this sampler
    with other defaults. See `Sampler` for the call arguments.

    Args:
        temperature: positive float; below 1 sharpens, above 1 flattens.
            Defaults to `1.0`.
        top_k: int, how many of the most probable tokens stay candidates;
            `<= 0` disables. Defaults to `0`.
        top_p: float `> 0`, the nucleus mass; `>= 1` disables. Defaults to
            `1.0`.
        seed: optional non-negative int for reproducible draws. Defaults
            to `None`.
        **kwargs: other `Sampler` arguments (`no_repeat_ngram_size`).

    Example:

    >>> def next(prompt, cache, index):
    ...     return keras.ops.zeros((2, 5)), None, cache
    >>> sampler = RandomSampler(temperature=0.7, seed=1)
    >>> tokens = sampler(next, np.zeros((2, 6), "int32"), top_k=2)
    >>> tuple(tokens.shape)
    (2, 6)
    """

    def __init__(self, temperature=1.0, top_k=0, top_p=1.0, **kwargs):
        super().__init__(temperature=temperature, **kwargs)
        if not isinstance(top_k, int) or isinstance(top_k, bool):
            raise ValueError(
                f"Received `top_k={top_k!r}`; expected an int (<= 0 "
                "disables the filter)."
            )
        if not (_is_number(top_p) and top_p > 0):
            raise ValueError(
                f"Received `top_p={top_p!r}`; expected a float > 0 (>= 1 "
                "disables the filter)."
            )
        self.top_k = top_k
        self.top_p = float(top_p)

    def get_next_token(self, logits, noise):
        return ops.argmax(logits + noise, axis=-1)

    def get_config(self):
        config = super().get_config()
        config.update({"top_k": self.top_k, "top_p": self.top_p})
        return config
