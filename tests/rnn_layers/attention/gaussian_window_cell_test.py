import os

import keras
import numpy as np
import pytest

from rnn_layers.attention import attention_math
from rnn_layers.attention.gaussian_window_cell import GaussianWindowCell
from rnn_layers.layers.rnn import RNN
from tests.rnn_layers.attention.gaussian_window_test import _numpy_window
from tests.test_case import assert_close

BATCH, STEPS, UNITS, K, VOCAB, CHARS = 2, 5, 4, 2, 6, 3


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _numpy_cell(x_seq, chars, mask, lstm_weights, window_weights, scale):
    kernel, recurrent, bias = lstm_weights
    h = np.zeros((BATCH, UNITS))
    c = np.zeros((BATCH, UNITS))
    kappa = np.zeros((BATCH, K))
    w = np.zeros((BATCH, VOCAB))
    outputs, phis = [], []
    for t in range(x_seq.shape[1]):
        z = np.concatenate([x_seq[:, t], w], -1) @ kernel + h @ recurrent + bias
        i, f, g, o = np.split(z, 4, -1)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        w, phi, kappa = _numpy_window(h, chars, kappa, mask, *window_weights,
                                      scale)
        outputs.append(np.concatenate([h, w], -1))
        phis.append(phi)
    return np.stack(outputs, 1), (h, c, kappa, w), np.stack(phis, 1)


def _inputs(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(BATCH, STEPS, 3)).astype("float32")
    ids = rng.integers(0, VOCAB, (BATCH, CHARS))
    chars = np.eye(VOCAB, dtype="float32")[ids]
    mask = np.array([[1, 1, 1], [1, 1, 0]], bool)
    return x, chars, mask


def test_rnn_matches_numpy_reference_and_step():
    x, chars, mask = _inputs()
    cell = GaussianWindowCell(UNITS, K, VOCAB, kappa_scale=0.5)
    layer = RNN(cell, return_sequences=True, return_state=True)
    outputs, *states = layer(x, constants=[chars, mask])
    lstm_weights = [keras.ops.convert_to_numpy(v) for v in (
        cell.lstm.kernel, cell.lstm.recurrent_kernel, cell.lstm.bias)]
    window_weights = [keras.ops.convert_to_numpy(v) for v in (
        cell.window.kernel, cell.window.bias)]
    ref_out, ref_states, ref_phi = _numpy_cell(
        x.astype("float64"), chars, mask.astype("float64"), lstm_weights,
        window_weights, 0.5)
    assert_close(outputs, ref_out, atol=1e-5)
    assert_close(states, list(ref_states), atol=1e-5)
    step_states = cell.get_initial_state(BATCH)
    for t in range(STEPS):
        output, step_states, phi = cell.step(x[:, t], step_states, chars,
                                             mask)
        assert_close(phi, ref_phi[:, t], atol=1e-5)
    assert_close(output, ref_out[:, -1], atol=1e-5)
    h, w = cell.split_output(outputs)
    assert tuple(h.shape) == (BATCH, STEPS, UNITS)
    assert tuple(w.shape) == (BATCH, STEPS, VOCAB)


def test_window_finishes_after_the_last_character():
    cell = GaussianWindowCell(UNITS, 1, VOCAB, kappa_scale=1.0)
    x, chars, mask = _inputs()
    cell.build((BATCH, 3), [chars.shape, mask.shape])
    # Constant, sharp window moving one character per step.
    cell.window.kernel.assign(np.zeros_like(cell.window.kernel))
    cell.window.bias.assign(np.array([0.0, np.log(4.0), 0.0], "float32"))
    states = cell.get_initial_state(BATCH)
    lengths = mask.sum(-1)
    finished = []
    for t in range(4):
        _, states, phi = cell.step(x[:, 0], states, chars, mask)
        finished.append(keras.ops.convert_to_numpy(
            attention_math.window_finished(phi, lengths)).tolist())
    # kappa = 1, 2, 3, 4: row 0 (3 characters) ends at kappa 3, row 1 at 2.
    assert finished == [[False, False], [False, True], [True, True],
                        [True, True]]


def test_saves_loads_and_trains(tmp_path):
    x, chars, mask = _inputs(1)
    points = keras.Input((None, 3))
    characters = keras.Input((None, VOCAB))
    char_mask = keras.Input((None,), dtype="bool")
    outputs = RNN(GaussianWindowCell(UNITS, K, VOCAB), return_sequences=True)(
        points, constants=[characters, char_mask])
    model = keras.Model([points, characters, char_mask],
                        keras.layers.Dense(3)(outputs))
    reference = model([x, chars, mask])
    path = os.path.join(tmp_path, "window.keras")
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    assert_close(reloaded([x, chars, mask]), reference, atol=1e-6)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    before = [w.numpy().copy() for w in model.trainable_weights]
    model.fit([x, chars, mask], np.zeros((BATCH, STEPS, 3)), verbose=0)
    for weight, old in zip(model.trainable_weights, before):
        assert not np.allclose(old, weight.numpy()), weight.path


def test_config_and_errors():
    cell = GaussianWindowCell(3, 2, 7, kappa_scale=0.1)
    assert cell.state_size == [3, 3, 2, 7] and cell.output_size == 10
    config = cell.get_config()
    assert GaussianWindowCell.from_config(config).get_config() == config
    with pytest.raises(ValueError, match="vocabulary_size=0"):
        GaussianWindowCell(3, 2, 0)
    x, chars, mask = _inputs()
    with pytest.raises(ValueError, match="needs the characters"):
        cell(x[:, 0], cell.get_initial_state(BATCH))
    with pytest.raises(ValueError, match="vocabulary_size=6"):
        RNN(GaussianWindowCell(3, 2, 7))(x, constants=[chars])
