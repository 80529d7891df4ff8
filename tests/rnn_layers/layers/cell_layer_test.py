import keras
import pytest

import rnn_layers
from rnn_layers.layers.cell_layer import _cell_arguments

DROP_INS = [
    (keras.layers.LSTM, rnn_layers.LSTM),
    (keras.layers.GRU, rnn_layers.GRU),
    (keras.layers.SimpleRNN, rnn_layers.SimpleRNN),
]


@pytest.mark.parametrize("keras_cls,ours_cls", DROP_INS,
                         ids=lambda cls: cls.__name__)
def test_unknown_argument_is_refused_as_keras_does(keras_cls, ours_cls):
    with pytest.raises(ValueError) as expected:
        keras_cls(3, go_forwards=True)
    with pytest.raises(ValueError) as actual:
        ours_cls(3, go_forwards=True)
    assert str(actual.value) == str(expected.value) == (
        "Unrecognized keyword arguments passed to "
        f"{ours_cls.__name__}: {{'go_forwards': True}}"
    )


def test_cell_arguments_include_the_base_cell():
    arguments = _cell_arguments(rnn_layers.LSTMCell)
    assert {"zoneout", "unit_forget_bias", "implementation", "dropout",
            "seed", "kernel_initializer"} <= arguments
    assert not {"self", "units", "name", "return_sequences"} & arguments


@pytest.mark.parametrize("ours_cls", [rnn_layers.LSTM, rnn_layers.GRU])
def test_use_cudnn_is_kept_and_checked(ours_cls):
    assert ours_cls(2).use_cudnn == "auto"
    assert ours_cls(2, use_cudnn=True).use_cudnn is True
    with pytest.raises(ValueError, match="Received `use_cudnn='on'`; "
                       "expected one of 'auto', True, False."):
        ours_cls(2, use_cudnn="on")
