"""Samplers by short name or config: `get`, `serialize`, `deserialize`."""

import keras

from rnn_layers.samplers.beam_sampler import BeamSampler
from rnn_layers.samplers.greedy_sampler import GreedySampler
from rnn_layers.samplers.random_sampler import RandomSampler
from rnn_layers.samplers.sampler import Sampler
from rnn_layers.samplers.top_k_sampler import TopKSampler
from rnn_layers.samplers.top_p_sampler import TopPSampler

_SHORT_NAMES = {
    "greedy": GreedySampler,
    "random": RandomSampler,
    "temperature": RandomSampler,
    "top_k": TopKSampler,
    "top_p": TopPSampler,
    "beam": BeamSampler,
}
_CLASSES = {cls.__name__: cls for cls in _SHORT_NAMES.values()}


def serialize(sampler):
    """Returns the Keras config dict of `sampler`."""
    return keras.saving.serialize_keras_object(sampler)


def deserialize(config):
    """Rebuilds a sampler from `serialize()` output."""
    return keras.saving.deserialize_keras_object(
        config, custom_objects=_CLASSES
    )


def get(identifier, **kwargs):
    """Resolves a sampler from an instance, a short name or a config.

    Args:
        identifier: a `Sampler`, a short name (`"greedy"`, `"random"` or
            `"temperature"`, `"top_k"`, `"top_p"`, `"beam"`), a class name
            (`"TopKSampler"`) or a config dict from `serialize()`.
        **kwargs: constructor arguments of the named sampler (e.g.
            `get("beam", num_beams=3)`); only with a name.

    Returns:
        A `Sampler` instance. Build it outside traced functions: a sampler
        owns a seed variable.

    Raises:
        ValueError: for an unknown name, an unsupported type, or `kwargs`
            with an instance or a config.

    Example:

    >>> get("top_k").k
    5
    >>> get("beam", num_beams=3, length_penalty=0.6).num_beams
    3
    """
    if isinstance(identifier, str):
        key = identifier.lower()
        if key in _SHORT_NAMES:
            return _SHORT_NAMES[key](**kwargs)
        if identifier in _CLASSES:
            return _CLASSES[identifier](**kwargs)
        raise ValueError(
            f"Received `identifier={identifier!r}`; expected one of "
            f"{sorted(_SHORT_NAMES)}, a `Sampler` or a config dict."
        )
    if kwargs:
        raise ValueError(
            f"Received constructor arguments {sorted(kwargs)} with "
            f"`identifier` of type {type(identifier).__name__}; pass them "
            "only with a short name, e.g. `get('top_k', k=10)`."
        )
    if isinstance(identifier, Sampler):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(
        f"Received `identifier={identifier!r}` of type "
        f"{type(identifier).__name__}; expected a `Sampler`, a short name or "
        "a config dict."
    )
