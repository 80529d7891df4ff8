"""Attention over memories: Bahdanau, Luong, cell wrapper, Graves' window,
and the attention decoder loop."""

from rnn_layers.attention.attention_decoder import AttentionDecoder
from rnn_layers.attention.attention_math import window_finished
from rnn_layers.attention.attention_wrapper import AttentionWrapper
from rnn_layers.attention.bahdanau_attention import BahdanauAttention
from rnn_layers.attention.gaussian_window import GaussianWindow
from rnn_layers.attention.gaussian_window_cell import GaussianWindowCell
from rnn_layers.attention.luong_attention import LuongAttention

__all__ = [
    "AttentionDecoder",
    "AttentionWrapper",
    "BahdanauAttention",
    "GaussianWindow",
    "GaussianWindowCell",
    "LuongAttention",
    "window_finished",
]
