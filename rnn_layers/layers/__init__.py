"""Sequence layers: the generic `RNN` and drop-in Keras replacements."""

from rnn_layers.layers.cell_layer import CellLayer
from rnn_layers.layers.gru import GRU
from rnn_layers.layers.lstm import LSTM
from rnn_layers.layers.rnn import RNN
from rnn_layers.layers.simple_rnn import SimpleRNN

__all__ = [
    "CellLayer",
    "GRU",
    "LSTM",
    "RNN",
    "SimpleRNN",
]
