import numpy as np
import pytest

from apps.handwriting.model import ModelConfig, build_model


def _inputs(batch=2, steps=5, chars=4):
    rng = np.random.default_rng(0)
    return {"strokes": rng.normal(size=(batch, steps, 3)).astype("float32"),
            "text": np.array([[1, 2, 3, 0], [2, 2, 0, 0]], "int32")[:batch,
                                                                  :chars]}


def test_synthesis_network_shapes_and_layers():
    model = build_model(ModelConfig(units=6, num_mixtures=3,
                                    num_window_components=2), 4)
    assert tuple(model(_inputs()).shape) == (2, 5, 19)
    names = [layer.name for layer in model.layers]
    assert {"window", "lstm_2", "lstm_3", "mixture"} <= set(names)
    # Deeper layers read the point, the layer below and the window.
    assert model.get_layer("lstm_2").cell.kernel.shape == (3 + 6 + 5, 24)
    assert model.get_layer("mixture").kernel.shape == (3 * 6, 19)


def test_prediction_network_has_skip_connections():
    model = build_model(ModelConfig(network="prediction", units=6,
                                    num_layers=3, num_mixtures=2), 0)
    inputs = {"strokes": _inputs()["strokes"]}
    assert tuple(model(inputs).shape) == (2, 5, 13)
    assert model.get_layer("lstm_1").cell.kernel.shape == (3, 24)
    assert model.get_layer("lstm_3").cell.kernel.shape == (3 + 6, 24)
    assert model.get_layer("mixture").kernel.shape == (18, 13)


def test_padding_characters_are_ignored():
    model = build_model(ModelConfig(units=4, num_layers=2, num_mixtures=2,
                                    num_window_components=2), 4)
    inputs = _inputs(batch=1)
    wider = dict(inputs, text=np.pad(inputs["text"], ((0, 0), (0, 3))))
    np.testing.assert_allclose(model(inputs), model(wider), atol=1e-6)


@pytest.mark.parametrize("field, value", [
    ("network", "transformer"), ("units", 0), ("kappa_scale", 0.0)])
def test_bad_config_values(field, value):
    with pytest.raises(ValueError, match=field):
        ModelConfig(**{field: value})
