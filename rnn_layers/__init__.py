"""Keras 3 recurrent layers: fast LSTM/GRU, cell variants, structures,
attention, output heads and samplers.

Everything public is re-exported here; import it as
`from rnn_layers import LSTM`.
"""

from rnn_layers.constants import NEG_INF
from rnn_layers.cells import CIFGLSTMCell
from rnn_layers.cells import GRUCell
from rnn_layers.cells import IndRNNCell
from rnn_layers.cells import LSTMCell
from rnn_layers.cells import LayerNormGRUCell
from rnn_layers.cells import LayerNormLSTMCell
from rnn_layers.cells import NARXCell
from rnn_layers.cells import NoForgetGateLSTMCell
from rnn_layers.cells import OutputFeedbackRNNCell
from rnn_layers.cells import PeepholeLSTMCell
from rnn_layers.cells import RecurrentCell
from rnn_layers.cells import SimpleRNNCell
from rnn_layers.layers import CIFGLSTM
from rnn_layers.layers import CellLayer
from rnn_layers.layers import GRU
from rnn_layers.layers import IndRNN
from rnn_layers.layers import LSTM
from rnn_layers.layers import LayerNormGRU
from rnn_layers.layers import LayerNormLSTM
from rnn_layers.layers import NoForgetGateLSTM
from rnn_layers.layers import OutputFeedbackRNN
from rnn_layers.layers import PeepholeLSTM
from rnn_layers.layers import RNN
from rnn_layers.layers import SimpleRNN
from rnn_layers.structures import GraphNetwork
from rnn_layers.structures import GraphReadout
from rnn_layers.structures import NARX
from rnn_layers.structures import Seq2Seq
from rnn_layers.structures import StackedRNN
from rnn_layers.structures import TimeDelay
from rnn_layers.structures import TreeLSTM
from rnn_layers.structures import TreeRNN
from rnn_layers.structures import encode_trees
from rnn_layers.structures import parse_ptb_tree
from rnn_layers.attention import AttentionDecoder
from rnn_layers.attention import AttentionWrapper
from rnn_layers.attention import BahdanauAttention
from rnn_layers.attention import GaussianWindow
from rnn_layers.attention import GaussianWindowCell
from rnn_layers.attention import window_finished
from rnn_layers.attention import LuongAttention
from rnn_layers.heads import CRF
from rnn_layers.heads import MixtureDensity
from rnn_layers.heads import MixtureDensityLoss
from rnn_layers.heads import ctc_decode
from rnn_layers.heads import ctc_loss
from rnn_layers.heads import masked_sequence_loss
from rnn_layers.heads import replica_count
from rnn_layers.heads import sum_over_replicas
from rnn_layers.samplers import BeamSampler
from rnn_layers.samplers import GreedySampler
from rnn_layers.samplers import RandomSampler
from rnn_layers.samplers import Sampler
from rnn_layers.samplers import StrokeSampler
from rnn_layers.samplers import TopKSampler
from rnn_layers.samplers import TopPSampler
from rnn_layers.samplers import ban_tokens
from rnn_layers.samplers import deserialize
from rnn_layers.samplers import get
from rnn_layers.samplers import recurrent_next
from rnn_layers.samplers import serialize
from rnn_layers import samplers

__all__ = [
    "AttentionDecoder",
    "AttentionWrapper",
    "BahdanauAttention",
    "ban_tokens",
    "BeamSampler",
    "CellLayer",
    "CIFGLSTM",
    "CIFGLSTMCell",
    "CRF",
    "ctc_decode",
    "ctc_loss",
    "deserialize",
    "encode_trees",
    "GaussianWindow",
    "GaussianWindowCell",
    "get",
    "GraphNetwork",
    "GraphReadout",
    "GreedySampler",
    "GRU",
    "GRUCell",
    "IndRNN",
    "IndRNNCell",
    "LayerNormGRU",
    "LayerNormGRUCell",
    "LayerNormLSTM",
    "LayerNormLSTMCell",
    "LSTM",
    "LSTMCell",
    "LuongAttention",
    "masked_sequence_loss",
    "replica_count",
    "sum_over_replicas",
    "MixtureDensity",
    "MixtureDensityLoss",
    "NARX",
    "NARXCell",
    "NEG_INF",
    "NoForgetGateLSTM",
    "NoForgetGateLSTMCell",
    "OutputFeedbackRNN",
    "OutputFeedbackRNNCell",
    "parse_ptb_tree",
    "PeepholeLSTM",
    "PeepholeLSTMCell",
    "RandomSampler",
    "recurrent_next",
    "RecurrentCell",
    "RNN",
    "Sampler",
    "StrokeSampler",
    "samplers",
    "Seq2Seq",
    "serialize",
    "SimpleRNN",
    "SimpleRNNCell",
    "StackedRNN",
    "TimeDelay",
    "TopKSampler",
    "TopPSampler",
    "TreeLSTM",
    "TreeRNN",
    "window_finished",
]
