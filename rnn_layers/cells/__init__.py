"""Recurrent cells: one step of a recurrence, Keras cell contract."""

from rnn_layers.cells.gru_cell import GRUCell
from rnn_layers.cells.lstm_cell import LSTMCell
from rnn_layers.cells.recurrent_cell import RecurrentCell
from rnn_layers.cells.simple_rnn_cell import SimpleRNNCell

__all__ = [
    "GRUCell",
    "LSTMCell",
    "RecurrentCell",
    "SimpleRNNCell",
]
