import keras
import numpy as np
import pytest

from rnn_layers.attention.luong_attention import LuongAttention
from tests.test_case import assert_close


def _numpy_reference(layer, query, memory, mask):
    weights = {w.name: keras.ops.convert_to_numpy(w) for w in layer.weights}
    keys = memory @ weights["memory_kernel"] if (
        layer.score_mode == "general") else memory
    scores = np.einsum("bd,btd->bt", query, keys)
    if layer.scale:
        scores = weights["g"] * scores
    scores = np.where(mask, scores, -np.inf)
    alignments = np.exp(scores - scores.max(-1, keepdims=True))
    alignments /= alignments.sum(-1, keepdims=True)
    return np.einsum("bt,btd->bd", alignments, memory), alignments


@pytest.mark.parametrize(
    "score_mode,scale,memory_depth",
    [("general", False, 6), ("general", True, 6), ("dot", True, 4)],
)
def test_matches_numpy_and_ignores_masked_memory(score_mode, scale,
                                                 memory_depth):
    rng = np.random.default_rng(0)
    query = rng.normal(size=(3, 4)).astype("float32")
    memory = rng.normal(size=(3, 5, memory_depth)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1] * 5, [1, 0, 0, 0, 0]], bool)
    layer = LuongAttention(score_mode=score_mode, scale=scale)
    context, alignments = layer(query, memory, memory_mask=mask)
    ref_context, ref_alignments = _numpy_reference(layer, query, memory, mask)
    assert_close(alignments, ref_alignments, atol=1e-5)
    assert_close(context, ref_context, atol=1e-5)
    alignments = keras.ops.convert_to_numpy(alignments)
    np.testing.assert_allclose(alignments.sum(-1), 1.0, atol=1e-6)
    assert np.all(alignments[~mask] == 0.0)


def test_dot_mode_rejects_depth_mismatch():
    layer = LuongAttention(score_mode="dot")
    with pytest.raises(ValueError, match="score_mode='general'"):
        layer(np.ones((2, 3), "float32"), np.ones((2, 4, 5), "float32"))


def test_rejects_unknown_score_mode():
    with pytest.raises(ValueError, match="score_mode='concat'"):
        LuongAttention(score_mode="concat")


def test_config_round_trip():
    layer = LuongAttention(score_mode="dot", scale=True)
    config = layer.get_config()
    assert LuongAttention.from_config(config).get_config() == config
