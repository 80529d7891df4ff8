import keras
import numpy as np

from apps.handwriting import sampling
from apps.handwriting.model import ModelConfig, build_model
from tests.test_case import assert_close


def _model(network):
    config = ModelConfig(network=network, units=6, num_layers=3,
                         num_mixtures=2, num_window_components=2)
    return build_model(config, 4), config


def test_step_by_step_equals_the_trained_sequence_model():
    for network in ("synthesis", "prediction"):
        model, config = _model(network)
        rng = np.random.default_rng(0)
        strokes = rng.normal(size=(2, 5, 3)).astype("float32")
        text = np.array([[1, 2, 3], [4, 1, 0]], "int32")
        inputs = {"strokes": strokes}
        if network == "synthesis":
            inputs["text"] = text
        expected = model(inputs)
        step = sampling.NetworkStep(model, config)
        states = step.initial_cache(2)
        characters = keras.ops.one_hot(text, 5)
        for t in range(5):
            params, phi, states = step(strokes[:, t], states, characters,
                                       text != 0)
            assert_close(params, expected[:, t], atol=1e-5, msg=network)
        assert (phi is None) == (network == "prediction")


def test_write_respects_budgets_and_empty_text():
    model, config = _model("synthesis")
    step = sampling.NetworkStep(model, config)
    ids = np.array([[1, 2, 0], [0, 0, 0]], "int32")
    strokes, counts, phi = sampling.write(
        step, ids, np.array([7, 0], "int32"), 0.5, 3, record_phi=True)
    counts = keras.ops.convert_to_numpy(counts)
    assert counts[1] == 0 and 0 <= counts[0] <= 7
    strokes = keras.ops.convert_to_numpy(strokes)
    assert strokes.shape == (2, 7, 3)
    np.testing.assert_array_equal(strokes[0, counts[0]:], 0)
    assert tuple(phi.shape) == (2, 8, 4)


def test_priming_points_are_not_returned_and_shift_the_phi():
    model, config = _model("prediction")
    step = sampling.NetworkStep(model, config)
    priming = np.zeros((1, 4, 3), "float32")
    priming[0, :, 0] = 1.0
    ids = np.zeros((1, 0), "int32")
    free, _ = sampling.write(step, ids, np.array([5]), 1.0, 0)
    primed, counts = sampling.write(step, ids, np.array([5]), 1.0, 0,
                                    priming, np.array([4], "int32"))
    assert keras.ops.convert_to_numpy(counts).tolist() == [5]
    assert not np.allclose(keras.ops.convert_to_numpy(free),
                           keras.ops.convert_to_numpy(primed))
    again, _ = sampling.write(step, ids, np.array([5]), 1.0, 0, priming,
                              np.array([4], "int32"))
    assert_close(again, primed)
