"""Token samplers on `keras.ops.while_loop`, with recurrent-state caches."""

from rnn_layers.samplers.beam_sampler import BeamSampler
from rnn_layers.samplers.greedy_sampler import GreedySampler
from rnn_layers.samplers.lstm_step import folded_step_fn
from rnn_layers.samplers.random_sampler import RandomSampler
from rnn_layers.samplers.recurrent_next import recurrent_next
from rnn_layers.samplers.sampler import Sampler
from rnn_layers.samplers.serialization import deserialize
from rnn_layers.samplers.serialization import get
from rnn_layers.samplers.serialization import serialize
from rnn_layers.samplers.top_k_sampler import TopKSampler
from rnn_layers.samplers.top_p_sampler import TopPSampler

__all__ = [
    "BeamSampler",
    "GreedySampler",
    "RandomSampler",
    "Sampler",
    "TopKSampler",
    "TopPSampler",
    "deserialize",
    "folded_step_fn",
    "get",
    "recurrent_next",
    "serialize",
]
