import os
import tempfile

import keras
import numpy as np
import pytest

from rnn_layers import GRUCell
from rnn_layers import LSTMCell
from rnn_layers.attention.attention_wrapper import AttentionWrapper
from rnn_layers.attention.bahdanau_attention import BahdanauAttention
from rnn_layers.attention.luong_attention import LuongAttention
from tests.test_case import assert_close

BATCH, STEPS, INPUT_DIM, UNITS, TIME, DEPTH = 2, 4, 3, 5, 6, 4


def _rnn_class():
    try:
        from rnn_layers import RNN
    except ImportError:
        return None
    return RNN


def _data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(BATCH, STEPS, INPUT_DIM)).astype("float32")
    memory = rng.normal(size=(BATCH, TIME, DEPTH)).astype("float32")
    mask = np.ones((BATCH, TIME), bool)
    mask[1, 4:] = False
    return x, memory, mask


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _numpy_unrolled(wrapper, x, memory, mask):
    """Hand-unrolled loop: LSTM cell, Luong general attention, tanh layer."""
    cell, attention = wrapper.cell, wrapper.attention
    kernel, recurrent_kernel, bias = (
        keras.ops.convert_to_numpy(w) for w in
        (cell.kernel, cell.recurrent_kernel, cell.bias))
    memory_kernel = keras.ops.convert_to_numpy(attention.memory_kernel)
    attention_kernel = keras.ops.convert_to_numpy(
        wrapper.attention_layer.kernel)
    h = np.zeros((BATCH, UNITS))
    c = np.zeros((BATCH, UNITS))
    a = np.zeros((BATCH, wrapper.attention_size))
    outputs, all_alignments = [], []
    for t in range(STEPS):
        z = np.concatenate([x[:, t], a], -1) @ kernel + h @ recurrent_kernel
        i, f, g, o = np.split(z + bias, 4, axis=-1)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        scores = np.einsum("bd,btd->bt", h, memory @ memory_kernel)
        scores = np.where(mask, scores, -np.inf)
        alignments = np.exp(scores - scores.max(-1, keepdims=True))
        alignments /= alignments.sum(-1, keepdims=True)
        context = np.einsum("bt,btd->bd", alignments, memory)
        a = np.tanh(np.concatenate([h, context], -1) @ attention_kernel)
        outputs.append(a)
        all_alignments.append(alignments)
    return np.stack(outputs, 1), np.stack(all_alignments, 1), (h, c, a)


def _wrapper(**kwargs):
    return AttentionWrapper(
        LSTMCell(UNITS),
        LuongAttention("general"),
        memory_depth=DEPTH,
        attention_layer_size=3,
        memory_length=TIME,
        **kwargs,
    )


def test_step_by_step_matches_hand_unrolled_loop():
    x, memory, mask = _data()
    wrapper = _wrapper()
    states = wrapper.get_initial_state(BATCH)
    constants = wrapper.prepare_constants(memory, mask)
    outputs, alignments = [], []
    for t in range(STEPS):
        output, states = wrapper(x[:, t], states, constants=constants)
        outputs.append(keras.ops.convert_to_numpy(output))
        alignments.append(keras.ops.convert_to_numpy(states[-1]))
    ref_outputs, ref_alignments, (h, c, a) = _numpy_unrolled(
        wrapper, x, memory, mask)
    assert_close(np.stack(outputs, 1), ref_outputs, atol=1e-5)
    assert_close(np.stack(alignments, 1), ref_alignments, atol=1e-5)
    assert_close(states[:3], [h, c, a], atol=1e-5)
    np.testing.assert_allclose(np.stack(alignments, 1).sum(-1), 1.0,
                               atol=1e-6)
    assert np.all(np.stack(alignments, 1)[1, :, 4:] == 0.0)


def test_without_keys_and_without_mask_constants():
    x, memory, _ = _data(1)
    wrapper = _wrapper()
    states = wrapper.get_initial_state(BATCH)
    out_a, _ = wrapper(x[:, 0], states, constants=[memory])
    out_b, _ = wrapper(x[:, 0], states,
                       constants=wrapper.prepare_constants(memory))
    assert_close(out_a, out_b)


def test_missing_memory_error_names_the_fix():
    wrapper = _wrapper()
    states = wrapper.get_initial_state(BATCH)
    with pytest.raises(ValueError, match="prepare_constants"):
        wrapper(np.ones((BATCH, INPUT_DIM), "float32"), states)


def test_state_and_output_sizes():
    wrapper = AttentionWrapper(
        GRUCell(UNITS), BahdanauAttention(3), memory_depth=DEPTH,
        output_attention=False, memory_length=TIME, output_alignments=True)
    assert wrapper.state_size == [UNITS, DEPTH, TIME]
    assert wrapper.output_size == UNITS + TIME
    with pytest.raises(ValueError, match="memory_length"):
        AttentionWrapper(GRUCell(UNITS), BahdanauAttention(3),
                         memory_depth=DEPTH, output_alignments=True)
    with pytest.raises(ValueError, match="memory_depth=0"):
        AttentionWrapper(GRUCell(UNITS), BahdanauAttention(3),
                         memory_depth=0)


def test_config_round_trip():
    wrapper = _wrapper(output_alignments=True)
    config = wrapper.get_config()
    clone = AttentionWrapper.from_config(config)
    assert clone.get_config() == config
    assert isinstance(clone.attention, LuongAttention)


@pytest.mark.skipif(_rnn_class() is None, reason="rnn_layers.RNN not there")
def test_inside_rnn_matches_hand_unrolled_loop_and_reloads():
    RNN = _rnn_class()
    x, memory, mask = _data(2)
    wrapper = _wrapper(output_alignments=True)
    layer = RNN(wrapper, return_sequences=True)
    x_in = keras.Input((STEPS, INPUT_DIM))
    memory_in = keras.Input((TIME, DEPTH))
    mask_in = keras.Input((TIME,), dtype="bool")
    model = keras.Model(
        [x_in, memory_in, mask_in],
        layer(x_in, constants=[memory_in, mask_in]))
    outputs = model([x, memory, mask])
    outputs, alignments = wrapper.split_output(outputs)
    ref_outputs, ref_alignments, _ = _numpy_unrolled(wrapper, x, memory, mask)
    assert_close(outputs, ref_outputs, atol=1e-5)
    assert_close(alignments, ref_alignments, atol=1e-5)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        reloaded = keras.saving.load_model(path, safe_mode=True)
    assert_close(reloaded([x, memory, mask]), model([x, memory, mask]),
                 atol=1e-6)


@pytest.mark.skipif(_rnn_class() is None, reason="rnn_layers.RNN not there")
def test_one_training_step_changes_every_weight():
    RNN = _rnn_class()
    x, memory, mask = _data(3)
    wrapper = AttentionWrapper(
        LSTMCell(UNITS), BahdanauAttention(3, normalize=True),
        memory_depth=DEPTH, attention_layer_size=3)
    x_in = keras.Input((STEPS, INPUT_DIM))
    memory_in = keras.Input((TIME, DEPTH))
    mask_in = keras.Input((TIME,), dtype="bool")
    outputs = RNN(wrapper, return_sequences=True)(
        x_in, constants=[memory_in, mask_in])
    model = keras.Model([x_in, memory_in, mask_in], outputs)
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    before = [keras.ops.convert_to_numpy(w).copy()
              for w in model.trainable_weights]
    model.fit([x, memory, mask], np.ones((BATCH, STEPS, 3), "float32"),
              epochs=1, batch_size=BATCH, verbose=0)
    for weight, old in zip(model.trainable_weights, before):
        assert not np.allclose(old, keras.ops.convert_to_numpy(weight)), (
            weight.path)
