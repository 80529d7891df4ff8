"""Tests for apps/chatbot/model.py: shapes, masking, sharing, the loss."""

import keras
import numpy as np
import pytest

from apps.chatbot.model import (
    ModelConfig,
    build_model,
    encoder_model,
    reply_embedding,
    reply_loss,
)

SMALL = ModelConfig(embedding_dim=4, encoder_units=3, units=5,
                    attention_units=3, dropout=0.0)


@pytest.mark.parametrize("attention", ["luong", "bahdanau"])
def test_padding_never_changes_the_logits(attention):
    model = build_model(
        ModelConfig(**{**vars(SMALL), "attention": attention,
                       "encoder_layers": 2}), vocabulary_size=9)
    context = np.array([[3, 4, 5, 0], [6, 7, 0, 0]], "int32")
    reply = np.array([[2, 3, 4], [2, 5, 0]], "int32")
    logits = model({"context": context, "reply": reply})
    assert tuple(logits.shape) == (2, 3, 9)
    padded = np.pad(context, [(0, 0), (0, 3)])
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(logits),
        keras.ops.convert_to_numpy(
            model({"context": padded, "reply": reply})))
    memory, h0, c0 = encoder_model(model)(context)
    assert (tuple(memory.shape), tuple(h0.shape), tuple(c0.shape)) == (
        (2, 4, 6), (2, 5), (2, 5))


def test_shared_embeddings_use_one_table():
    shared = build_model(SMALL, vocabulary_size=9)
    separate = build_model(
        ModelConfig(**{**vars(SMALL), "shared_embeddings": False}), 9)
    assert reply_embedding(shared).name == "context_embedding"
    assert reply_embedding(separate).name == "reply_embedding"
    assert separate.count_params() - shared.count_params() == 9 * 4


def test_label_smoothing_matches_numpy():
    logits = np.array([[[2.0, 0.0, -1.0], [0.5, 0.5, 0.0]]], "float32")
    targets = np.array([[1, 0]], "int32")  # the second target is padding
    log_p = logits[0, 0] - np.log(np.exp(logits[0, 0]).sum())
    expected = 0.9 * -log_p[1] + 0.1 * -log_p.mean()
    got = keras.ops.convert_to_numpy(reply_loss(0.1)(targets, logits))
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(reply_loss()(targets, logits)),
        -log_p[1], rtol=1e-6)
    with pytest.raises(ValueError, match="label_smoothing=1"):
        reply_loss(1)


@pytest.mark.parametrize("field, value", [
    ("units", 0), ("attention", "dot"), ("dropout", 1.0),
    ("encoder_layers", True)])
def test_bad_hyper_parameters_name_the_field(field, value):
    with pytest.raises(ValueError, match=f"{field}="):
        ModelConfig(**{field: value})
