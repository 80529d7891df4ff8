"""Token samplers on `keras.ops.while_loop`, with recurrent-state caches."""

from rnn_layers.constants import NEG_INF
from rnn_layers.samplers.ban_tokens import ban_tokens
from rnn_layers.samplers.beam_sampler import BeamSampler
from rnn_layers.samplers.greedy_sampler import GreedySampler
from rnn_layers.samplers.gumbel_noise import gumbel_noise
from rnn_layers.samplers.gumbel_noise import prompt_keys
from rnn_layers.samplers.lstm_step import folded_step_fn
from rnn_layers.samplers.packed_states import pack_states
from rnn_layers.samplers.packed_states import state_sizes
from rnn_layers.samplers.packed_states import unpack_states
from rnn_layers.samplers.random_sampler import RandomSampler
from rnn_layers.samplers.recurrent_next import recurrent_next
from rnn_layers.samplers.sample_and_rank import best_of_samples
from rnn_layers.samplers.sample_and_rank import consensus_of_samples
from rnn_layers.samplers.sampler import Sampler
from rnn_layers.samplers.sampler_math import filter_logits
from rnn_layers.samplers.serialization import deserialize
from rnn_layers.samplers.serialization import get
from rnn_layers.samplers.serialization import serialize
from rnn_layers.samplers.stroke_sampler import StrokeSampler
from rnn_layers.samplers.top_k_sampler import TopKSampler
from rnn_layers.samplers.top_p_sampler import TopPSampler

__all__ = [
    "BeamSampler",
    "GreedySampler",
    "NEG_INF",
    "RandomSampler",
    "Sampler",
    "StrokeSampler",
    "TopKSampler",
    "TopPSampler",
    "ban_tokens",
    "best_of_samples",
    "consensus_of_samples",
    "deserialize",
    "filter_logits",
    "folded_step_fn",
    "get",
    "gumbel_noise",
    "pack_states",
    "prompt_keys",
    "recurrent_next",
    "serialize",
    "state_sizes",
    "unpack_states",
]
