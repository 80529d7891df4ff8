"""Every built-in cell declares its fused support, and keeps its word.

A cell whose `fused_support()` returns `None` must really run its fused loop
inside `rnn_layers.RNN` (a spy on `fused_recurrence` sees the call) and give
the generic loop's outputs and gradients; any other configuration must say
why and step the cell.
"""

import warnings

import numpy as np
import pytest

import rnn_layers
from rnn_layers import cells
from rnn_layers.fused.activation_grads import FUSED_ACTIVATIONS
from tests.rnn_layers.parity import outputs_and_gradients
from tests.test_case import assert_close

SHAPE = (2, 5, 4)  # (batch, time, features)
UNITS = 3
MASK = np.array([[1, 1, 0, 1, 1], [0, 1, 1, 1, 0]], bool)
# Constructor arguments beyond `units` that some cells require.
REQUIRED_KWARGS = {"NARXCell": {"output_units": 2},
                   "OutputFeedbackRNNCell": {"output_units": 2}}
# Options that select another fused loop in the same cell class.
LOOP_VARIANTS = {"GRUCell": [{}, {"reset_after": False}]}
FUSED_CELLS = ("CIFGLSTMCell", "GRUCell", "LSTMCell", "LayerNormGRUCell",
               "LayerNormLSTMCell", "NoForgetGateLSTMCell",
               "PeepholeLSTMCell", "SimpleRNNCell")


def _cell_classes():
    return [getattr(cells, name) for name in cells.__all__
            if name != "RecurrentCell"]


def _make(cell_class, kwargs):
    return cell_class(
        UNITS, **REQUIRED_KWARGS.get(cell_class.__name__, {}), **kwargs
    )


def _fused_configurations():
    """Every built-in cell with each fused activation it claims to support.

    Each activation in `FUSED_ACTIVATIONS` goes into every activation
    argument of the cell at once (`activation` and, where the cell has one,
    `recurrent_activation`), or into `activation` alone when the cell's
    loop needs sigmoid gates; what the cell refuses is left out.
    """
    cases = []
    for cell_class in _cell_classes():
        for variant in LOOP_VARIANTS.get(cell_class.__name__, [{}]):
            config = _make(cell_class, variant).get_config()
            arguments = [name for name in ("activation",
                                           "recurrent_activation")
                         if name in config]
            for name in FUSED_ACTIVATIONS:
                for kwargs in ({**variant, **dict.fromkeys(arguments, name)},
                               {**variant, "activation": name}):
                    if _make(cell_class, kwargs).fused_support() is None:
                        cases.append(pytest.param(
                            cell_class, kwargs, id="-".join(
                                [cell_class.__name__]
                                + [f"{k}={v}" for k, v in kwargs.items()])))
                        break
    return cases


def _paired_layers(cell_class, kwargs, fused):
    layers = [
        rnn_layers.RNN(_make(cell_class, kwargs), return_sequences=True,
                       return_state=True, fused=mode)
        for mode in (fused, False)
    ]
    for layer in layers:
        layer.build(SHAPE)
    # Small weights: with linear gates the states grow like a polynomial of
    # the weights, and larger ones leave float32 rounding above 1e-5.
    rng = np.random.default_rng(0)
    weights = [(0.2 * rng.normal(size=w.shape)).astype("float32")
               for w in layers[0].get_weights()]
    for layer in layers:
        layer.set_weights(weights)
    return layers


def _spy(monkeypatch, cell_class):
    """Counts the calls of `cell_class.fused_recurrence`."""
    calls = []
    original = cell_class.fused_recurrence

    def spy(self, *args, **kwargs):
        calls.append(type(self).__name__)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cell_class, "fused_recurrence", spy)
    return calls


def test_declarations():
    claims = {cell_class.__name__: _make(cell_class, {}).fused_support()
              for cell_class in _cell_classes()}
    assert sorted(name for name, reason in claims.items()
                  if reason is None) == list(FUSED_CELLS)
    for name, reason in claims.items():
        if name not in FUSED_CELLS:
            assert reason == f"{name} has no fused loop"


@pytest.mark.parametrize("cell_class,kwargs", _fused_configurations())
def test_claimed_fused_path_runs_and_matches_generic(monkeypatch, cell_class,
                                                     kwargs):
    fused, generic = _paired_layers(cell_class, kwargs, fused=True)
    calls = _spy(monkeypatch, cell_class)
    inputs = np.random.default_rng(1).normal(size=SHAPE).astype("float32")
    expected = outputs_and_gradients(generic, inputs, MASK)
    assert calls == []
    actual = outputs_and_gradients(fused, inputs, MASK)
    assert calls == [cell_class.__name__]
    assert_close(actual[0], expected[0], atol=1e-5, msg="outputs/states")
    assert_close(actual[1], expected[1], atol=1e-5, rtol=1e-5,
                 msg="gradients")


@pytest.mark.parametrize("cell_class,kwargs,argument", [
    pytest.param(getattr(cells, name), {argument: value}, argument,
                 id=f"{name}-{argument}={value}")
    for name in FUSED_CELLS
    for argument, value in (
        [("activation", "softsign")]
        + ([("recurrent_activation", "hard_sigmoid")]
           if name != "SimpleRNNCell" else [])
    )
])
def test_unsupported_configuration_steps_the_cell(monkeypatch, cell_class,
                                                  kwargs, argument):
    reason = _make(cell_class, kwargs).fused_support()
    assert f"`{argument}=" in reason
    with pytest.warns(UserWarning, match="got `fused=True`, but .*"
                      f"`{argument}=.*so it steps the cell instead"):
        requested = rnn_layers.RNN(_make(cell_class, kwargs), fused=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        automatic = rnn_layers.RNN(_make(cell_class, kwargs))
    calls = _spy(monkeypatch, cell_class)
    inputs = np.random.default_rng(1).normal(size=SHAPE).astype("float32")
    requested(inputs, mask=MASK)
    automatic(inputs, mask=MASK)
    assert calls == []
