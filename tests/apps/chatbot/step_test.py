"""Tests for the `encode` and `step` signatures of apps/chatbot/export.py.

A client streams a reply by calling `encode` once and then `step` per
token, carrying `tokens`, `index`, `state` and `seed` (and sending the
memory back each time); the reply must be `generate`'s, token for token.
"""

import keras
import numpy as np
import pytest

from apps.chatbot import export
from apps.chatbot.config import APP
from apps.framework import restore
from saved_models.warmup import WARMUP_FILE, read_warmup_inputs

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="exports need KERAS_BACKEND=tensorflow",
)

MESSAGES = ["Hello", "What is your name?", "Hi there\nHow are you?",
            "你好 Hello"]


@pytest.fixture(scope="module")
def english(english_run, tmp_path_factory):
    """`(version path, loaded SavedModel, Restored)` of the English run."""
    import tensorflow as tf

    restored = restore(APP, english_run.run_dir)
    folder = tmp_path_factory.mktemp("chatbot_step") / "chatbot"
    path = export.export_restored(restored, str(folder), max_beams=1)
    return path, tf.saved_model.load(str(path)), restored


def generate(loaded, messages, top_p=0.0, temperature=1.0, seed=0):
    import tensorflow as tf

    out = loaded.signatures["generate"](
        message=tf.constant(messages), num_beams=tf.constant(1),
        top_p=tf.constant(top_p), temperature=tf.constant(temperature),
        seed=tf.constant(seed))
    return [r.decode() for r in out["reply"].numpy()], out["score"].numpy()


def stream(english, messages, top_p=0.0, temperature=1.0, seed=0):
    """Replies, summed `log_prob` and steps taken, from `encode` + `step`."""
    import tensorflow as tf

    _, loaded, restored = english
    tokenizer = restored.assets["tokenizer"]

    start = loaded.signatures["encode"](message=tf.constant(messages),
                                        seed=tf.constant(seed))
    carried = {name: start[name] for name in ("tokens", "index", "state")}
    texts, scores = [""] * len(messages), np.zeros(len(messages))
    length = start["tokens"].shape[1]
    for steps in range(1, length):
        out = loaded.signatures["step"](
            **carried, memory=start["memory"],
            memory_mask=start["memory_mask"], seed=start["seed"],
            top_p=tf.constant(top_p), temperature=tf.constant(temperature))
        texts = [t + s.decode() for t, s in zip(texts, out["text"].numpy())]
        scores += out["log_prob"].numpy()
        carried = {name: out[name] for name in ("tokens", "index", "state")}
        if np.isin(out["token"].numpy(),
                   [tokenizer.end_id, tokenizer.pad_id]).all():
            break  # every row has written `</s>`: only `<pad>` follows
    return texts, scores, steps


def test_greedy_stepping_reproduces_the_served_reply(english, english_run):
    import tensorflow as tf

    _, loaded, _ = english
    contexts = [context for context, _ in english_run.pairs]
    streamed, scores, steps = stream(english, contexts)
    assert streamed == [reply for _, reply in english_run.pairs]
    served = loaded.signatures["serving_default"](
        message=tf.constant(contexts))["reply"].numpy()
    assert streamed == [r.decode() for r in served]  # a beam of 4
    replies, generated = generate(loaded, MESSAGES)
    streamed, scores, steps = stream(english, MESSAGES)
    assert streamed == replies
    np.testing.assert_allclose(scores, generated, rtol=1e-4, atol=1e-5)
    assert steps < loaded.signatures["encode"](
        message=tf.constant(["Hello"]), seed=tf.constant(0))[
            "tokens"].shape[1] - 1  # stopped at `</s>`, not the buffer end


@pytest.mark.parametrize("top_p, temperature, seed", [
    (0.9, 2.0, 7), (1.0, 50.0, 1)])
def test_top_p_stepping_equals_generate_with_the_seed(
        english, top_p, temperature, seed):
    _, loaded, _ = english
    sampled = dict(top_p=top_p, temperature=temperature, seed=seed)
    replies, generated = generate(loaded, MESSAGES, **sampled)
    streamed, scores, _ = stream(english, MESSAGES, **sampled)
    assert streamed == replies
    np.testing.assert_allclose(scores, generated, rtol=1e-4, atol=1e-4)


def test_stream_shapes_are_readable_from_the_signatures(english):
    import tensorflow as tf

    _, loaded, restored = english
    shapes = export.stream_shapes(
        restored.model, restored.assets["tokenizer"], restored.train_config,
        export.DecodingConfig())
    assert shapes == {"length": 12 + 2, "state_size": 3 * 32,
                      "memory_depth": 2 * 16}
    _, inputs = loaded.signatures["step"].structured_input_signature
    assert inputs["tokens"].shape.as_list() == [None, shapes["length"]]
    assert inputs["state"].shape.as_list() == [None, shapes["state_size"]]
    assert inputs["memory"].shape.as_list() == [
        None, None, shapes["memory_depth"]]
    assert {name: spec.dtype.name for name, spec in inputs.items()} == {
        "tokens": "int32", "index": "int32", "state": "float32",
        "memory": "float32", "memory_mask": "bool", "seed": "int32",
        "top_p": "float32", "temperature": "float32"}
    start = loaded.signatures["encode"](
        message=tf.constant(["Hello", ""]), seed=tf.constant(0))
    assert start["memory"].shape[::2] == (2, shapes["memory_depth"])
    assert start["state"].shape == (2, shapes["state_size"])
    assert start["index"].numpy().tolist() == [1, 1]
    assert [e.decode() for e in start["error"].numpy()] == [
        "", export.EMPTY_ERROR]
    empty = loaded.signatures["encode"](message=tf.constant([], tf.string),
                                        seed=tf.constant(0))
    assert empty["state"].shape == (0, shapes["state_size"])


def test_bad_step_inputs_fail_with_invalid_argument(english):
    import tensorflow as tf

    _, loaded, restored = english
    start = loaded.signatures["encode"](
        message=tf.constant(["Hello", "Hi"]), seed=tf.constant(0))
    good = {name: start[name] for name in (
        "tokens", "index", "state", "memory", "memory_mask", "seed")}
    good.update(top_p=tf.constant(0.0), temperature=tf.constant(1.0))
    assert loaded.signatures["step"](**good)["token"].shape == (2,)
    vocabulary = restored.assets["tokenizer"].vocabulary_size
    tokens = start["tokens"].numpy()
    memory = start["memory"]
    bad = [
        ({"tokens": tf.constant(np.where(tokens == 0, vocabulary, tokens))},
         "`tokens` ids"),
        ({"tokens": tf.constant(-tokens)}, "`tokens` ids"),
        ({"index": tf.constant([0, 1])}, "`index` must be 1 to"),
        ({"index": tf.constant([1, tokens.shape[1]])}, "`index` must be"),
        ({"index": tf.constant([1])}, "`index` must be"),
        ({"state": start["state"][:1]}, "`state` must be"),
        ({"memory": memory[:1], "memory_mask": start["memory_mask"][:1]},
         "`memory` must have the batch"),
        ({"memory_mask": tf.ones([2, memory.shape[1] + 1], tf.bool)},
         "`memory_mask`"),
        ({"memory": tf.zeros([2, 17, memory.shape[2]]),
          "memory_mask": tf.ones([2, 17], tf.bool)}, "at most 16"),
        ({"seed": start["seed"][:1]}, "`seed` must be"),
        ({"top_p": tf.constant(1.5)}, "top_p"),
        ({"temperature": tf.constant(0.0)}, "temperature"),
    ]
    for change, message in bad:
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            loaded.signatures["step"](**{**good, **change})


def test_warmup_requests_call_every_signature(english):
    path, loaded, _ = english
    records = read_warmup_inputs(path / WARMUP_FILE)
    assert [str(r["__signature_name__"]) for r in records] == [
        "serving_default", "generate", "encode", "step"]
    for record in records:
        inputs = {k: v for k, v in record.items() if not k.startswith("__")}
        loaded.signatures[str(record["__signature_name__"])](**inputs)
