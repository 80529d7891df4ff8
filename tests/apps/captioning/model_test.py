import keras
import numpy as np
import pytest

from apps.captioning import data, decoding
from apps.captioning.model import (
    ModelConfig,
    attention_model,
    build_model,
    compile_model,
)
from tests.apps.captioning.conftest import TINY_MODEL


def test_shapes_and_attention_sum_to_one():
    model = build_model(TINY_MODEL, 12)
    images = np.random.rand(2, 16, 16, 3).astype("float32")
    tokens = np.array([[2, 4, 5, 0], [2, 6, 3, 0]], "int32")
    assert model([images, tokens]).shape == (2, 4, 12)
    _, alignments = attention_model(model)([images, tokens])
    assert alignments.shape == (2, 4, 16)  # 4 x 4 grid
    np.testing.assert_allclose(np.sum(alignments, -1), 1.0, atol=1e-5)
    assert len(model.losses) == 1  # the doubly stochastic penalty


def test_config_validation():
    with pytest.raises(ValueError, match="image_size"):
        ModelConfig(image_size=20, encoder_blocks=3)
    with pytest.raises(ValueError, match="units"):
        ModelConfig(units=0)
    with pytest.raises(ValueError, match="backbone"):
        ModelConfig(backbone="NoSuchNet")


def test_overfits_four_scenes_and_beam_beats_greedy():
    config = ModelConfig(
        image_size=32, encoder_blocks=2, encoder_width=8, feature_dim=32,
        embedding_dim=16, units=64, attention_units=32, dropout=0.0)
    tokenizer = data.shapes_tokenizer()
    images, captions = data.shapes_batch(5, (0,), 4, 32)
    ids = data.encode_captions(captions, tokenizer, 12)
    model = build_model(config, tokenizer.vocabulary_size)
    compile_model(model, keras.optimizers.Adam(0.01, global_clipnorm=5.0))
    model.fit((images, ids[:, :-1]), ids[:, 1:], epochs=120, batch_size=4,
              verbose=0)
    greedy = decoding.decode(
        model, decoding.make_decoder(model, tokenizer, 12), images)
    assert [tokenizer.decode(row) for row in
            keras.ops.convert_to_numpy(greedy)] == captions

    beam = decoding.decode(
        model, decoding.make_decoder(model, tokenizer, 12, num_beams=3),
        images)
    attention = attention_model(model)
    greedy_lp, _ = decoding.score(attention, images, greedy)
    beam_lp, _ = decoding.score(attention, images, beam)
    assert np.all(np.sum(beam_lp, 1) >= np.sum(greedy_lp, 1) - 1e-4)


def test_trains_under_mixed_bfloat16():
    # The attention penalty adds up in float32 beside a bfloat16 model.
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = build_model(TINY_MODEL, 12)
        compile_model(model, keras.optimizers.Adam(1e-3))
        images = np.random.rand(2, 16, 16, 3).astype("float32")
        tokens = np.array([[2, 4, 5, 0], [2, 6, 3, 0]], "int32")
        loss = model.train_on_batch([images, tokens], tokens, return_dict=True)
        model([images, tokens])  # an eager call records the penalty
        penalty = model.losses[0]
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert keras.backend.standardize_dtype(penalty.dtype) == "float32"
    assert np.isfinite(loss["loss"])
