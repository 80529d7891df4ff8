import keras

import rnn_layers
from tests.rnn_layers.cells import cell_parity


def test_step_matches_keras():
    cell_parity.check_step_matches_keras(
        keras.layers.SimpleRNNCell(5, activation="relu"),
        rnn_layers.SimpleRNNCell(5, activation="relu"),
        1,
    )


def test_config_round_trip():
    cell = rnn_layers.SimpleRNNCell(4, dropout=0.1)
    cell_parity.check_config_round_trip(cell)
    assert "recurrent_activation" not in cell.get_config()
