import keras
import numpy as np
import pytest
from keras import ops

from rnn_layers import LSTMCell
from rnn_layers.attention import AttentionDecoder
from rnn_layers.attention import AttentionWrapper
from rnn_layers.attention import BahdanauAttention
from rnn_layers.attention import LuongAttention
from rnn_layers.samplers import BeamSampler
from rnn_layers.samplers import GreedySampler
from rnn_layers.samplers import RandomSampler

VOCAB, DEPTH, UNITS, TIME, START, END = 7, 4, 5, 5, 1, 2


def _numpy(x):
    return ops.convert_to_numpy(x)


def _memory(seed=0):
    """Row 1 has 3 valid positions; its padding holds large garbage."""
    rng = np.random.default_rng(seed)
    memory = rng.normal(size=(2, TIME, DEPTH)).astype("float32")
    mask = np.ones((2, TIME), bool)
    mask[1, 3:] = False
    memory[1, 3:] = 50.0
    return memory, mask


def _layers(attention=None, **wrapper_kwargs):
    wrapper = AttentionWrapper(
        LSTMCell(UNITS), attention or BahdanauAttention(3),
        memory_depth=DEPTH, attention_layer_size=4, **wrapper_kwargs)
    embedding = keras.layers.Embedding(
        VOCAB, 3, embeddings_initializer=keras.initializers.RandomNormal(
            stddev=1.0, seed=1))
    head = keras.layers.Dense(
        VOCAB, kernel_initializer=keras.initializers.RandomNormal(
            stddev=2.0, seed=2))
    memory, _ = _memory()
    output, _ = wrapper(embedding(np.zeros(2, "int32")),
                        wrapper.get_initial_state(2), constants=[memory])
    if wrapper.output_alignments:
        output, _ = wrapper.split_output(output)
    head(output)  # every layer built outside the decode loop
    return wrapper, embedding, head


def _decoder(sampler="greedy", max_length=6, **kwargs):
    return AttentionDecoder(*_layers(**kwargs), sampler=sampler,
                            start_token_id=START, end_token_id=END,
                            max_length=max_length)


def _python_greedy(decoder, memory, mask, states):
    """Reference: wrapper steps in a Python loop, argmax, end handling."""
    constants = decoder.wrapper.prepare_constants(memory, mask)
    tokens = np.full((memory.shape[0], decoder.max_length + 1), 0, "int32")
    tokens[:, 0] = START
    done = np.zeros(memory.shape[0], bool)
    for index in range(1, decoder.max_length + 1):
        logits, states = decoder.step(tokens[:, index - 1], states, constants)
        choice = np.argmax(_numpy(logits), -1)
        tokens[:, index] = np.where(done, 0, choice)
        done |= choice == END
    return tokens


def test_greedy_matches_a_python_loop():
    decoder = _decoder()
    memory, mask = _memory()
    tokens = _numpy(decoder(memory, mask))
    expected = _python_greedy(decoder, memory, mask,
                              decoder.wrapper.get_initial_state(2))
    assert tokens.tolist() == expected.tolist()


@pytest.mark.parametrize("attention", ["bahdanau", "luong"])
def test_padded_memory_positions_get_no_attention(attention):
    layer, samplers = BahdanauAttention(3), [BeamSampler(num_beams=3)]
    if attention == "luong":
        layer, samplers = LuongAttention("general"), [GreedySampler()]
    wrapper, embedding, head = _layers(attention=layer)
    memory, mask = _memory()
    for sampler in samplers:
        decoder = AttentionDecoder(wrapper, embedding, head, sampler=sampler,
                                   start_token_id=START, end_token_id=END,
                                   max_length=6)
        tokens, scores = decoder(memory, mask, return_scores=True)
        # Row 1 alone with its memory cut to the 3 valid positions.
        short, short_scores = decoder(memory[1:, :3], return_scores=True)
        assert _numpy(tokens)[1].tolist() == _numpy(short)[0].tolist()
        np.testing.assert_allclose(_numpy(scores)[1], _numpy(short_scores)[0],
                                   atol=1e-5)


def test_beams_expand_and_beat_greedy():
    wrapper, embedding, head = _layers()
    memory, mask = _memory(3)

    def decode(sampler):
        decoder = AttentionDecoder(wrapper, embedding, head, sampler=sampler,
                                   start_token_id=START, end_token_id=END,
                                   max_length=6)
        return [_numpy(x) for x in decoder(memory, mask, return_scores=True)]

    greedy, greedy_scores = decode(GreedySampler())
    one_beam, _ = decode(BeamSampler(num_beams=1))
    assert one_beam.tolist() == greedy.tolist()
    _, beam_scores = decode(BeamSampler(num_beams=4))
    assert np.all(beam_scores >= greedy_scores - 1e-5)


@pytest.mark.parametrize("sampler", ["greedy", "beam"])
def test_banned_tokens_are_never_generated(sampler):
    wrapper, embedding, head = _layers()
    memory, mask = _memory()
    kwargs = dict(start_token_id=START, max_length=6)  # no end: 6 tokens
    if sampler == "beam":
        sampler = BeamSampler(num_beams=3)
    free = _numpy(AttentionDecoder(wrapper, embedding, head,
                                   sampler=sampler, **kwargs)(memory, mask))
    counts = np.bincount(free[:, 1:].ravel(), minlength=VOCAB)
    banned = np.argsort(-counts)[:2].tolist()  # what it writes most
    assert counts[banned].sum() > 0
    tokens = _numpy(AttentionDecoder(
        wrapper, embedding, head, sampler=sampler, banned_token_ids=banned,
        **kwargs)(memory, mask))
    assert not np.isin(tokens[:, 1:], banned).any()
    with pytest.raises(ValueError, match="non-negative"):
        AttentionDecoder(wrapper, embedding, head, banned_token_ids=[-1])


def test_initial_state_takes_cell_states_or_all_states():
    decoder = _decoder()
    memory, mask = _memory()
    rng = np.random.default_rng(5)
    h, c = (rng.normal(size=(2, UNITS)).astype("float32") for _ in range(2))
    from_cell = _numpy(decoder(memory, mask, initial_state=[h, c]))
    full = [h, c, np.zeros((2, 4), "float32")]
    assert _numpy(decoder(memory, mask, initial_state=full)).tolist() == (
        from_cell.tolist())
    assert from_cell.tolist() == _python_greedy(
        decoder, memory, mask, full).tolist()
    with pytest.raises(ValueError, match="expected the cell's 2 states"):
        decoder(memory, mask, initial_state=[h])


def test_wrapper_that_outputs_alignments():
    decoder = _decoder(memory_length=TIME, output_alignments=True)
    memory, _ = _memory()
    tokens = _numpy(decoder(memory))  # an image grid: nothing masked
    assert tokens.shape == (2, 7) and np.all(tokens[:, 0] == START)
    expected = _python_greedy(decoder, memory, None,
                              decoder.wrapper.get_initial_state(2))
    assert tokens.tolist() == expected.tolist()


def test_traces_in_one_compiled_function():
    if keras.config.backend() == "tensorflow":
        import tensorflow as tf
        compile_fn = tf.function
    elif keras.config.backend() == "jax":
        import jax
        compile_fn = jax.jit
    else:
        pytest.skip("tracing is checked on tensorflow and jax")
    layers = _layers()
    memory, mask = _memory()
    for sampler in (GreedySampler(), BeamSampler(num_beams=2),
                    RandomSampler()):
        decoder = AttentionDecoder(*layers, sampler=sampler,
                                   start_token_id=START, end_token_id=END,
                                   max_length=6)
        compiled = compile_fn(
            lambda m, k, s, t: decoder(m, k, seed=s, top_p=t))
        np.testing.assert_array_equal(
            _numpy(compiled(memory, mask, np.int32(3), np.float32(0.8))),
            _numpy(decoder(memory, mask, seed=3, top_p=0.8)))


def test_errors_name_the_argument():
    wrapper, embedding, head = _layers()
    with pytest.raises(TypeError, match="AttentionWrapper"):
        AttentionDecoder(LSTMCell(3), embedding, head)
    with pytest.raises(ValueError, match="max_length=0"):
        AttentionDecoder(wrapper, embedding, head, max_length=0)
    unbuilt = AttentionDecoder(wrapper, embedding, keras.layers.Dense(VOCAB))
    with pytest.raises(ValueError, match="unbuilt `head`"):
        unbuilt(_memory()[0])
