import keras
import numpy as np
import pytest

import rnn_layers
from tests.rnn_layers.layers import keras_parity
from tests.test_case import assert_close
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


@pytest.mark.parametrize("reset_after", [True, False])
def test_default_config_is_keras(reset_after):
    keras_parity.check_default_config_is_keras(
        keras.layers.GRU, rnn_layers.GRU, reset_after=reset_after
    )


def test_keras_file_loads_in_keras():
    keras_parity.check_keras_file_loads_in_keras(
        keras.layers.GRU, rnn_layers.GRU
    )


def test_project_arguments_written_only_when_set():
    assert not {"fused", "zoneout", "use_cudnn"} & set(
        rnn_layers.GRU(3).get_config()
    )
    config = rnn_layers.GRU(3, fused=True, zoneout=0.25).get_config()
    assert (config["fused"], config["zoneout"]) == (True, 0.25)
    assert "zoneout" not in rnn_layers.GRUCell(3).get_config()


@pytest.mark.parametrize("implementation", [0, 1, 2])
def test_implementation_is_accepted_and_ignored(implementation):
    # Keras' own legacy test passes `implementation=0` through a config.
    inputs = np.random.default_rng(7).normal(size=(2, 4, 3)).astype("float32")
    default = rnn_layers.GRU(4)
    default.build(inputs.shape)
    layer = rnn_layers.GRU(4, implementation=implementation)
    layer.build(inputs.shape)
    layer.set_weights(default.get_weights())
    assert_close(layer(inputs), default(inputs), atol=0)
    assert "implementation" not in layer.get_config()
    assert "implementation" not in rnn_layers.GRUCell(
        4, implementation=implementation).get_config()
