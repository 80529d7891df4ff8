"""Attention over memories: Bahdanau, Luong, cell wrapper, Graves' window."""

from rnn_layers.attention.attention_wrapper import AttentionWrapper
from rnn_layers.attention.bahdanau_attention import BahdanauAttention
from rnn_layers.attention.gaussian_window import GaussianWindow
from rnn_layers.attention.luong_attention import LuongAttention

__all__ = [
    "AttentionWrapper",
    "BahdanauAttention",
    "GaussianWindow",
    "LuongAttention",
]
