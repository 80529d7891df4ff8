import keras
import pytest

import rnn_layers
from tests.rnn_layers.layers import keras_parity
from tests.test_case import run_layer_test


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("mask", ["none", "mixed"])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_matches_keras_gru(reset_after, mask, go_backwards):
    keras_parity.check_parity(
        keras.layers.GRU, rnn_layers.GRU, 5, 1, mask, go_backwards, True,
        reset_after=reset_after,
    )


@pytest.mark.parametrize("reset_after", [True, False])
def test_matches_keras_gru_compiled(reset_after):
    keras_parity.check_parity(
        keras.layers.GRU, rnn_layers.GRU, 6, 1, "mixed", False, True,
        shape=(3, 6, 3), jit=True, reset_after=reset_after,
    )


def test_matches_keras_gru_without_bias():
    keras_parity.check_parity(
        keras.layers.GRU, rnn_layers.GRU, 4, 1, "none", False, False,
        use_bias=False,
    )


def test_stateful():
    keras_parity.check_stateful(keras.layers.GRU, rnn_layers.GRU, 4)


def test_bidirectional():
    keras_parity.check_bidirectional(keras.layers.GRU, rnn_layers.GRU, 4)


def test_dropout_only_in_training():
    keras_parity.check_dropout(rnn_layers.GRU, 4)


@pytest.mark.parametrize("reset_after", [True, False])
def test_weights_copy_both_ways(reset_after):
    keras_parity.check_weights_both_ways(
        keras.layers.GRU, rnn_layers.GRU, 4, reset_after=reset_after
    )


def test_layer_contract():
    run_layer_test(
        rnn_layers.GRU,
        {"units": 3, "reset_after": False, "go_backwards": True},
        input_shape=(2, 4, 5),
        expected_output_shape=(2, 3),
        expected_num_trainable_weights=3,
        supports_masking=True,
    )
