"""The layer-normalized fused loops against autodiff of the stepped cells.

Covers `rnn_layers/fused/layer_norm_lstm_recurrence.py` and
`layer_norm_gru_recurrence.py` through the cells' `fused_call`: outputs,
final states and the gradients of the inputs, the initial states and every
weight (kernels, bias, norm scales and shifts) equal those of
`RNN(cell, fused=False)`.
"""

import numpy as np
import pytest

from rnn_layers import RNN
from rnn_layers.cells.layer_norm_gru_cell import LayerNormGRUCell
from rnn_layers.cells.layer_norm_lstm_cell import LayerNormLSTMCell
from rnn_layers.layers.layer_norm_gru import LayerNormGRU
from rnn_layers.layers.layer_norm_lstm import LayerNormLSTM
from tests.rnn_layers.layers.keras_parity import MASKS
from tests.rnn_layers.parity import outputs_and_gradients
from tests.test_case import assert_close

SHAPE, UNITS = (3, 6, 4), 5
CELLS = {
    "lstm": (LayerNormLSTMCell, 2, 9),  # class, states, trainable weights
    "gru": (LayerNormGRUCell, 1, 7),
}


def _fused_and_stepped(cell_name, mask_name, go_backwards, jit, **cell_kwargs):
    """`(outputs, gradients)` of the fused and the stepped layer."""
    cell_class, num_states, num_weights = CELLS[cell_name]
    rng = np.random.default_rng(3)
    x = rng.normal(size=SHAPE).astype("float32")
    states = [
        rng.normal(size=(SHAPE[0], UNITS)).astype("float32")
        for _ in range(num_states)
    ]
    layers = [
        RNN(cell_class(UNITS, **cell_kwargs), return_sequences=True,
            return_state=True, go_backwards=go_backwards, fused=fused)
        for fused in (True, False)
    ]
    assert layers[0].fused_support() is None
    for layer in layers:
        layer.build(SHAPE)
    weights = [
        (0.5 * rng.normal(size=w.shape)).astype("float32")
        for w in layers[0].get_weights()
    ]
    results = []
    for layer in layers:
        layer.set_weights(weights)
        results.append(outputs_and_gradients(
            layer, x, mask=MASKS[mask_name], initial_state=states, jit=jit
        ))
    (_, fused_grads), (_, step_grads) = results
    if not cell_kwargs.get("use_bias", True):
        num_weights -= 1
    assert len(fused_grads) == len(step_grads) == 1 + num_states + num_weights
    return results


@pytest.mark.parametrize("cell_name", sorted(CELLS))
@pytest.mark.parametrize("mask_name", ["none", "mixed"])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("jit", [False, True])
def test_fused_loop_matches_stepping_with_gradients(cell_name, mask_name,
                                                    go_backwards, jit):
    (fused_out, fused_grads), (step_out, step_grads) = _fused_and_stepped(
        cell_name, mask_name, go_backwards, jit
    )
    assert_close(fused_out, step_out, atol=1e-5, msg="outputs/states")
    assert_close(fused_grads, step_grads, atol=1e-5, rtol=1e-5,
                 msg="gradients")


@pytest.mark.parametrize("cell_name", sorted(CELLS))
def test_fused_loop_matches_stepping_with_dropout(cell_name):
    # Training graph (`jit=True` trains): both layers draw the same masks
    # from the same seed, before their loops.
    (fused_out, fused_grads), (step_out, step_grads) = _fused_and_stepped(
        cell_name, "mixed", False, True, dropout=0.3, recurrent_dropout=0.4,
        seed=11, use_bias=False,
    )
    assert_close(fused_out, step_out, atol=1e-5, msg="outputs/states")
    assert_close(fused_grads, step_grads, atol=1e-5, rtol=1e-5,
                 msg="gradients")


@pytest.mark.parametrize("layer_class", [LayerNormLSTM, LayerNormGRU])
def test_layers_take_the_fused_loop_by_default(layer_class):
    assert layer_class(3).fused_support() is None
    reason = layer_class(3, activation="softplus").fused_support()
    assert "softplus" in reason
