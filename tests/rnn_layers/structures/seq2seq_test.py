"""Tests of Seq2Seq: the encoder's final states start the decoder."""

import numpy as np
import pytest

from rnn_layers import GRUCell
from rnn_layers import LSTMCell
from rnn_layers.structures.seq2seq import Seq2Seq
from tests.rnn_layers.cells import variant_checks
from tests.rnn_layers.cells.variant_references import lstm_step
from tests.rnn_layers.cells.variant_references import run_sequence
from tests.test_case import assert_close

ENCODER_INPUTS = variant_checks.random_inputs((2, 5, 3), seed=0)
DECODER_INPUTS = variant_checks.random_inputs((2, 4, 2), seed=1)


def test_matches_reference():
    block = Seq2Seq(LSTMCell(4), LSTMCell(4))
    block.build([ENCODER_INPUTS.shape, DECODER_INPUTS.shape])
    enc = variant_checks.randomize_weights(block.encoder, seed=1)
    dec = variant_checks.randomize_weights(block.decoder, seed=2)
    zeros = [np.zeros((2, 4))] * 2
    _, states = run_sequence(lstm_step, enc, ENCODER_INPUTS.astype("float64"),
                             zeros)
    expected, _ = run_sequence(lstm_step, dec,
                               DECODER_INPUTS.astype("float64"), states)
    assert_close(block([ENCODER_INPUTS, DECODER_INPUTS]), expected, atol=1e-5)


def test_bidirectional_encoder_concatenates_states():
    block = Seq2Seq(LSTMCell(3), LSTMCell(6), bidirectional_encoder=True)
    block.build([ENCODER_INPUTS.shape, DECODER_INPUTS.shape])
    fw = variant_checks.randomize_weights(block.encoder.forward_layer, seed=1)
    bw = variant_checks.randomize_weights(block.encoder.backward_layer, seed=3)
    dec = variant_checks.randomize_weights(block.decoder, seed=2)
    x = ENCODER_INPUTS.astype("float64")
    zeros = [np.zeros((2, 3))] * 2
    _, (fh, fc) = run_sequence(lstm_step, fw, x, zeros)
    _, (bh, bc) = run_sequence(lstm_step, bw, x[:, ::-1], zeros)
    states = [np.concatenate([fh, bh], -1), np.concatenate([fc, bc], -1)]
    expected, _ = run_sequence(lstm_step, dec,
                               DECODER_INPUTS.astype("float64"), states)
    assert_close(block([ENCODER_INPUTS, DECODER_INPUTS]), expected, atol=1e-5)


def test_encoder_mask_ends_at_sequence_length():
    block = Seq2Seq(GRUCell(4), GRUCell(4))
    mask = np.ones((2, 5), bool)
    mask[1, 2:] = False
    padded = block([ENCODER_INPUTS, DECODER_INPUTS], mask=[mask, None])
    short = block([ENCODER_INPUTS[1:, :2], DECODER_INPUTS[1:]])
    assert_close(padded[1:], short, atol=1e-5)


def test_dense_bridge_and_round_trip():
    block = Seq2Seq(LSTMCell(4), LSTMCell(3), bridge="dense")
    assert block([ENCODER_INPUTS, DECODER_INPUTS]).shape == (2, 4, 3)
    assert len(block.trainable_weights) == 3 + 3 + 4
    variant_checks.check_model_round_trip(
        Seq2Seq(LSTMCell(4), LSTMCell(4), bidirectional_encoder=True,
                bridge="dense"),
        [ENCODER_INPUTS, DECODER_INPUTS],
    )


def test_rejects_mismatched_states():
    with pytest.raises(ValueError, match="bridge='dense'"):
        Seq2Seq(LSTMCell(4), LSTMCell(3))
    with pytest.raises(ValueError, match="same number of states"):
        Seq2Seq(LSTMCell(4), GRUCell(4), bridge="dense")
    with pytest.raises(ValueError, match="bridge='linear'"):
        Seq2Seq(LSTMCell(4), LSTMCell(4), bridge="linear")


def _attention_block(bidirectional=True):
    from rnn_layers import AttentionWrapper
    from rnn_layers import BahdanauAttention

    # Memory depth 4: a bidirectional LSTM(2) or an LSTM(4).
    wrapper = AttentionWrapper(LSTMCell(4), BahdanauAttention(3),
                               memory_depth=4)
    return Seq2Seq(LSTMCell(2 if bidirectional else 4), wrapper,
                   bidirectional_encoder=bidirectional)


def _source_mask():
    mask = np.ones((2, 5), bool)
    mask[1, 3:] = False
    return mask


def test_attention_decoder_reads_the_encoder_outputs():
    import keras

    block = _attention_block()
    mask = _source_mask()
    outputs = block([ENCODER_INPUTS, DECODER_INPUTS], mask=[mask, None])
    memory, states = block.encode(ENCODER_INPUTS, mask=mask)
    wrapper = block.decoder_cell
    step_states = list(states) + [keras.ops.zeros((2, 4))]
    expected = []
    for t in range(DECODER_INPUTS.shape[1]):
        output, step_states = wrapper(DECODER_INPUTS[:, t], step_states,
                                      constants=[memory, mask])
        expected.append(keras.ops.convert_to_numpy(output))
    assert_close(outputs, np.stack(expected, 1), atol=1e-5)
    # Row 1's padding is invisible: the same row cut to 3 source steps.
    short = block([ENCODER_INPUTS[1:, :3], DECODER_INPUTS[1:]])
    assert_close(outputs[1:], short, atol=1e-5)


def test_greedy_generation_agrees_with_teacher_forced_decode():
    import keras

    from rnn_layers import AttentionDecoder

    block = _attention_block()
    embedding = keras.layers.Embedding(6, 2)
    head = keras.layers.Dense(
        6, kernel_initializer=keras.initializers.RandomNormal(stddev=2.0))
    mask = _source_mask()
    targets = np.ones((2, 4), "int32")
    head(block([ENCODER_INPUTS, embedding(targets)], mask=[mask, None]))
    memory, states = block.encode(ENCODER_INPUTS, mask=mask)
    decoder = AttentionDecoder(block.decoder_cell, embedding, head,
                               start_token_id=1, max_length=5)
    tokens = keras.ops.convert_to_numpy(
        decoder(memory, mask, initial_state=states))
    outputs, _ = block.decode(embedding(tokens[:, :-1]), states,
                              constants=[memory, mask])
    choices = np.argmax(keras.ops.convert_to_numpy(head(outputs)), -1)
    assert choices.tolist() == tokens[:, 1:].tolist()


def test_attention_round_trip_and_errors():
    variant_checks.check_model_round_trip(
        _attention_block(bidirectional=False),
        [ENCODER_INPUTS, DECODER_INPUTS])
    block = _attention_block()
    block([ENCODER_INPUTS, DECODER_INPUTS])
    with pytest.raises(ValueError, match="constants=.encoder_outputs"):
        block.decode(DECODER_INPUTS, [np.zeros((2, 4))] * 2)
    plain = Seq2Seq(LSTMCell(4), LSTMCell(4))
    plain([ENCODER_INPUTS, DECODER_INPUTS])
    with pytest.raises(ValueError, match="attends to nothing"):
        plain.decode(DECODER_INPUTS, [np.zeros((2, 4))] * 2,
                     constants=[np.zeros((2, 5, 4))])
    from rnn_layers import AttentionWrapper
    from rnn_layers import LuongAttention

    with pytest.raises(ValueError, match="memory_depth=8"):
        Seq2Seq(LSTMCell(4), AttentionWrapper(LSTMCell(8), LuongAttention(),
                                              memory_depth=5),
                bidirectional_encoder=True, bridge="dense")
