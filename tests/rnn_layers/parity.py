"""Outputs and gradients of a recurrent layer on any backend (parity tests)."""

import keras
import numpy as np
from keras import ops


def _loss(outputs):
    # Weight each output differently so that every one of them matters.
    return sum(
        ops.sum(ops.square(out) * float(k + 1))
        for k, out in enumerate(keras.tree.flatten(outputs))
    )


def outputs_and_gradients(layer, inputs, mask=None, initial_state=None,
                          jit=False):
    """Runs `layer` and returns `(outputs, gradients)` as NumPy arrays.

    Gradients are of a weighted sum of squares of all outputs with respect
    to the inputs, the initial states (when given) and every trainable
    weight, in that order.

    Args:
        layer: a built recurrent layer.
        inputs: NumPy `(batch, time, features)`.
        mask: optional NumPy `(batch, time)` boolean mask.
        initial_state: optional list of NumPy initial states.
        jit: whether to compile the computation as a training graph
            (`training=True` inside `tf.function`, where the fused forward
            loop is XLA-compiled, or `jax.jit`). Defaults to `False`.

    Returns:
        `(outputs, gradients)`, lists of NumPy arrays.
    """
    state = list(initial_state or [])
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        def compute(x, init):
            with tf.GradientTape() as tape:
                tape.watch(x)
                tape.watch(init)
                outputs = layer(
                    x, mask=mask, initial_state=init or None, training=jit
                )
                loss = _loss(outputs)
            grads = tape.gradient(loss, [x] + init + layer.trainable_weights)
            return outputs, grads

        if jit:
            compute = tf.function(compute)
        outputs, grads = compute(
            tf.constant(inputs), [tf.constant(s) for s in state]
        )
    else:
        import jax

        trainable = [v.value for v in layer.trainable_variables]
        non_trainable = [v.value for v in layer.non_trainable_variables]

        def compute(x, init, weights):
            outputs, _ = layer.stateless_call(
                weights, non_trainable, x, mask=mask,
                initial_state=init or None, training=jit,
            )
            return _loss(outputs), outputs

        grad_fn = jax.value_and_grad(compute, argnums=(0, 1, 2), has_aux=True)
        if jit:
            grad_fn = jax.jit(grad_fn)
        (_, outputs), grads = grad_fn(inputs, state, trainable)
        grads = jax.tree_util.tree_leaves(grads)
    return (
        [np.asarray(o) for o in keras.tree.flatten(outputs)],
        [np.asarray(g) for g in grads],
    )

