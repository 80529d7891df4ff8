"""The exported handwriting model (fresh-process loading: contract test)."""

import keras
import numpy as np
import pytest

from apps.handwriting import export
from datasets import strokes as stroke_format

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="exports need KERAS_BACKEND=tensorflow",
)


@pytest.fixture(scope="module")
def served(restored, tmp_path_factory):
    import tensorflow as tf

    folder = tmp_path_factory.mktemp("handwriting_export")
    path = export.export_restored(restored, str(folder), max_characters=12,
                                  points_per_character=10)
    return tf.saved_model.load(str(path))


def _generate(served, text, bias=0.5, seed=1, priming_text=None,
              priming=None, priming_lengths=None):
    import tensorflow as tf

    batch = len(text)
    priming = np.zeros((batch, 0, 3), "float32") if priming is None else (
        priming)
    outputs = served.signatures["generate"](
        text=tf.constant(text), bias=tf.constant(bias, tf.float32),
        seed=tf.constant(seed),
        priming_text=tf.constant(priming_text or [""] * batch),
        priming_strokes=tf.constant(priming),
        priming_lengths=tf.constant(
            priming_lengths if priming_lengths is not None else [0] * batch,
            tf.int32))
    return {k: v.numpy() for k, v in outputs.items()}


def test_serving_default_writes_strokes_and_matching_svg(served):
    import tensorflow as tf

    out = served.signatures["serving_default"](text=tf.constant(
        ["hello", "ab"]))
    out = {k: v.numpy() for k, v in out.items()}
    assert out["strokes"].dtype == np.float32 and out["strokes"].shape[2] == 3
    assert out["error"].tolist() == [b"", b""]
    for row in range(2):
        length = out["lengths"][row]
        assert 0 < length <= 10 * len(["hello", "ab"][row])
        points = out["strokes"][row, :length]
        np.testing.assert_array_equal(out["strokes"][row, length:], 0)
        svg = out["svg"][row].decode()
        read = stroke_format.svg_to_strokes(svg)
        # The SVG holds the absolute points, rounded to SVG_PRECISION.
        np.testing.assert_allclose(
            stroke_format.to_absolute(read)[:, :2],
            stroke_format.to_absolute(points)[:, :2], atol=0.006)
    # A row's line does not depend on the rest of the batch (up to the
    # rounding of batched matmuls).
    again = served.signatures["serving_default"](text=tf.constant(["hello"]))
    assert again["lengths"].numpy()[0] == out["lengths"][0]
    np.testing.assert_allclose(again["strokes"].numpy()[0],
                               out["strokes"][0, :again["strokes"].shape[1]],
                               atol=1e-5)


def test_bad_texts_get_per_item_answers(served):
    out = _generate(served, ["", "caf\u00e9", "x" * 10000, "ok"])
    assert out["lengths"][:3].tolist() == [0, 0, 0]
    errors = [e.decode() for e in out["error"]]
    assert errors[0] == "" and errors[3] == ""
    assert errors[1].startswith("character '\u00e9' is outside")
    assert errors[2] == "text longer than 12 characters; split it into lines"
    assert out["lengths"][3] > 0
    assert stroke_format.svg_to_strokes(out["svg"][0].decode()).shape == (0, 3)
    # A batch with no text to write at all still answers item by item.
    none = _generate(served, ["", "x" * 10000])
    assert none["lengths"].tolist() == [0, 0]
    assert [e.decode() for e in none["error"]] == ["", errors[2]]


def test_priming_and_its_bad_values(served):
    priming = np.tile(np.array([[2.0, 0.5, 0.0]], "float32"), (3, 6, 1))
    priming[1, 3, 0] = np.inf
    priming[2, 5, 1] = np.nan  # beyond its length: ignored
    out = _generate(served, ["ab", "ab", "ab"], priming_text=["hi"] * 3,
                    priming=priming, priming_lengths=[6, 6, 5])
    errors = [e.decode() for e in out["error"]]
    assert errors == ["", "priming strokes hold NaN or infinite values", ""]
    assert out["lengths"][1] == 0 and out["lengths"][0] > 0
    free = _generate(served, ["ab"])
    assert not np.array_equal(free["strokes"][0], out["strokes"][0][
        :free["strokes"].shape[1]])
    bad = _generate(served, ["ab"], priming_text=["hi"],
                    priming=priming[:1], priming_lengths=[9])
    assert bad["error"][0].decode().startswith("priming_lengths outside")


def test_bias_out_of_range_and_huge_batches_fail_the_request(served):
    import tensorflow as tf

    with pytest.raises(tf.errors.InvalidArgumentError, match="bias must be"):
        _generate(served, ["ab"], bias=-1.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="bias must be"):
        _generate(served, ["ab"], bias=float("nan"))
    with pytest.raises(tf.errors.InvalidArgumentError, match="at most 64"):
        _generate(served, ["a"] * 65)
    with pytest.raises(tf.errors.InvalidArgumentError, match="at most 64"):
        # refused before any text is decoded: no time, no memory
        _generate(served, ["x" * 100_000] * 4097)
