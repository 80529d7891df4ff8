"""Zoneout in LSTMCell and GRUCell: formula, fused == generic, gradients."""

import numpy as np
import pytest
from keras import ops

import rnn_layers
from rnn_layers.fused.lstm_recurrence import lstm_recurrence
from tests.rnn_layers.parity import outputs_and_gradients
from tests.test_case import assert_close

BATCH, TIME, FEATURES, UNITS = 3, 5, 4, 3


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _lstm_reference(x, weights, keeps, states):
    """NumPy LSTM with zoneout; `keeps[t]` = (d_h, d_c) at input step t."""
    kernel, recurrent_kernel, bias = weights
    h, c = states
    outputs = []
    for t in range(x.shape[1]):
        z = x[:, t] @ kernel + h @ recurrent_kernel + bias
        i, f, g, o = np.split(z, 4, axis=-1)
        c_new = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h_new = _sigmoid(o) * np.tanh(c_new)
        d_h, d_c = keeps[t]
        h = d_h * h + (1 - d_h) * h_new
        c = d_c * c + (1 - d_c) * c_new
        outputs.append(h)
    return np.stack(outputs, axis=1), [h, c]


def _gru_reference(x, weights, keeps, states):
    """NumPy GRU (reset_after=True) with zoneout."""
    kernel, recurrent_kernel, bias = weights
    (h,) = states
    outputs = []
    for t in range(x.shape[1]):
        xz, xr, xh = np.split(x[:, t] @ kernel + bias[0], 3, axis=-1)
        hz, hr, hh = np.split(h @ recurrent_kernel + bias[1], 3, axis=-1)
        z, r = _sigmoid(xz + hz), _sigmoid(xr + hr)
        n = np.tanh(xh + r * hh)
        h_new = z * h + (1 - z) * n
        (d_h,) = keeps[t]
        h = d_h * h + (1 - d_h) * h_new
        outputs.append(h)
    return np.stack(outputs, axis=1), [h]


CASES = {
    "lstm": (rnn_layers.LSTM, _lstm_reference, 2),
    "gru": (rnn_layers.GRU, _gru_reference, 1),
}


def _layers(name, zoneout=0.4, **kwargs):
    layer_cls = CASES[name][0]
    made = [
        layer_cls(UNITS, zoneout=zoneout, return_sequences=True,
                  return_state=True, fused=fused, **kwargs)
        for fused in (True, False)
    ]
    for layer in made:
        layer.build((BATCH, TIME, FEATURES))
    rng = np.random.default_rng(1)
    weights = [
        (0.5 * rng.normal(size=w.shape)).astype("float32")
        for w in made[0].get_weights()
    ]
    for layer in made:
        layer.set_weights(weights)
    return made, weights


def _data(num_states, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(BATCH, TIME, FEATURES)).astype("float32")
    states = [
        rng.normal(size=(BATCH, UNITS)).astype("float32")
        for _ in range(num_states)
    ]
    masks = [
        (rng.uniform(size=(TIME, BATCH, UNITS)) < 0.4).astype("float32")
        for _ in range(num_states)
    ]
    return x, states, masks


def _fix_masks(layer, masks):
    """Mask hook: the layer's cell returns `masks` instead of drawing."""
    layer.cell.draw_zoneout_masks = lambda time, batch: [
        ops.convert_to_tensor(m) for m in masks
    ]


@pytest.mark.parametrize("name", ["lstm", "gru"])
@pytest.mark.parametrize("fused", [True, False])
def test_inference_mixes_with_the_rate(name, fused):
    made, weights = _layers(name, zoneout=0.3)
    layer = made[0 if fused else 1]
    _, reference, num_states = CASES[name]
    x, states, _ = _data(num_states)
    actual = layer(x, initial_state=states, training=False)
    keeps = [[0.3] * num_states] * TIME
    outputs, final = reference(x, weights, keeps, states)
    assert_close(actual[0], outputs, atol=1e-5)
    for got, want in zip(actual[1:], final):
        assert_close(got, want, atol=1e-5)


@pytest.mark.parametrize("name", ["lstm", "gru"])
def test_training_with_fixed_masks_matches_numpy(name):
    made, weights = _layers(name)
    _, reference, num_states = CASES[name]
    x, states, masks = _data(num_states)
    keeps = [[m[t] for m in masks] for t in range(TIME)]
    outputs, _ = reference(x, weights, keeps, states)
    unrolled = CASES[name][0](UNITS, zoneout=0.4, return_sequences=True,
                              return_state=True, unroll=True)
    unrolled.build(x.shape)
    unrolled.set_weights(weights)
    for layer in made + [unrolled]:
        _fix_masks(layer, masks)
        actual = layer(x, initial_state=states, training=True)
        assert_close(actual[0], outputs, atol=1e-5)


def _outputs_and_gradients(layer, x, states, padding, training):
    """Outputs, final states and all gradients, flat, as NumPy arrays.

    `training=True` runs a compiled training graph (`tf.function` or
    `jax.jit`), where the fused forward loop is XLA-compiled on TensorFlow.
    """
    outputs, grads = outputs_and_gradients(
        layer, x, mask=padding, initial_state=states, jit=training
    )
    return outputs + grads


@pytest.mark.parametrize("name", ["lstm", "gru"])
@pytest.mark.parametrize("padded", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_fused_matches_generic_with_gradients(name, padded, go_backwards):
    made, _ = _layers(name, go_backwards=go_backwards)
    num_states = CASES[name][2]
    x, states, masks = _data(num_states)
    padding = None
    if padded:
        padding = np.ones((BATCH, TIME), bool)
        padding[0, -2:] = False
        padding[1, :1] = False
    results = []
    for layer in made:
        _fix_masks(layer, masks)
        results.append(
            _outputs_and_gradients(layer, x, states, padding, training=True)
        )
    assert len(results[0]) == len(results[1])
    for fused, generic in zip(*results):
        assert_close(fused, generic, atol=1e-5)


@pytest.mark.parametrize("name", ["lstm", "gru"])
def test_inference_gradients_fused_match_generic(name):
    made, _ = _layers(name, zoneout=0.3)
    x, states, _ = _data(CASES[name][2])
    fused, generic = (
        _outputs_and_gradients(layer, x, states, None, training=False)
        for layer in made
    )
    for a, b in zip(fused, generic):
        assert_close(a, b, atol=1e-5)


def test_zero_rate_adds_nothing_to_the_fused_loop():
    # zoneout=0 must run the plain loop (to float32 rounding: the layer's
    # hoisted projection and XLA may round differently from this reference).
    made, weights = _layers("lstm", zoneout=0.0)
    x, states, _ = _data(2)
    actual = made[0](x, initial_state=states, training=True)
    projected = ops.transpose(
        ops.matmul(x, weights[0]) + weights[2], (1, 0, 2)
    )
    _, h_last, c_last = lstm_recurrence(
        projected, states[0], states[1], weights[1]
    )
    np.testing.assert_allclose(
        ops.convert_to_numpy(actual[1]), ops.convert_to_numpy(h_last),
        rtol=1e-6, atol=1e-7,
    )
    np.testing.assert_allclose(
        ops.convert_to_numpy(actual[2]), ops.convert_to_numpy(c_last),
        rtol=1e-6, atol=1e-7,
    )


@pytest.mark.parametrize("cell_cls", [rnn_layers.LSTMCell, rnn_layers.GRUCell])
def test_zoneout_is_validated_and_configured(cell_cls):
    with pytest.raises(ValueError, match="`zoneout=1.0`"):
        cell_cls(2, zoneout=1.0)
    cell = cell_cls(2, zoneout=0.25)
    assert cell.get_config()["zoneout"] == 0.25
    assert cell_cls.from_config(cell.get_config()).zoneout == 0.25


@pytest.mark.parametrize("layer_cls", [rnn_layers.LSTM, rnn_layers.GRU])
def test_layer_config_round_trip(layer_cls):
    layer = layer_cls(3, zoneout=0.2)
    assert layer.zoneout == 0.2
    clone = layer_cls.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_training_draws_fresh_masks_per_step():
    layer = rnn_layers.LSTM(64, zoneout=0.5, seed=3, return_sequences=True)
    x = np.ones((4, 6, 2), "float32")
    layer.build(x.shape)
    masks = ops.convert_to_numpy(layer.cell.draw_zoneout_masks(6, 4)[0])
    assert masks.shape == (6, 4, 64)
    assert 0.35 < masks.mean() < 0.65
    assert not np.array_equal(masks[0], masks[1])
    out = ops.convert_to_numpy(layer(x, training=True))
    assert np.all(np.isfinite(out))
