import numpy as np
import pytest
from keras import ops

from rnn_layers.cells.gate_math import gru_gates
from rnn_layers.cells.gate_math import lstm_gates
from tests.test_case import assert_close

BATCH, UNITS = 2, 3


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _random(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


@pytest.mark.parametrize("activation,recurrent_activation,np_act,np_ract", [
    (ops.tanh, ops.sigmoid, np.tanh, _sigmoid),
    (ops.relu, ops.tanh, lambda x: np.maximum(x, 0.0), np.tanh),
], ids=["tanh-sigmoid", "relu-tanh"])
def test_lstm_gates_match_numpy(activation, recurrent_activation, np_act,
                                np_ract):
    z, c_tm1 = _random(BATCH, 4 * UNITS), _random(BATCH, UNITS, seed=1)
    h, c, (i, f, g, o) = lstm_gates(z, c_tm1, activation,
                                    recurrent_activation)
    z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)  # Keras order i, f, c, o
    want_c = np_ract(z_f) * c_tm1 + np_ract(z_i) * np_act(z_c)
    assert_close(c, want_c, atol=1e-6)
    assert_close(h, np_ract(z_o) * np_act(want_c), atol=1e-6)
    assert_close([i, f, g, o],
                 [np_ract(z_i), np_ract(z_f), np_act(z_c), np_ract(z_o)],
                 atol=1e-6)


def test_gru_gates_reset_after_match_numpy():
    x, hu = _random(BATCH, 3 * UNITS), _random(BATCH, 3 * UNITS, seed=1)
    h_tm1 = _random(BATCH, UNITS, seed=2)
    h, (z, r, n) = gru_gates(x, hu, h_tm1, ops.tanh, ops.sigmoid)
    x_z, x_r, x_h = np.split(x, 3, axis=-1)  # Keras order z, r, h
    hu_z, hu_r, hu_h = np.split(hu, 3, axis=-1)
    want_z, want_r = _sigmoid(x_z + hu_z), _sigmoid(x_r + hu_r)
    want_n = np.tanh(x_h + want_r * hu_h)
    assert_close([z, r, n], [want_z, want_r, want_n], atol=1e-6)
    assert_close(h, want_z * h_tm1 + (1.0 - want_z) * want_n, atol=1e-6)


def test_gru_gates_reset_before_use_the_reset_projection():
    x, hu_zr = _random(BATCH, 3 * UNITS), _random(BATCH, 2 * UNITS, seed=1)
    h_tm1 = _random(BATCH, UNITS, seed=2)
    u_h = _random(UNITS, UNITS, seed=3)
    h, (z, r, n) = gru_gates(
        x, hu_zr, h_tm1, ops.tanh, ops.sigmoid,
        reset_projection=lambda r: ops.matmul(r * h_tm1, u_h),
    )
    x_z, x_r, x_h = np.split(x, 3, axis=-1)
    want_z = _sigmoid(x_z + hu_zr[:, :UNITS])
    want_r = _sigmoid(x_r + hu_zr[:, UNITS:])
    want_n = np.tanh(x_h + (want_r * h_tm1) @ u_h)
    assert_close([z, r, n], [want_z, want_r, want_n], atol=1e-5)
    assert_close(h, want_z * h_tm1 + (1.0 - want_z) * want_n, atol=1e-5)
