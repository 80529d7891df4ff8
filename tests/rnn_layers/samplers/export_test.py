"""A recurrent decoder + sampler traced as one graph and exported."""

import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
from keras import ops

from rnn_layers import LSTMCell
from rnn_layers.samplers import BeamSampler
from rnn_layers.samplers import GreedySampler
from rnn_layers.samplers import RandomSampler
from rnn_layers.samplers import TopKSampler
from rnn_layers.samplers import recurrent_next

VOCAB, UNITS, END = 9, 8, 2


class Decoder(keras.layers.Layer):
    """Embedding -> LSTM cell -> Dense with a state-carrying step."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.embedding = keras.layers.Embedding(VOCAB, 4)
        self.cell = LSTMCell(UNITS)
        self.head = keras.layers.Dense(
            VOCAB, kernel_initializer=keras.initializers.RandomNormal(
                stddev=1.5, seed=3))
        self.step_fn(ops.zeros((1,), "int32"), self.initial_cache(1))
        self.built = True

    def step_fn(self, tokens, states):
        output, new_states = self.cell(self.embedding(tokens), list(states))
        return self.head(output), tuple(new_states)

    def initial_cache(self, batch):
        return (ops.zeros((batch, UNITS)), ops.zeros((batch, UNITS)))

    def generate(self, sampler, prompt, mask, seed=None, **filters):
        cache = self.initial_cache(ops.shape(prompt)[0])
        return sampler(recurrent_next(self.step_fn), prompt, cache,
                       mask=mask, end_token_id=END, seed=seed, **filters)


def _prompt(batch):
    prompt = np.zeros((batch, 10), "int32")
    prompt[:, 0] = 1
    prompt[0, 1:3] = [5, 6]
    return prompt, prompt > 0


def test_generation_traces_in_one_compiled_function():
    decoder = Decoder()
    prompt, mask = _prompt(3)
    greedy, top_k = GreedySampler(), TopKSampler(k=3)
    if keras.config.backend() == "tensorflow":
        import tensorflow as tf
        compile_fn = tf.function
    elif keras.config.backend() == "jax":
        import jax
        compile_fn = jax.jit
    else:
        pytest.skip("tracing is checked on tensorflow and jax")
    beam = BeamSampler(num_beams=2, length_penalty=0.6)
    compiled_beam = compile_fn(lambda p, m: decoder.generate(beam, p, m))
    np.testing.assert_array_equal(
        ops.convert_to_numpy(compiled_beam(prompt, mask)),
        ops.convert_to_numpy(decoder.generate(beam, prompt, mask)))
    compiled_greedy = compile_fn(lambda p, m: decoder.generate(greedy, p, m))
    compiled_top_k = compile_fn(
        lambda p, m, s: decoder.generate(top_k, p, m, s))
    np.testing.assert_array_equal(
        ops.convert_to_numpy(compiled_greedy(prompt, mask)),
        ops.convert_to_numpy(decoder.generate(greedy, prompt, mask)))
    seed = np.int32(7)
    np.testing.assert_array_equal(
        ops.convert_to_numpy(compiled_top_k(prompt, mask, seed)),
        ops.convert_to_numpy(decoder.generate(top_k, prompt, mask, 7)))
    # Per-call filters as traced scalars, one seed per row.
    random = RandomSampler()
    compiled_random = compile_fn(
        lambda p, m, s, t, k, q: decoder.generate(
            random, p, m, s, temperature=t, top_k=k, top_p=q))
    args = (np.arange(3, dtype="int32"), np.float32(1.3), np.int32(4),
            np.float32(0.9))
    np.testing.assert_array_equal(
        ops.convert_to_numpy(compiled_random(prompt, mask, *args)),
        ops.convert_to_numpy(decoder.generate(
            RandomSampler(temperature=1.3, top_k=4, top_p=0.9), prompt, mask,
            args[0])))


@pytest.mark.skipif(
    keras.config.backend() != "tensorflow",
    reason="SavedModel export needs KERAS_BACKEND=tensorflow",
)
def test_exported_generation_runs_in_a_fresh_tensorflow_process(tmp_path):
    import tensorflow as tf

    decoder = Decoder()
    greedy, top_k, beam = GreedySampler(), TopKSampler(k=3), BeamSampler(3)
    random = RandomSampler()
    tokens = tf.TensorSpec((None, None), tf.int32)
    flags = tf.TensorSpec((None, None), tf.bool)
    scalar = tf.TensorSpec((), tf.int32)
    archive = keras.export.ExportArchive()
    archive.track(decoder)
    archive.add_endpoint(
        "greedy", lambda p, m: decoder.generate(greedy, p, m), [tokens, flags])
    archive.add_endpoint(
        "beam", lambda p, m: decoder.generate(beam, p, m), [tokens, flags])
    archive.add_endpoint(
        "top_k", lambda p, m, s: decoder.generate(top_k, p, m, s),
        [tokens, flags, scalar])
    archive.add_endpoint(
        "sample", lambda p, m, s, t, k, q: decoder.generate(
            random, p, m, s, temperature=t, top_k=k, top_p=q),
        [tokens, flags, scalar, tf.TensorSpec((), tf.float32), scalar,
         tf.TensorSpec((), tf.float32)])
    path = str(tmp_path / "decoder")
    archive.write_out(path, verbose=False)

    expected = {}
    for batch in (3, 1):
        prompt, mask = _prompt(batch)
        expected[f"greedy{batch}"] = decoder.generate(greedy, prompt, mask)
        expected[f"beam{batch}"] = decoder.generate(beam, prompt, mask)
        expected[f"top_k{batch}"] = decoder.generate(top_k, prompt, mask, 7)
        expected[f"sample{batch}"] = decoder.generate(
            random, prompt, mask, 7, temperature=1.3, top_k=4, top_p=0.9)
    expected = {k: ops.convert_to_numpy(v).tolist()
                for k, v in expected.items()}

    script = textwrap.dedent(f"""
        import json, sys
        import numpy as np
        import tensorflow as tf
        already = set(sys.modules)  # `import tensorflow` may pull in keras
        model = tf.saved_model.load({path!r})
        out = {{}}
        for batch in (3, 1):
            prompt = np.zeros((batch, 10), "int32")
            prompt[:, 0] = 1
            prompt[0, 1:3] = [5, 6]
            mask = prompt > 0
            out[f"greedy{{batch}}"] = model.greedy(prompt, mask).numpy().tolist()
            out[f"beam{{batch}}"] = model.beam(prompt, mask).numpy().tolist()
            out[f"top_k{{batch}}"] = model.top_k(
                prompt, mask, tf.constant(7)).numpy().tolist()
            out[f"sample{{batch}}"] = model.sample(
                prompt, mask, tf.constant(7), tf.constant(1.3),
                tf.constant(4), tf.constant(0.9)).numpy().tolist()
        leaked = [m for m in ("keras", "rnn_layers")
                  if m in sys.modules and m not in already]
        print(json.dumps({{"out": out, "leaked": leaked}}))
    """)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True,
        env=env, cwd=str(tmp_path), timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["leaked"] == []
    assert answer["out"] == expected
