"""Tests for apps/chatbot/train.py: a training step, epochs, vocabulary."""

import json

import keras
import numpy as np

from apps.chatbot import data
from apps.chatbot.model import ModelConfig, build_model, compile_model
from apps.chatbot.train import epoch_order


def test_two_steps_give_a_finite_loss_and_change_every_weight():
    tokenizer = data.build_chat_tokenizer(
        [("hi there", "how are you ?")], "word", 0)
    inputs, targets = data.encode_pairs(
        tokenizer, [("hi there", "how are you ?"), ("how", "hi")] * 2,
        max_context_tokens=6, max_reply_tokens=5, context_turns=2)
    model = build_model(ModelConfig(embedding_dim=4, encoder_units=3,
                                    units=5, dropout=0.0),
                        tokenizer.vocabulary_size)
    compile_model(model, keras.optimizers.Adam(0.01), label_smoothing=0.1)
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(inputs, targets, batch_size=2, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][-1])
    changed = [not np.array_equal(a, b)
               for a, b in zip(before, model.get_weights())]
    assert all(changed), [w.path for w, c in zip(model.weights, changed)
                          if not c]


def test_epochs_are_reproducible_shuffled_passes():
    first = epoch_order(seed=3, epoch=2, count=10, rows=4)
    np.testing.assert_array_equal(first, epoch_order(3, 2, 10, 4))
    assert sorted(first[:4].tolist()) == [0, 1, 2, 3]
    assert sorted(first[4:8].tolist()) == [0, 1, 2, 3]
    assert not np.array_equal(first, epoch_order(3, 3, 10, 4))


def test_the_run_keeps_its_tokenizer(english_run):
    path = f"{english_run.run_dir}/{data.VOCABULARY_FILE}"
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    assert document["level"] == "subword"
    assert document["tokens"][:5] == ["<pad>", "<unk>", "<s>", "</s>",
                                      "<sep>"]
    assert {"Hello", "##?", "?"} <= set(document["tokens"])
