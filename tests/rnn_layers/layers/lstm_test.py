import keras
import numpy as np
import pytest

import rnn_layers
from tests.rnn_layers.layers import keras_parity
from tests.test_case import assert_close
from tests.test_case import run_layer_test


@pytest.mark.parametrize("mask", ["none", "mixed"])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("with_initial_state", [False, True])
def test_matches_keras_lstm(mask, go_backwards, with_initial_state):
    keras_parity.check_parity(
        keras.layers.LSTM, rnn_layers.LSTM, 5, 2, mask, go_backwards,
        with_initial_state,
    )


@pytest.mark.parametrize("shape,units", [((1, 1, 2), 3), ((4, 9, 7), 8)])
def test_matches_keras_lstm_compiled(shape, units):
    # Compiled: TensorFlow graphs take the XLA-compiled loop, JAX jits.
    keras_parity.check_parity(
        keras.layers.LSTM, rnn_layers.LSTM, units, 2, "none", False, True,
        shape=shape, jit=True,
    )


def test_matches_keras_lstm_custom_activations():
    keras_parity.check_parity(
        keras.layers.LSTM, rnn_layers.LSTM, 4, 2, "mixed", False, False,
        activation="relu", recurrent_activation="hard_sigmoid",
    )


def test_stateful():
    keras_parity.check_stateful(keras.layers.LSTM, rnn_layers.LSTM, 4)


def test_bidirectional():
    keras_parity.check_bidirectional(keras.layers.LSTM, rnn_layers.LSTM, 4)


def test_dropout_only_in_training():
    keras_parity.check_dropout(rnn_layers.LSTM, 4)


def test_weights_copy_both_ways():
    keras_parity.check_weights_both_ways(
        keras.layers.LSTM, rnn_layers.LSTM, 4, use_bias=False
    )


def test_layer_contract():
    run_layer_test(
        rnn_layers.LSTM,
        {"units": 3, "return_sequences": True, "dropout": 0.1},
        input_shape=(2, 4, 5),
        expected_output_shape=(2, 4, 3),
        expected_num_trainable_weights=3,
        supports_masking=True,
    )


def test_keras_config_loads():
    config = keras.layers.LSTM(3, return_state=True).get_config()
    layer = rnn_layers.LSTM.from_config(config)
    assert layer.units == 3 and layer.return_state
    assert layer.unit_forget_bias


def test_mixed_bfloat16_keeps_float32_states():
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        layer = rnn_layers.LSTM(4, return_state=True)
        reference = keras.layers.LSTM(4, return_state=True)
        inputs = np.random.default_rng(0).normal(size=(2, 5, 3))
        layer.build((2, 5, 3))
        reference.build((2, 5, 3))
        layer.set_weights(reference.get_weights())
        out, h, c = layer(inputs.astype("float32"))
        expected = reference(inputs.astype("float32"))
    finally:
        keras.config.set_dtype_policy("float32")
    assert out.dtype == "bfloat16"
    for a, b in zip((out, h, c), expected):
        np.testing.assert_allclose(
            np.asarray(a, "float32"), np.asarray(b, "float32"), atol=3e-2
        )


def test_default_config_is_keras():
    keras_parity.check_default_config_is_keras(
        keras.layers.LSTM, rnn_layers.LSTM, return_sequences=True
    )


def test_keras_file_loads_in_keras():
    keras_parity.check_keras_file_loads_in_keras(
        keras.layers.LSTM, rnn_layers.LSTM
    )


def test_project_arguments_written_only_when_set():
    default = rnn_layers.LSTM(3).get_config()
    assert not {"fused", "zoneout"} & set(default)
    assert "use_cudnn" not in default  # Keras never writes it either
    config = rnn_layers.LSTM(
        3, fused=False, zoneout=0.25, use_cudnn=False
    ).get_config()
    assert (config["fused"], config["zoneout"], config["use_cudnn"]) == (
        False, 0.25, False
    )
    assert "zoneout" not in rnn_layers.LSTMCell(3).get_config()
    assert rnn_layers.LSTMCell(3, zoneout=0.5).get_config()["zoneout"] == 0.5


@pytest.mark.parametrize("implementation", [0, 1, 2])
def test_implementation_is_accepted_and_ignored(implementation):
    # As in Keras: legacy configs carry it; it is not written back.
    inputs = np.random.default_rng(7).normal(size=(2, 4, 3)).astype("float32")
    default = rnn_layers.LSTM(4)
    default.build(inputs.shape)
    config = {**default.get_config(), "implementation": implementation}
    layer = rnn_layers.LSTM.from_config(config)
    layer.build(inputs.shape)
    layer.set_weights(default.get_weights())
    assert_close(layer(inputs), default(inputs), atol=0)
    assert "implementation" not in layer.get_config()
    cell = rnn_layers.LSTMCell(4, implementation=implementation)
    assert "implementation" not in cell.get_config()
