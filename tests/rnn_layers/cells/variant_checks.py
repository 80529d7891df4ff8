"""Checks shared by the cell-variant and structure tests.

The cell checks build `rnn_layers.RNN` layers around a fresh cell, give them
random weights, and compare with `variant_references.run_sequence`: outputs
and final states, masks, `Bidirectional`, and gradients of a weighted sum of
the outputs with respect to the inputs and every weight (backend autodiff in
float32 against float64 central differences). Also: dropout only in
training, the fused path against stepping, and the `.keras` round trip of a
model holding any layer.
"""

import os
import tempfile

import keras
import numpy as np
from keras import ops

from rnn_layers import RNN
from tests.rnn_layers.cells.variant_references import run_sequence
from tests.test_case import assert_close

BATCH, TIME, FEATURES = 2, 5, 3


def random_inputs(shape=(BATCH, TIME, FEATURES), seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def randomize_weights(layer, seed=1, scale=0.5):
    """Sets every weight to N(0, scale^2); returns {name: float64 array}."""
    rng = np.random.default_rng(seed)
    values = {}
    for weight in layer.weights:
        value = rng.normal(scale=scale, size=weight.shape).astype("float32")
        weight.assign(value)
        values[weight.name] = value.astype("float64")
    return values


def zero_states(cell, batch):
    return [np.zeros((batch, size)) for size in cell.state_size]


def layer_gradients(layer, inputs, upstream):
    """d sum(layer(inputs) * upstream) / d (inputs, trainable weights)."""
    trainable = [v.value for v in layer.trainable_variables]
    non_trainable = [v.value for v in layer.non_trainable_variables]

    def loss_fn(weights, x):
        outputs, _ = layer.stateless_call(weights, non_trainable, x)
        return ops.sum(outputs * upstream)

    if keras.backend.backend() == "jax":
        import jax

        grad_w, grad_x = jax.grad(loss_fn, argnums=(0, 1))(trainable, inputs)
    elif keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        x = tf.convert_to_tensor(inputs)
        weights = [tf.convert_to_tensor(w) for w in trainable]
        with tf.GradientTape() as tape:
            tape.watch(x)
            tape.watch(weights)
            loss = loss_fn(weights, x)
        grad_x, grad_w = tape.gradient(loss, [x, weights])
    else:
        raise NotImplementedError(keras.backend.backend())
    return grad_x, list(grad_w)


def weight_gradients(layer, inputs, upstream):
    """d sum(layer(inputs) * upstream) / d trainable weights, inputs fixed.

    `inputs` may be a list (e.g. a tree's node inputs, children, levels).
    """
    trainable = [v.value for v in layer.trainable_variables]
    non_trainable = [v.value for v in layer.non_trainable_variables]

    def loss_fn(weights):
        outputs, _ = layer.stateless_call(weights, non_trainable, inputs)
        return ops.sum(outputs * upstream)

    if keras.backend.backend() == "jax":
        import jax

        return list(jax.grad(loss_fn)(trainable))
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        weights = [tf.convert_to_tensor(w) for w in trainable]
        with tf.GradientTape() as tape:
            tape.watch(weights)
            loss = loss_fn(weights)
        return list(tape.gradient(loss, weights))
    raise NotImplementedError(keras.backend.backend())


def finite_difference(fn, arrays, eps=1e-6):
    """Central differences of scalar `fn(*arrays)` w.r.t. every array."""
    grads = []
    for index, array in enumerate(arrays):
        grad = np.zeros_like(array)
        for position in np.ndindex(array.shape):
            args = [a.copy() for a in arrays]
            args[index][position] += eps
            up = fn(*args)
            args[index][position] -= 2 * eps
            down = fn(*args)
            grad[position] = (up - down) / (2 * eps)
        grads.append(grad)
    return grads


def check_outputs_and_states(make_cell, step, input_dim=FEATURES):
    x = random_inputs((BATCH, TIME, input_dim))
    layer = RNN(make_cell(), return_sequences=True, return_state=True)
    layer.build(x.shape)
    weights = randomize_weights(layer)
    outputs, *states = layer(x)
    expected, expected_states = run_sequence(
        step, weights, x.astype("float64"), zero_states(layer.cell, BATCH)
    )
    assert_close(outputs, expected, atol=1e-5, msg="outputs")
    assert_close(states, expected_states, atol=1e-5, msg="states")


def check_mask(make_cell, step, input_dim=FEATURES):
    x = random_inputs((BATCH, TIME, input_dim))
    mask = np.ones((BATCH, TIME), dtype=bool)
    mask[1, 3:] = False  # the second sequence is 3 steps long
    layer = RNN(make_cell(), return_sequences=True, return_state=True)
    layer.build(x.shape)
    weights = randomize_weights(layer)
    outputs, *states = layer(x, mask=mask)
    expected, expected_states = run_sequence(
        step, weights, x.astype("float64"), zero_states(layer.cell, BATCH),
        mask=mask,
    )
    assert_close(outputs[:, :3], expected[:, :3], atol=1e-5, msg="outputs")
    assert_close(states, expected_states, atol=1e-5, msg="states")
    # The padded sequence ends exactly where its 3-step version ends.
    _, short_states = run_sequence(
        step, weights, x[1:, :3].astype("float64"),
        zero_states(layer.cell, 1),
    )
    assert_close([s[1:] for s in states], short_states, atol=1e-5)


def check_bidirectional(make_cell, step, input_dim=FEATURES):
    x = random_inputs((BATCH, TIME, input_dim))
    layer = keras.layers.Bidirectional(
        RNN(make_cell(), return_sequences=True)
    )
    layer.build(x.shape)
    forward = randomize_weights(layer.forward_layer, seed=1)
    backward = randomize_weights(layer.backward_layer, seed=2)
    states = zero_states(layer.forward_layer.cell, BATCH)
    expected_forward, _ = run_sequence(step, forward, x.astype("float64"),
                                       states)
    expected_backward, _ = run_sequence(
        step, backward, x[:, ::-1].astype("float64"), states
    )
    expected = np.concatenate(
        [expected_forward, expected_backward[:, ::-1]], axis=-1
    )
    assert_close(layer(x), expected, atol=1e-5)


def check_gradients(make_cell, step, input_dim=FEATURES, time=4):
    x = random_inputs((BATCH, time, input_dim))
    layer = RNN(make_cell(), return_sequences=True)
    layer.build(x.shape)
    weights = randomize_weights(layer)
    names = [w.name for w in layer.trainable_weights]
    upstream = np.random.default_rng(3).normal(
        size=(BATCH, time, layer.cell.output_size)
    )
    grad_x, grad_w = layer_gradients(layer, x, upstream.astype("float32"))
    states = zero_states(layer.cell, BATCH)

    def loss(inputs, *arrays):
        values = {**weights, **dict(zip(names, arrays))}
        outputs, _ = run_sequence(step, values, inputs, states)
        return float(np.sum(outputs * upstream))

    expected = finite_difference(
        loss, [x.astype("float64")] + [weights[n] for n in names]
    )
    assert_close(grad_x, expected[0], atol=1e-5, msg="d/dinputs")
    for name, actual, wanted in zip(names, grad_w, expected[1:]):
        assert_close(actual, wanted, atol=1e-5, msg=f"d/d{name}")


def check_model_round_trip(layer, inputs):
    """A functional model holding `layer` survives config and `.keras`
    save/load with `safe_mode=True`, with the same outputs.

    Args:
        layer: the layer under test (unbuilt).
        inputs: list of numpy arrays, the layer's inputs (ints stay ints).
    """
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config
    model_inputs = [
        keras.Input(batch_shape=a.shape, dtype=str(a.dtype)) for a in inputs
    ]
    outputs = layer(model_inputs if len(inputs) > 1 else model_inputs[0])
    model = keras.Model(model_inputs, outputs)
    reference = model(inputs)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        reloaded = keras.saving.load_model(path, safe_mode=True)
    assert_close(reloaded(inputs), reference, atol=1e-6, msg="reload")


def check_dropout(cell_class, **cell_kwargs):
    """Dropout changes training outputs only: at inference the cell equals
    the same cell without dropout, in training it differs."""
    x = random_inputs()
    plain = RNN(cell_class(4, **cell_kwargs), return_sequences=True)
    dropped = RNN(
        cell_class(4, dropout=0.5, recurrent_dropout=0.5, seed=3,
                   **cell_kwargs),
        return_sequences=True,
    )
    plain.build(x.shape)
    dropped.build(x.shape)
    dropped.set_weights(plain.get_weights())
    assert_close(dropped(x, training=False), plain(x), atol=1e-6)
    trained = keras.ops.convert_to_numpy(dropped(x, training=True))
    assert np.all(np.isfinite(trained))
    assert not np.allclose(trained, keras.ops.convert_to_numpy(plain(x)))


def check_fused_matches_stepping(make_cell, go_backwards):
    """`RNN(fused=True)` (the cell's `fused_call`) gives the numbers of
    stepping the cell under autodiff: outputs, states, gradients, masks."""
    x = random_inputs()
    mask = np.ones((BATCH, TIME), dtype=bool)
    mask[1, 3:] = False
    layers = [
        RNN(make_cell(), return_sequences=True, return_state=True,
            go_backwards=go_backwards, fused=fused)
        for fused in (True, False)
    ]
    for layer in layers:
        layer.build(x.shape)
    # The fast path exists: no NotImplementedError, no silent fallback.
    layers[0].cell.fused_call(
        x, layers[0].get_initial_state(BATCH), mask=None, training=False,
        go_backwards=go_backwards,
    )
    randomize_weights(layers[0])
    layers[1].set_weights(layers[0].get_weights())
    fused, stepped = [layer(x, mask=mask) for layer in layers]
    assert_close(fused, stepped, atol=1e-5, msg="outputs and states")
    upstream = np.random.default_rng(3).normal(size=(BATCH, TIME, 4))
    sequence_only = [
        RNN(layer.cell, return_sequences=True, go_backwards=go_backwards,
            fused=layer.fused)
        for layer in layers
    ]
    for layer in sequence_only:
        layer.build(x.shape)
    fused_grads, stepped_grads = [
        layer_gradients(layer, x, upstream.astype("float32"))
        for layer in sequence_only
    ]
    assert_close(fused_grads, stepped_grads, atol=1e-5, msg="gradients")
