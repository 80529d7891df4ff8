"""Keras 3 recurrent layers: fast LSTM/GRU, cell variants, structures.

Everything public is re-exported here; import it as
`from rnn_layers import LSTM`.
"""

from rnn_layers.cells import GRUCell
from rnn_layers.cells import CIFGLSTMCell
from rnn_layers.cells import IndRNNCell
from rnn_layers.cells import LayerNormGRUCell
from rnn_layers.cells import LayerNormLSTMCell
from rnn_layers.cells import NoForgetGateLSTMCell
from rnn_layers.cells import OutputFeedbackRNNCell
from rnn_layers.cells import PeepholeLSTMCell
from rnn_layers.layers import CIFGLSTM
from rnn_layers.layers import IndRNN
from rnn_layers.layers import LayerNormGRU
from rnn_layers.layers import LayerNormLSTM
from rnn_layers.layers import NoForgetGateLSTM
from rnn_layers.layers import OutputFeedbackRNN
from rnn_layers.layers import PeepholeLSTM
from rnn_layers.cells import LSTMCell
from rnn_layers.cells import RecurrentCell
from rnn_layers.cells import SimpleRNNCell
from rnn_layers.layers import GRU
from rnn_layers.layers import LSTM
from rnn_layers.layers import RNN
from rnn_layers.layers import CellLayer
from rnn_layers.layers import SimpleRNN

__all__ = [
    "CIFGLSTMCell",
    "IndRNNCell",
    "LayerNormGRUCell",
    "LayerNormLSTMCell",
    "NoForgetGateLSTMCell",
    "OutputFeedbackRNNCell",
    "PeepholeLSTMCell",
    "CIFGLSTM",
    "IndRNN",
    "LayerNormGRU",
    "LayerNormLSTM",
    "NoForgetGateLSTM",
    "OutputFeedbackRNN",
    "PeepholeLSTM",
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
