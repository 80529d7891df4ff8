import keras
import pytest

import rnn_layers
from tests.rnn_layers.cells import cell_parity


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("use_bias", [True, False])
def test_step_matches_keras(reset_after, use_bias):
    cell_parity.check_step_matches_keras(
        keras.layers.GRUCell(5, reset_after=reset_after, use_bias=use_bias),
        rnn_layers.GRUCell(5, reset_after=reset_after, use_bias=use_bias),
        1,
    )


def test_config_round_trip():
    cell_parity.check_config_round_trip(
        rnn_layers.GRUCell(4, reset_after=False, recurrent_dropout=0.1)
    )
