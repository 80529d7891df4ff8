"""Keras' own recurrent-layer tests, run against `rnn_layers`' classes.

The test files ship in the installed Keras wheel, beside the layers they test
(`keras/src/layers/rnn/lstm_test.py`, `gru_test.py`, ...). `keras_test_case`
loads one of them at test time as a private copy of the module (named under
this module, so Keras' own module stays untouched), points that copy's
`layers` name at `keras.src.layers` with only the classes under test replaced
by ours, and returns a subclass of its `TestCase` for pytest to collect; the
subclass registers the helper layers the file defines (which Keras finds by
module path in its own run) as custom objects for the length of each test.
Nothing of Keras' tests is copied into this repository, so they follow
whichever Keras is installed.

Tests that exercise what `rnn_layers` deliberately does differently are
skipped, each with its reason, in `SKIPS` and nowhere else.
"""

import importlib.util
import os
import sys
import types
import unittest
from unittest import mock

import keras
import keras.src.layers
import keras.src.layers.rnn

KERAS_RNN_TESTS = os.path.dirname(keras.src.layers.rnn.__file__)

# (test file, test method) -> why it does not apply to rnn_layers.
SKIPS = {
    ("bidirectional_test", "test_fused_lstm_eligibility"): (
        "asserts that keras.layers.Bidirectional dispatches a keras.layers."
        "LSTM pair to the backend's fused cuDNN kernel "
        "(`_can_attempt_fused_lstm` accepts only keras.layers.LSTM "
        "instances); rnn_layers.LSTM runs its own fused loop in each "
        "direction instead, which test_fused_lstm_matches_unfused covers"
    ),
    ("bidirectional_test", "test_fused_gru_eligibility"): (
        "asserts that keras.layers.Bidirectional dispatches a keras.layers."
        "GRU pair to the backend's fused cuDNN kernel "
        "(`_can_attempt_fused_gru` accepts only keras.layers.GRU "
        "instances); rnn_layers.GRU runs its own fused loop in each "
        "direction instead, which test_fused_gru_matches_unfused covers"
    ),
}


class _SwappedLayers(types.ModuleType):
    """`keras.src.layers`, except for the swapped-in classes."""

    def __init__(self, swaps):
        super().__init__("keras.src.layers")
        self.__dict__.update(swaps)

    def __getattr__(self, name):
        return getattr(keras.src.layers, name)


def _load(test_file):
    name = f"{__name__}.{test_file}"
    if name not in sys.modules:
        path = os.path.join(KERAS_RNN_TESTS, f"{test_file}.py")
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def keras_test_case(test_file, class_name, swaps):
    """Keras' `class_name` test case from `test_file`, run on our classes.

    Args:
        test_file: module name of the Keras test file, e.g. `"lstm_test"`.
        class_name: the `TestCase` class in it, e.g. `"LSTMTest"`.
        swaps: dict from a `keras.layers` name the tests use (`"LSTM"`) to
            the class that replaces it.

    Returns:
        A subclass of that test case, with the tests listed in `SKIPS`
        skipped, for a test module to bind to a name pytest collects.
    """
    module = _load(test_file)
    module.layers = _SwappedLayers(swaps)
    base = getattr(module, class_name)
    helper_layers = {
        name: value for name, value in vars(module).items()
        if isinstance(value, type)
        and issubclass(value, keras.layers.Layer)
        and value.__module__ == module.__name__
    }

    def set_up(self):
        base.setUp(self)
        self.enterContext(
            mock.patch.dict(keras.saving.get_custom_objects(), helper_layers)
        )

    body = {"setUp": set_up}
    for (file, method), reason in SKIPS.items():
        if file == test_file and hasattr(base, method):
            body[method] = unittest.skip(reason)(getattr(base, method))
    return types.new_class(
        f"Keras{class_name}", (base,),
        exec_body=lambda namespace: namespace.update(body),
    )
