"""Recurrent cells: one step of a recurrence, Keras cell contract."""

from rnn_layers.cells.cifg_lstm_cell import CIFGLSTMCell
from rnn_layers.cells.gru_cell import GRUCell
from rnn_layers.cells.ind_rnn_cell import IndRNNCell
from rnn_layers.cells.layer_norm_gru_cell import LayerNormGRUCell
from rnn_layers.cells.layer_norm_lstm_cell import LayerNormLSTMCell
from rnn_layers.cells.lstm_cell import LSTMCell
from rnn_layers.cells.narx_cell import NARXCell
from rnn_layers.cells.no_forget_gate_lstm_cell import NoForgetGateLSTMCell
from rnn_layers.cells.output_feedback_rnn_cell import OutputFeedbackRNNCell
from rnn_layers.cells.peephole_lstm_cell import PeepholeLSTMCell
from rnn_layers.cells.recurrent_cell import RecurrentCell
from rnn_layers.cells.simple_rnn_cell import SimpleRNNCell

__all__ = [
    "CIFGLSTMCell",
    "GRUCell",
    "IndRNNCell",
    "LSTMCell",
    "LayerNormGRUCell",
    "LayerNormLSTMCell",
    "NARXCell",
    "NoForgetGateLSTMCell",
    "OutputFeedbackRNNCell",
    "PeepholeLSTMCell",
    "RecurrentCell",
    "SimpleRNNCell",
]
