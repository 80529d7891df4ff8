"""Structures built from recurrent cells: stacks, encoder-decoders, trees,
graphs, time-delay and NARX networks."""

from rnn_layers.structures.graph_network import GraphNetwork
from rnn_layers.structures.graph_readout import GraphReadout
from rnn_layers.structures.narx import NARX
from rnn_layers.structures.seq2seq import Seq2Seq
from rnn_layers.structures.stacked_rnn import StackedRNN
from rnn_layers.structures.time_delay import TimeDelay
from rnn_layers.structures.tree_encoding import encode_trees
from rnn_layers.structures.tree_encoding import parse_ptb_tree
from rnn_layers.structures.tree_lstm import TreeLSTM
from rnn_layers.structures.tree_rnn import TreeRNN

__all__ = [
    "GraphNetwork",
    "GraphReadout",
    "NARX",
    "Seq2Seq",
    "StackedRNN",
    "TimeDelay",
    "TreeLSTM",
    "TreeRNN",
    "encode_trees",
    "parse_ptb_tree",
]
