import os
import tempfile

import keras
import numpy as np
import pytest

from rnn_layers.attention.bahdanau_attention import BahdanauAttention
from tests.test_case import assert_close


def _inputs(rng, batch=3, time=5, query_depth=4, memory_depth=6):
    query = rng.normal(size=(batch, query_depth)).astype("float32")
    memory = rng.normal(size=(batch, time, memory_depth)).astype("float32")
    mask = np.ones((batch, time), bool)
    mask[0, 3:] = False
    mask[2, 1:] = False
    return query, memory, mask


def _numpy_reference(layer, query, memory, mask):
    weights = {w.name: keras.ops.convert_to_numpy(w) for w in layer.weights}
    keys = memory @ weights["memory_kernel"]
    hidden = keys + (query @ weights["query_kernel"])[:, None, :]
    v = weights["v"]
    if layer.normalize:
        v = weights["g"] * v / np.linalg.norm(v)
        hidden = hidden + weights["b"]
    scores = np.tanh(hidden) @ v
    scores = np.where(mask, scores, -np.inf)
    alignments = np.exp(scores - scores.max(-1, keepdims=True))
    alignments /= alignments.sum(-1, keepdims=True)
    return np.einsum("bt,btd->bd", alignments, memory), alignments


@pytest.mark.parametrize("normalize", [False, True])
def test_matches_numpy_and_ignores_masked_memory(normalize):
    rng = np.random.default_rng(0)
    query, memory, mask = _inputs(rng)
    layer = BahdanauAttention(units=3, normalize=normalize)
    context, alignments = layer(query, memory, memory_mask=mask)
    ref_context, ref_alignments = _numpy_reference(layer, query, memory, mask)
    assert_close(alignments, ref_alignments, atol=1e-5)
    assert_close(context, ref_context, atol=1e-5)
    assert_close(np.sum(keras.ops.convert_to_numpy(alignments), -1),
                 np.ones(3), atol=1e-6)
    assert np.all(keras.ops.convert_to_numpy(alignments)[~mask] == 0.0)
    # Changing masked memory changes nothing.
    noisy = memory.copy()
    noisy[~mask] = 100.0
    context2, alignments2 = layer(query, noisy, memory_mask=mask)
    assert_close(context2, context, atol=1e-6)
    assert_close(alignments2, alignments, atol=1e-6)


def test_precomputed_keys_give_same_result():
    rng = np.random.default_rng(1)
    query, memory, mask = _inputs(rng)
    layer = BahdanauAttention(units=3)
    expected = layer(query, memory, memory_mask=mask)
    keys = layer.process_memory(memory)
    assert_close(layer(query, memory, memory_mask=mask, keys=keys), expected)


def test_config_and_keras_file_round_trip():
    rng = np.random.default_rng(2)
    query, memory, mask = _inputs(rng)
    layer = BahdanauAttention(units=3, normalize=True, name="attn")
    config = layer.get_config()
    assert BahdanauAttention.from_config(config).get_config() == config
    query_in = keras.Input((4,))
    memory_in = keras.Input((5, 6))
    mask_in = keras.Input((5,), dtype="bool")
    outputs = layer(query_in, memory_in, memory_mask=mask_in)
    model = keras.Model([query_in, memory_in, mask_in], outputs)
    expected = model([query, memory, mask])
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        reloaded = keras.saving.load_model(path, safe_mode=True)
    assert_close(reloaded([query, memory, mask]), expected, atol=1e-6)


def test_rejects_bad_units():
    with pytest.raises(ValueError, match="units=0"):
        BahdanauAttention(units=0)
