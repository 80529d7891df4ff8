"""Tests for apps/chatbot/export.py: the served replies and bad messages."""

import keras
import numpy as np
import pytest

from apps.chatbot import export
from apps.chatbot.config import APP
from apps.chatbot.decoding import DecodingConfig, Responder
from apps.framework import restore

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="exports need KERAS_BACKEND=tensorflow",
)


def load(run, tmp_path_factory):
    import tensorflow as tf

    restored = restore(APP, run.run_dir)
    folder = tmp_path_factory.mktemp("chatbot_export")
    path = export.export_restored(restored, str(folder), max_beams=2)
    return tf.saved_model.load(str(path)), restored


@pytest.fixture(scope="module")
def english(english_run, tmp_path_factory):
    """`(loaded SavedModel, Restored)` of the English run."""
    return load(english_run, tmp_path_factory)


def serve(loaded, messages):
    import tensorflow as tf

    out = loaded.signatures["serving_default"](
        message=tf.constant(messages, tf.string))
    return ([r.decode() for r in out["reply"].numpy()],
            [e.decode() for e in out["error"].numpy()])


def generate(loaded, messages, num_beams=1, top_p=0.0, temperature=1.0,
             seed=0):
    import tensorflow as tf

    out = loaded.signatures["generate"](
        message=tf.constant(messages, tf.string),
        num_beams=tf.constant(num_beams),
        top_p=tf.constant(top_p), temperature=tf.constant(temperature),
        seed=tf.constant(seed))
    return ([r.decode() for r in out["reply"].numpy()],
            out["score"].numpy())


def test_served_replies_are_the_learnt_ones(english, english_run):
    loaded, _ = english
    contexts = [context for context, _ in english_run.pairs]
    replies, errors = serve(loaded, contexts)
    assert replies == [reply for _, reply in english_run.pairs]
    assert errors == [""] * len(contexts)


def test_bad_messages_get_a_defined_reply_or_their_own_error(english):
    loaded, restored = english
    messages = ["", "x" * 1_000_000 + "\nWhat is your name?",
                b"\xff\xfe Hello \xe4\xbd", "你好 Hello", " \n\t\n",
                "Hello"]
    replies, errors = serve(loaded, messages)
    assert errors[0] == errors[4] == export.EMPTY_ERROR
    assert replies[0] == replies[4] == ""
    assert errors[1:4] + errors[5:] == [""] * 4
    assert replies[1] == "I am a bot." and replies[5] == "Hi there"
    python = Responder(restored.model, restored.assets["tokenizer"],
                       restored.train_config, DecodingConfig())
    assert replies[1:4] == python.reply(messages[1:4])


def test_a_reply_never_depends_on_its_neighbours(english):
    loaded, restored = english
    messages = ["Hello", "What is your name?\nI am a bot.", "",
                "Hi there\nHow are you?", "x " * 300, "你好"]
    together, _ = serve(loaded, messages)
    assert together == [serve(loaded, [m])[0][0] for m in messages]
    assert serve(loaded, []) == ([], [])
    sampled, _ = generate(loaded, messages, top_p=0.9, temperature=2.0,
                          seed=7)
    assert sampled == [generate(loaded, [m], top_p=0.9, temperature=2.0,
                                seed=7)[0][0] for m in messages]
    python = Responder(restored.model, restored.assets["tokenizer"],
                       restored.train_config, DecodingConfig(
                           sampling="top_p", top_p=0.9, temperature=2.0),
                       seed=7)
    kept = [m for m in messages if m]
    assert python.reply(kept) == [r for m, r in zip(messages, sampled) if m]


def test_generate_exposes_beams_and_sampling(english):
    import tensorflow as tf

    loaded, _ = english
    messages = ["Hello", "What is your name?"]
    greedy, greedy_scores = generate(loaded, messages, num_beams=1)
    beam, beam_scores = generate(loaded, messages, num_beams=2)
    assert greedy == beam == ["Hi there", "I am a bot."]
    assert np.all(beam_scores >= greedy_scores - 1e-5)
    assert np.all(greedy_scores < 0) and np.all(greedy_scores > -0.5)
    hot, _ = generate(loaded, ["Hello"] * 4, top_p=1.0, temperature=50.0,
                      seed=1)
    assert len(set(hot)) == 1  # one seed: the same draw for the same text
    assert hot != generate(loaded, ["Hello"], top_p=1.0, temperature=50.0,
                           seed=2)[0]
    for bad in ({"num_beams": 3}, {"num_beams": 0}, {"top_p": 1.5},
                {"temperature": 0.0}):
        with pytest.raises(tf.errors.InvalidArgumentError):
            generate(loaded, messages, **bad)
    with pytest.raises(tf.errors.InvalidArgumentError, match="at most 64"):
        serve(loaded, ["Hello"] * (export.MAX_MESSAGES + 1))


@pytest.mark.parametrize("ranking", ["log_prob", "consensus"])
def test_served_best_of_samples_equals_the_python_responder(
        english_run, tmp_path_factory, ranking):
    import tensorflow as tf

    restored = restore(APP, english_run.run_dir)
    decoding = DecodingConfig(sampling="top_p", temperature=5.0,
                              num_samples=3, length_penalty=1.0,
                              ranking=ranking)
    folder = tmp_path_factory.mktemp("chatbot_best_of")
    path = export.export_restored(restored, str(folder), decoding=decoding,
                                  max_beams=1)
    messages = ["Hello", "What is your name?", "Tell me a joke"]
    replies, _ = serve(tf.saved_model.load(str(path)), messages)
    python = Responder(restored.model, restored.assets["tokenizer"],
                       restored.train_config, decoding).reply(messages)
    assert replies == python


@pytest.mark.large
def test_chinese_export_answers_in_characters(chinese_run, tmp_path_factory):
    loaded, _ = load(chinese_run, tmp_path_factory)
    contexts = [context for context, _ in chinese_run.pairs]
    replies, errors = serve(loaded, contexts + ["hello 你好", b"\xe4\xbd"])
    assert replies[:5] == [reply for _, reply in chinese_run.pairs]
    assert errors == [""] * 7
