import keras
import numpy as np
import pytest

from rnn_layers.heads.ctc import ctc_decode
from rnn_layers.heads.ctc import ctc_loss


def _logits(path, num_classes=4, confidence=5.0):
    return (np.eye(num_classes, dtype="float32")[np.array(path)] * confidence)


def test_loss_prefers_the_right_labels():
    logits = _logits([[1, 1, 0, 2, 2, 0]])
    good = ctc_loss(np.array([[1, 2, 0]]), logits)
    bad = ctc_loss(np.array([[3, 1, 0]]), logits)
    good, bad = (keras.ops.convert_to_numpy(x)[0] for x in (good, bad))
    assert np.isfinite(good) and good < bad


@pytest.mark.parametrize("strategy", ["greedy", "beam_search"])
def test_decode_merges_repeats_and_drops_blanks(strategy):
    logits = _logits([[1, 1, 0, 2, 2, 0], [3, 0, 3, 0, 0, 0]])
    paths, _ = ctc_decode(logits, strategy=strategy, beam_width=4)
    paths = keras.ops.convert_to_numpy(paths)
    assert paths[0, 0, :2].tolist() == [1, 2]
    assert paths[0, 1, :2].tolist() == [3, 3]


def test_unknown_strategy():
    with pytest.raises(ValueError, match="strategy='viterbi'"):
        ctc_decode(np.zeros((1, 2, 3), "float32"), strategy="viterbi")
