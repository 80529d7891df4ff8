"""Keras 3 recurrent layers: fast LSTM/GRU, cell variants, structures.

Everything public is re-exported here; import it as
`from rnn_layers import LSTM`.
"""

from rnn_layers.cells import GRUCell
from rnn_layers.cells import LSTMCell
from rnn_layers.cells import RecurrentCell
from rnn_layers.cells import SimpleRNNCell
from rnn_layers.layers import GRU
from rnn_layers.layers import LSTM
from rnn_layers.layers import RNN
from rnn_layers.layers import CellLayer
from rnn_layers.layers import SimpleRNN

__all__ = [
    "CellLayer",
    "GRU",
    "GRUCell",
    "LSTM",
    "LSTMCell",
    "RNN",
    "RecurrentCell",
    "SimpleRNN",
    "SimpleRNNCell",
]
