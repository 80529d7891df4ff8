"""Tests for the `start` and `step` signatures of apps/language_model/export.py.

A client streams a completion by calling `start` once and then `step` per
token, carrying `token`, `state`, `index` and `seed`; this must spell out
`generate`'s completion with the same seed, token for token.
"""

import keras
import numpy as np
import pytest

from apps.language_model import export
from apps.language_model.sampling import stream_state_sizes

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="SavedModel export needs KERAS_BACKEND=tensorflow",
)

PROMPTS = ["the quick", "", "over the"]


@pytest.fixture(scope="module")
def served(restored, tmp_path_factory):
    """The loaded SavedModel of the tiny run's export."""
    import tensorflow as tf

    model_dir = tmp_path_factory.mktemp("saved") / "language_model"
    return tf.saved_model.load(str(export.export_restored(restored, model_dir)))


def _sampling(temperature, top_k, top_p):
    import tensorflow as tf

    return dict(temperature=tf.constant(temperature, tf.float32),
                top_k=tf.constant(top_k, tf.int32),
                top_p=tf.constant(top_p, tf.float32))


def _generate(served, prompts, max_new_tokens, seed, **sampling):
    import tensorflow as tf

    out = served.signatures["generate"](
        prompts=tf.constant(prompts), max_new_tokens=tf.constant(
            max_new_tokens), seed=tf.constant(seed), **_sampling(**sampling))
    return [t.decode() for t in out["completion"].numpy()]


def _stream(served, prompts, max_new_tokens, seed, **sampling):
    """Each prompt's completion from `start` and `step`, and the outputs."""
    import tensorflow as tf

    carried = served.signatures["start"](prompts=tf.constant(prompts),
                                         seed=tf.constant(seed))
    texts, steps = [""] * len(prompts), []
    for _ in range(max_new_tokens):
        out = served.signatures["step"](
            token=carried["token"], state=carried["state"],
            index=carried["index"], seed=carried["seed"],
            **_sampling(**sampling))
        texts = [t + s.decode() for t, s in zip(texts, out["text"].numpy())]
        steps.append(out)
        carried = dict(out, seed=carried["seed"])
    return texts, steps


@pytest.mark.parametrize("sampling", [
    dict(temperature=1.0, top_k=1, top_p=1.0),  # greedy
    dict(temperature=3.0, top_k=0, top_p=0.9),
    dict(temperature=2.0, top_k=4, top_p=1.0),
])
def test_stepping_from_start_equals_generate(served, sampling):
    streamed, _ = _stream(served, PROMPTS, 10, seed=7, **sampling)
    assert streamed == _generate(served, PROMPTS, 10, seed=7, **sampling)
    if sampling["top_k"] != 1:  # another seed, another stream
        assert _stream(served, PROMPTS, 10, seed=8, **sampling)[0] != (
            streamed)


def test_stepping_through_a_prompt_reaches_the_state_of_start(
        served, restored):
    import tensorflow as tf

    tokenizer = restored.assets["tokenizer"]
    prompt = "over the"
    empty = served.signatures["start"](prompts=tf.constant([""]),
                                       seed=tf.constant(0))
    token, state, index = empty["token"], empty["state"], empty["index"]
    assert token.numpy().tolist() == [tokenizer.start_id]
    assert not state.numpy().any() and index.numpy().tolist() == [1]
    for prompt_token in tokenizer.encode(prompt):
        out = served.signatures["step"](
            token=token, state=state, index=index, seed=empty["seed"],
            **_sampling(1.0, 1, 1.0))
        token = tf.constant([prompt_token], tf.int32)  # forced, not sampled
        state, index = out["state"], out["index"]
    started = served.signatures["start"](prompts=tf.constant([prompt]),
                                         seed=tf.constant(0))
    assert token.numpy().tolist() == started["token"].numpy().tolist()
    assert index.numpy().tolist() == started["index"].numpy().tolist()
    np.testing.assert_allclose(state.numpy(), started["state"].numpy(),
                               atol=1e-6)


def test_step_shapes_are_readable_from_the_signatures(served, restored):
    step = served.signatures["step"]
    state_size = sum(stream_state_sizes(restored.model))
    assert state_size == 2 * 48  # (h, c) of the tiny run's LSTM
    _, inputs = step.structured_input_signature
    assert inputs["state"].shape.as_list() == [None, state_size]
    assert {name: spec.dtype.name for name, spec in inputs.items()} == {
        "token": "int32", "state": "float32", "index": "int32",
        "seed": "int32", "temperature": "float32", "top_k": "int32",
        "top_p": "float32"}
    outputs = step.structured_outputs
    assert outputs["state"].shape.as_list() == [None, state_size]
    vocabulary = restored.assets["tokenizer"].vocabulary_size
    assert outputs["logits"].shape.as_list() == [None, vocabulary]
    _, streamed = _stream(served, PROMPTS, 1, seed=0, temperature=1.0,
                          top_k=0, top_p=1.0)
    out = streamed[0]
    assert out["token"].dtype.name == "int32" and out["text"].shape == (3,)
    assert out["logits"].shape == (3, vocabulary)


def test_bad_step_inputs_fail_with_invalid_argument(served, restored):
    import tensorflow as tf

    vocabulary = restored.assets["tokenizer"].vocabulary_size
    state_size = sum(stream_state_sizes(restored.model))
    good = dict(token=tf.constant([1, 2]), state=tf.zeros([2, state_size]),
                index=tf.constant([1, 1]), seed=tf.constant([0, 0]),
                **_sampling(1.0, 0, 1.0))
    assert served.signatures["step"](**good)["token"].shape == (2,)
    bad = [
        ({"token": tf.constant([1, vocabulary])}, "`token` ids"),
        ({"token": tf.constant([-1, 2])}, "`token` ids"),
        ({"state": tf.zeros([3, state_size])}, "`state` must be"),
        ({"index": tf.constant([1])}, "`index` must be"),
        ({"seed": tf.constant([0, 0, 0])}, "`seed` must be"),
        ({"temperature": tf.constant(0.0)}, "temperature"),
        ({"token": tf.ones([export.MAX_PROMPTS + 1], tf.int32),
          "state": tf.zeros([export.MAX_PROMPTS + 1, state_size]),
          "index": tf.ones([export.MAX_PROMPTS + 1], tf.int32),
          "seed": tf.ones([export.MAX_PROMPTS + 1], tf.int32)},
         "at most"),
    ]
    for change, message in bad:
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            served.signatures["step"](**{**good, **change})
    # A state of another width never reaches the graph in Python (the
    # signature's shape refuses it); under TF Serving the graph's own
    # check answers INVALID_ARGUMENT "`state` must be [batch, ...]".
    with pytest.raises((TypeError, ValueError, tf.errors.InvalidArgumentError)):
        served.signatures["step"](**{**good, "state": tf.zeros([2, 5])})
