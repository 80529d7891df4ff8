import keras
import pytest

import rnn_layers
from tests.rnn_layers.cells import cell_parity


def test_step_matches_keras():
    cell_parity.check_step_matches_keras(
        keras.layers.LSTMCell(5), rnn_layers.LSTMCell(5), 2
    )


def test_forget_bias_starts_at_one():
    cell = rnn_layers.LSTMCell(3)
    cell.build((1, 2))
    bias = keras.ops.convert_to_numpy(cell.bias)
    assert list(bias[3:6]) == [1.0, 1.0, 1.0]


def test_config_round_trip():
    cell_parity.check_config_round_trip(
        rnn_layers.LSTMCell(4, dropout=0.2, unit_forget_bias=False)
    )


@pytest.mark.parametrize("argument", ["units", "dropout"])
def test_bad_arguments_name_the_argument(argument):
    kwargs = {"units": 0} if argument == "units" else {"units": 2,
                                                      "dropout": 1.5}
    with pytest.raises(ValueError, match=f"`{argument}="):
        rnn_layers.LSTMCell(**kwargs)
