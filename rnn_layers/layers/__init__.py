"""Sequence layers: the generic `RNN`, drop-in Keras replacements, variants."""

from rnn_layers.layers.cell_layer import CellLayer
from rnn_layers.layers.cifg_lstm import CIFGLSTM
from rnn_layers.layers.gru import GRU
from rnn_layers.layers.ind_rnn import IndRNN
from rnn_layers.layers.layer_norm_gru import LayerNormGRU
from rnn_layers.layers.layer_norm_lstm import LayerNormLSTM
from rnn_layers.layers.lstm import LSTM
from rnn_layers.layers.no_forget_gate_lstm import NoForgetGateLSTM
from rnn_layers.layers.output_feedback_rnn import OutputFeedbackRNN
from rnn_layers.layers.peephole_lstm import PeepholeLSTM
from rnn_layers.layers.rnn import RNN
from rnn_layers.layers.simple_rnn import SimpleRNN

__all__ = [
    "CIFGLSTM",
    "CellLayer",
    "GRU",
    "IndRNN",
    "LSTM",
    "LayerNormGRU",
    "LayerNormLSTM",
    "NoForgetGateLSTM",
    "OutputFeedbackRNN",
    "PeepholeLSTM",
    "RNN",
    "SimpleRNN",
]
