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
