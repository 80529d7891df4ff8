import itertools
import os

import keras
import numpy as np
import pytest

from rnn_layers.heads import crf_math
from rnn_layers.heads.crf import CRF

NUM_TAGS, TIME = 3, 4


def _setup(seed=0):
    rng = np.random.default_rng(seed)
    potentials = rng.normal(size=(3, TIME, NUM_TAGS)).astype("float32")
    weights = [rng.normal(size=s).astype("float32")
               for s in [(NUM_TAGS, NUM_TAGS), (NUM_TAGS,), (NUM_TAGS,)]]
    lengths = np.array([4, 2, 1])
    mask = np.arange(TIME)[None] < lengths[:, None]
    return potentials, weights, lengths, mask


def _score(potentials, tags, weights):
    transitions, start, end = weights
    score = start[tags[0]] + end[tags[-1]]
    score += sum(potentials[t, tag] for t, tag in enumerate(tags))
    score += sum(transitions[a, b] for a, b in zip(tags[:-1], tags[1:]))
    return score


def test_viterbi_and_log_likelihood_match_enumeration():
    potentials, weights, lengths, mask = _setup()
    tags, scores = crf_math.crf_viterbi_decode(potentials, *weights, mask=mask)
    tags = keras.ops.convert_to_numpy(tags)
    log_norm = keras.ops.convert_to_numpy(
        crf_math.crf_log_norm(potentials, *weights, mask=mask))
    for b, length in enumerate(lengths):
        all_paths = list(itertools.product(range(NUM_TAGS), repeat=length))
        all_scores = [_score(potentials[b], p, weights) for p in all_paths]
        best = int(np.argmax(all_scores))
        assert tags[b, :length].tolist() == list(all_paths[best])
        assert np.all(tags[b, length:] == 0)
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(scores)[b], all_scores[best], atol=1e-4)
        np.testing.assert_allclose(
            log_norm[b], np.log(np.sum(np.exp(all_scores))), atol=1e-4)
        # log p of one padded path against enumeration.
        path = np.zeros(TIME, "int32")
        path[:length] = all_paths[-1]
        loglik = crf_math.crf_log_likelihood(
            potentials[b:b + 1], path[None], *weights, mask=mask[b:b + 1])
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(loglik)[0],
            all_scores[-1] - np.log(np.sum(np.exp(all_scores))), atol=1e-4)


def test_layer_trains_with_add_loss_and_round_trips(tmp_path):
    rng = np.random.default_rng(1)
    features = rng.normal(size=(4, TIME, 5)).astype("float32")
    tags = rng.integers(0, NUM_TAGS, size=(4, TIME)).astype("int32")
    features_in = keras.Input((TIME, 5))
    tags_in = keras.Input((TIME,), dtype="int32")
    potentials = keras.layers.Dense(NUM_TAGS)(features_in)
    crf = CRF(NUM_TAGS, transitions_initializer="glorot_uniform")
    decoded = crf(potentials, tags=tags_in)
    model = keras.Model([features_in, tags_in], decoded)
    model.compile(optimizer=keras.optimizers.SGD(0.5))
    before = keras.ops.convert_to_numpy(crf.transitions).copy()
    history = model.fit([features, tags], epochs=2, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert history.history["loss"][1] < history.history["loss"][0]
    assert not np.allclose(before, keras.ops.convert_to_numpy(crf.transitions))
    out = keras.ops.convert_to_numpy(model([features, tags]))
    assert out.shape == (4, TIME) and out.dtype == np.int32
    config = crf.get_config()
    assert CRF.from_config(config).get_config() == config
    path = os.path.join(str(tmp_path), "model.keras")
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(reloaded([features, tags])), out)


def test_errors():
    with pytest.raises(ValueError, match="num_tags=0"):
        CRF(0)
    with pytest.raises(ValueError, match="Dense\\(3\\)"):
        CRF(3)(np.zeros((1, 2, 4), "float32"))
