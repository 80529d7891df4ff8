"""Greedy decoding: always the most probable token."""

import keras
from keras import ops

from rnn_layers.samplers.sampler import Sampler


@keras.saving.register_keras_serializable(package="rnn_layers")
class GreedySampler(Sampler):
    """Picks `argmax` of the next-token distribution at every step.

    Deterministic: `temperature`, `top_k`, `top_p` and `seed` do not change
    the choice (the filters always keep the most probable token);
    `temperature` only enters the scores of `return_scores=True`. Short
    name `"greedy"`. See `Sampler` for the call arguments.

    Args:
        no_repeat_ngram_size: int, forbid repeating n-grams of this size;
            `0` disables. Defaults to `0`.
        **kwargs: other `Sampler` arguments.

    Example:

    >>> def next(prompt, cache, index):
    ...     return keras.ops.one_hot(keras.ops.full((1,), 2), 4), None, cache
    >>> tokens = GreedySampler()(next, np.zeros((1, 3), "int32"))
    >>> keras.ops.convert_to_numpy(tokens).tolist()
    [[0, 2, 2]]
    """

    stochastic = False

    def get_next_token(self, logits, noise):
        return ops.argmax(logits, axis=-1)
