import keras
import numpy as np
import pytest

from rnn_layers import GRUCell
from rnn_layers import LSTMCell
from rnn_layers import PeepholeLSTMCell
from rnn_layers.samplers import BeamSampler
from rnn_layers.samplers import GreedySampler
from rnn_layers.samplers import folded_step_fn
from rnn_layers.samplers import recurrent_next

VOCABULARY, EMBEDDING, BATCH = 7, 4, 3


def _numpy(x):
    return keras.ops.convert_to_numpy(x)


def _decoder(cells, head_bias=True):
    """Builds embedding, cells and head; returns them with the unfused step."""
    keras.utils.set_random_seed(1)
    embedding = keras.layers.Embedding(
        VOCABULARY, EMBEDDING,
        embeddings_initializer=keras.initializers.RandomNormal(stddev=1.0))
    head = keras.layers.Dense(VOCABULARY, use_bias=head_bias)

    def step_fn(tokens, states):
        x, new_states, start = embedding(tokens), [], 0
        for cell in cells:
            size = len(cell.state_size)
            x, cell_states = cell(x, list(states[start:start + size]))
            new_states.extend(cell_states)
            start += size
        return head(x), tuple(new_states)

    states = _random_states(cells)
    step_fn(np.zeros((BATCH,), "int32"), states)  # builds every layer
    for cell in cells:  # non-zero biases, so their folding is checked
        if cell.use_bias:
            cell.bias.assign(np.random.default_rng(2).normal(
                size=cell.bias.shape).astype("float32"))
    return embedding, cells, head, step_fn


def _random_states(cells, batch=BATCH):
    rng = np.random.default_rng(3)
    return tuple(
        keras.ops.convert_to_tensor(
            rng.normal(size=(batch, size)).astype("float32"))
        for cell in cells for size in cell.state_size)


@pytest.mark.parametrize("cells", [
    lambda: [LSTMCell(5)],
    lambda: [LSTMCell(5), LSTMCell(6)],
    lambda: [LSTMCell(5, use_bias=False), GRUCell(4)],
    lambda: [GRUCell(5), GRUCell(4, reset_after=False)],
    lambda: [GRUCell(5, reset_after=False), LSTMCell(3)],
], ids=["lstm", "lstm2", "lstm_gru", "gru2", "gru_lstm"])
def test_matches_the_unfused_step(cells):
    cells = cells()
    embedding, cells, head, step_fn = _decoder(cells)
    folded = folded_step_fn(embedding, cells, head)
    tokens = np.array([0, 3, 6], "int32")
    states = _random_states(cells)
    for _ in range(3):  # feed the states back: errors would compound
        logits, new_states = step_fn(tokens, states)
        folded_logits, folded_states = folded(tokens, states)
        np.testing.assert_allclose(_numpy(folded_logits), _numpy(logits),
                                   atol=1e-5, rtol=1e-5)
        assert len(folded_states) == len(new_states)
        for got, want in zip(folded_states, new_states):
            np.testing.assert_allclose(_numpy(got), _numpy(want),
                                       atol=1e-5, rtol=1e-5)
        states = new_states
        tokens = np.argmax(_numpy(logits), axis=-1).astype("int32")


@pytest.mark.parametrize("sampler", [GreedySampler(), BeamSampler(2)],
                         ids=["greedy", "beam"])
def test_samplers_decode_the_same_tokens(sampler):
    embedding, cells, head, step_fn = _decoder([LSTMCell(6)], head_bias=False)
    folded = folded_step_fn(embedding, cells[0], head)
    prompt = np.array([[1] + [0] * 7, [5] + [0] * 7], "int32")
    cache = _random_states(cells, batch=2)
    want = sampler(recurrent_next(step_fn), prompt, cache)
    got = sampler(recurrent_next(folded), prompt, cache)
    assert _numpy(got).tolist() == _numpy(want).tolist()


def test_weights_are_read_when_built():
    embedding, cells, head, _ = _decoder([LSTMCell(5)])
    folded = folded_step_fn(embedding, cells, head)
    tokens = np.array([1, 2, 3], "int32")
    states = _random_states(cells)
    before = _numpy(folded(tokens, states)[0])
    head.kernel.assign(np.zeros(head.kernel.shape, "float32"))
    np.testing.assert_allclose(_numpy(folded(tokens, states)[0]), before)


def test_rejects_unsupported_cells():
    embedding, _, head, _ = _decoder([LSTMCell(5)])
    peephole = PeepholeLSTMCell(5)
    peephole.build((None, EMBEDDING))
    with pytest.raises(TypeError, match="PeepholeLSTMCell"):
        folded_step_fn(embedding, [peephole], head)
    zoned = LSTMCell(5, zoneout=0.1)
    zoned.build((None, EMBEDDING))
    with pytest.raises(ValueError, match="zoneout"):
        folded_step_fn(embedding, zoned, head)
    with pytest.raises(ValueError, match="unbuilt"):
        folded_step_fn(embedding, LSTMCell(5), head)
    with pytest.raises(ValueError, match="cells=\\[\\]"):
        folded_step_fn(embedding, [], head)
