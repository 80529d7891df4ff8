"""Temperature sampling from the full next-token distribution."""

import keras

from rnn_layers.samplers.sampler import Sampler


@keras.saving.register_keras_serializable(package="rnn_layers")
class RandomSampler(Sampler):
    """Samples from `softmax(logits / temperature)` over the whole vocabulary.

    Short names `"random"` and `"temperature"`. See `Sampler` for the call
    arguments.

    Args:
        temperature: positive float; below 1 sharpens, above 1 flattens.
            Defaults to `1.0`.
        seed: optional int for reproducible draws. Defaults to `None`.
        **kwargs: other `Sampler` arguments.

    Example:

    >>> def next(prompt, cache, index):
    ...     return keras.ops.zeros((2, 5)), None, cache
    >>> sampler = RandomSampler(temperature=0.7, seed=1)
    >>> tuple(sampler(next, np.zeros((2, 6), "int32")).shape)
    (2, 6)
    """

    def get_next_token(self, probabilities):
        logits = keras.ops.log(keras.ops.maximum(probabilities, 1e-30))
        return keras.random.categorical(
            logits, 1, seed=self.seed_generator
        )[:, 0]
