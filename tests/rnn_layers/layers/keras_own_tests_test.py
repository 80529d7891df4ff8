"""Keras' own tests of its recurrent layers, run on `rnn_layers`.

Each class below is a Keras `TestCase` loaded from the installed wheel with
the classes it tests swapped for ours (see `keras_own_tests.py`, which also
lists the few skipped tests and why).
"""

import rnn_layers
from tests.rnn_layers.layers.keras_own_tests import keras_test_case

DROP_INS = {
    "GRU": rnn_layers.GRU,
    "LSTM": rnn_layers.LSTM,
    "SimpleRNN": rnn_layers.SimpleRNN,
}

KerasLSTMTest = keras_test_case(
    "lstm_test", "LSTMTest", {"LSTM": rnn_layers.LSTM}
)
KerasGRUTest = keras_test_case("gru_test", "GRUTest", {"GRU": rnn_layers.GRU})
KerasSimpleRNNTest = keras_test_case(
    "simple_rnn_test", "SimpleRNNTest", {"SimpleRNN": rnn_layers.SimpleRNN}
)
KerasRNNTest = keras_test_case("rnn_test", "RNNTest", {"RNN": rnn_layers.RNN})
# Keras' Bidirectional around our drop-in layers (the file's only class is
# named SimpleRNNTest, though it covers all three).
KerasBidirectionalTest = keras_test_case(
    "bidirectional_test", "SimpleRNNTest", DROP_INS
)
