import os
import subprocess
import sys
import tempfile
import textwrap
import warnings

import keras
import numpy as np
import pytest
from keras import ops

import rnn_layers
from tests.rnn_layers.parity import outputs_and_gradients
from tests.test_case import assert_close
from tests.test_case import run_layer_test


@keras.saving.register_keras_serializable(package="rnn_layers_tests")
class NestedStateCell(keras.layers.Layer):
    """A cell with nested states and a constant: h += x W + mean(memory)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = [[units, units], units]
        self.output_size = units

    def build(self, input_shape, constants_shape=None):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units), name="kernel"
        )

    def call(self, inputs, states, constants=None):
        (a, b), c = states
        step = ops.matmul(inputs, self.kernel)
        if constants is not None:
            step = step + ops.mean(constants[0], axis=1)
        a = a + step
        b = b * 0.5 + a
        c = c + b
        return c, [[a, b], c]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@pytest.mark.parametrize(
    "cell_cls", [rnn_layers.LSTMCell, rnn_layers.GRUCell,
                 rnn_layers.SimpleRNNCell]
)
def test_fused_equals_generic(cell_cls):
    shape = (3, 6, 4)
    inputs = np.random.default_rng(0).normal(size=shape).astype("float32")
    mask = np.array(
        [[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1], [0, 1, 1, 0, 1, 1]], bool
    )
    fused = rnn_layers.RNN(cell_cls(5), return_sequences=True,
                           return_state=True)
    generic = rnn_layers.RNN(cell_cls(5), return_sequences=True,
                             return_state=True, fused=False)
    fused.build(shape)
    generic.build(shape)
    generic.set_weights(fused.get_weights())
    for jit in (False, True):
        expected = outputs_and_gradients(generic, inputs, mask, jit=jit)
        actual = outputs_and_gradients(fused, inputs, mask, jit=jit)
        assert_close(actual[0], expected[0], atol=1e-5)
        assert_close(actual[1], expected[1], atol=1e-5, rtol=1e-5)


def test_nested_states_and_constants():
    shape = (2, 4, 3)
    inputs = np.random.default_rng(1).normal(size=shape).astype("float32")
    memory = np.random.default_rng(2).normal(size=(2, 5, 2)).astype("float32")
    layer = rnn_layers.RNN(
        NestedStateCell(2), return_sequences=True, return_state=True
    )
    outputs, (a, b), c = layer(inputs, constants=[memory])
    # Reference: the same recurrence unrolled in NumPy.
    kernel = np.asarray(layer.cell.kernel)
    ra = np.zeros((2, 2), "float32")
    rb = np.zeros((2, 2), "float32")
    rc = np.zeros((2, 2), "float32")
    expected = []
    for t in range(4):
        ra = ra + inputs[:, t] @ kernel + memory.mean(axis=1)
        rb = rb * 0.5 + ra
        rc = rc + rb
        expected.append(rc)
    assert_close(outputs, np.stack(expected, axis=1), atol=1e-5)
    assert_close([a, b, c], [ra, rb, rc], atol=1e-5)


def test_constants_in_functional_model_and_reload():
    sequences = keras.Input((4, 3))
    memory = keras.Input((5, 2))
    outputs = rnn_layers.RNN(NestedStateCell(2))(sequences, constants=[memory])
    model = keras.Model([sequences, memory], outputs)
    data = [np.ones((2, 4, 3), "float32"), np.ones((2, 5, 2), "float32")]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        reloaded = keras.saving.load_model(path, safe_mode=True)
    assert_close(reloaded(data), model(data), atol=1e-6)


def test_unroll_matches_loop():
    shape = (2, 5, 3)
    inputs = np.random.default_rng(3).normal(size=shape).astype("float32")
    looped = rnn_layers.LSTM(4, return_sequences=True)
    unrolled = rnn_layers.LSTM(4, return_sequences=True, unroll=True)
    looped.build(shape)
    unrolled.build(shape)
    unrolled.set_weights(looped.get_weights())
    assert_close(unrolled(inputs), looped(inputs), atol=1e-5)


def test_zero_output_for_mask():
    inputs = np.ones((2, 4, 3), "float32")
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], bool)
    layer = rnn_layers.RNN(
        rnn_layers.GRUCell(2), return_sequences=True,
        zero_output_for_mask=True,
    )
    outputs = np.asarray(layer(inputs, mask=mask))
    assert np.all(outputs[0, 2:] == 0)
    assert np.all(outputs[0, :2] != 0)


def test_stacked_cells_with_dropout():
    layer = rnn_layers.RNN(
        [rnn_layers.LSTMCell(3, dropout=0.3), rnn_layers.GRUCell(2,
                                                                 dropout=0.3)],
        return_sequences=True,
    )
    inputs = np.ones((2, 4, 3), "float32")
    assert tuple(layer(inputs, training=True).shape) == (2, 4, 2)


def test_layer_contract_of_generic_rnn():
    run_layer_test(
        rnn_layers.RNN,
        {"cell": rnn_layers.LSTMCell(3), "return_state": True},
        input_shape=(2, 4, 5),
        expected_output_shape=[(2, 3), (2, 3), (2, 3)],
        expected_num_trainable_weights=3,
        run_training_step=False,
    )


def test_jit_compiled_training_step():
    inputs = keras.Input((6, 3))
    hidden = rnn_layers.LSTM(8, return_sequences=True)(inputs)
    hidden = rnn_layers.GRU(8)(hidden)
    model = keras.Model(inputs, keras.layers.Dense(1)(hidden))
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse",
                  jit_compile=True)
    rng = np.random.default_rng(4)
    x = rng.normal(size=(16, 6, 3)).astype("float32")
    y = x.sum(axis=(1, 2))[:, None]
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=40, batch_size=16, verbose=0)
    assert model.evaluate(x, y, verbose=0) < 0.5 * first


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="SavedModel export needs KERAS_BACKEND=tensorflow",
)
def test_export_loads_in_fresh_process_without_cudnn_or_xla():
    import tensorflow as tf

    inputs = keras.Input((5, 3))
    outputs = rnn_layers.LSTM(4)(inputs)
    model = keras.Model(inputs, outputs)
    data = np.random.default_rng(5).normal(size=(2, 5, 3)).astype("float32")
    expected = np.asarray(model(data))
    with tempfile.TemporaryDirectory() as tmp:
        archive = keras.export.ExportArchive()
        archive.track(model)
        archive.add_endpoint(
            "serve", model.call,
            input_signature=[keras.InputSpec(shape=(None, 5, 3),
                                             dtype="float32")],
        )
        archive.write_out(
            tmp,
            # Serving never differentiates; the fused backward loops are
            # XLA functions, which TF Serving runs only on request.
            options=tf.saved_model.SaveOptions(
                experimental_custom_gradients=False
            ),
            verbose=False,
        )
        np.save(os.path.join(tmp, "x.npy"), data)
        script = textwrap.dedent(
            """
            import sys, numpy as np, tensorflow as tf
            assert "rnn_layers" not in sys.modules
            model = tf.saved_model.load(sys.argv[1])
            x = np.load(sys.argv[1] + "/x.npy")
            print(repr(model.serve(x).numpy().tolist()))
            graph = model.serve.get_concrete_function(
                tf.TensorSpec((None, 5, 3), tf.float32)).graph.as_graph_def()
            ops = {n.op for n in graph.node}
            for f in graph.library.function:
                ops |= {n.op for n in f.node_def}
                # TF Serving runs XLA functions only when asked to.
                if f.attr["_XlaMustCompile"].b:
                    ops.add("XlaMustCompile:" + f.signature.name)
            print(sorted(op for op in ops if "Cudnn" in op or "Xla" in op))
            """
        )
        result = subprocess.run(
            [sys.executable, "-c", script, tmp], capture_output=True,
            text=True, check=True,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        )
    answer, device_specific_ops = result.stdout.strip().splitlines()[-2:]
    assert_close(np.array(eval(answer)), expected, atol=1e-5)
    assert device_specific_ops == "[]"


def test_fused_argument_is_checked():
    with pytest.raises(ValueError, match="Received `fused='yes'`; expected "
                       "one of 'auto', True, False."):
        rnn_layers.RNN(rnn_layers.LSTMCell(2), fused="yes")


@pytest.mark.parametrize("make_layer,reason", [
    (lambda fused: rnn_layers.RNN(rnn_layers.IndRNNCell(2), fused=fused),
     "IndRNNCell has no fused loop"),
    (lambda fused: rnn_layers.RNN(NestedStateCell(2), fused=fused),
     "NestedStateCell declares no fused loop (it has no `fused_support()` "
     "method)"),
    (lambda fused: rnn_layers.LSTM(2, unroll=True, fused=fused),
     "`unroll=True` unrolls the generic loop"),
], ids=["no-loop", "foreign-cell", "unroll"])
def test_fused_true_warns_when_it_cannot_apply(make_layer, reason):
    with pytest.warns(UserWarning) as record:
        layer = make_layer(True)
    assert len(record) == 1
    assert str(record[0].message) == (
        f"`{layer.name}` got `fused=True`, but {reason}, so it steps the "
        "cell instead. Pass `fused='auto'` to take the fused loop only "
        "where it applies, without this warning."
    )
    assert layer.fused_support() == reason
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert make_layer("auto").fused_support() == reason


def test_fused_written_to_config_only_when_set():
    cell = rnn_layers.LSTMCell(2)
    assert "fused" not in rnn_layers.RNN(cell).get_config()
    layer = rnn_layers.RNN(cell, fused=False)
    assert layer.get_config()["fused"] is False
    assert layer.fused_support() == "it was built with `fused=False`"
    assert rnn_layers.RNN.from_config(layer.get_config()).fused is False
