import keras
import pytest

import rnn_layers
from tests.rnn_layers.layers import keras_parity
from tests.test_case import run_layer_test


@pytest.mark.parametrize("mask", ["none", "mixed"])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_matches_keras_simple_rnn(mask, go_backwards):
    keras_parity.check_parity(
        keras.layers.SimpleRNN, rnn_layers.SimpleRNN, 5, 1, mask,
        go_backwards, True,
    )


def test_matches_keras_simple_rnn_compiled_relu():
    keras_parity.check_parity(
        keras.layers.SimpleRNN, rnn_layers.SimpleRNN, 4, 1, "mixed", True,
        False, jit=True, activation="relu",
    )


def test_stateful():
    keras_parity.check_stateful(
        keras.layers.SimpleRNN, rnn_layers.SimpleRNN, 4
    )


def test_bidirectional():
    keras_parity.check_bidirectional(
        keras.layers.SimpleRNN, rnn_layers.SimpleRNN, 4
    )


def test_dropout_only_in_training():
    keras_parity.check_dropout(rnn_layers.SimpleRNN, 4)


def test_weights_copy_both_ways():
    keras_parity.check_weights_both_ways(
        keras.layers.SimpleRNN, rnn_layers.SimpleRNN, 4
    )


def test_layer_contract():
    run_layer_test(
        rnn_layers.SimpleRNN,
        {"units": 3, "return_sequences": True, "recurrent_dropout": 0.2},
        input_shape=(2, 4, 5),
        expected_output_shape=(2, 4, 3),
        expected_num_trainable_weights=3,
        supports_masking=True,
    )


def test_default_config_is_keras():
    keras_parity.check_default_config_is_keras(
        keras.layers.SimpleRNN, rnn_layers.SimpleRNN, go_backwards=True
    )


def test_keras_file_loads_in_keras():
    keras_parity.check_keras_file_loads_in_keras(
        keras.layers.SimpleRNN, rnn_layers.SimpleRNN
    )


def test_no_fused_in_default_config():
    assert "fused" not in rnn_layers.SimpleRNN(3).get_config()
    assert rnn_layers.SimpleRNN(3, fused=False).get_config()["fused"] is False


@pytest.mark.parametrize("argument", [{"use_cudnn": "auto"},
                                      {"implementation": 2}])
def test_rejects_what_keras_rejects(argument):
    # Keras' SimpleRNN has neither `use_cudnn` nor `implementation`.
    with pytest.raises(ValueError) as expected:
        keras.layers.SimpleRNN(3, **argument)
    with pytest.raises(ValueError) as actual:
        rnn_layers.SimpleRNN(3, **argument)
    assert str(actual.value) == str(expected.value)
    assert str(actual.value) == (
        f"Unrecognized keyword arguments passed to SimpleRNN: {argument}"
    )
    assert not hasattr(rnn_layers.SimpleRNN(3), "use_cudnn")
