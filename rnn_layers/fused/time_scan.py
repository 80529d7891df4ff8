"""The loop over time used by the fused recurrences."""

import keras
from keras import ops
from keras import tree


def _tensorflow_scan(step, carry, sequences, reverse, compile_loop):
    # `keras.ops.scan` on TensorFlow requires the per-step outputs to match
    # the carry's structure; this loop has no such limit.
    import tensorflow as tf

    if compile_loop and tf.inside_function():
        compiled = tf.function(_tensorflow_loop, jit_compile=True)
        return compiled(step, carry, sequences, reverse)
    return _tensorflow_loop(step, carry, sequences, reverse)


def _tensorflow_loop(step, carry, sequences, reverse):
    import tensorflow as tf

    length = tf.shape(sequences[0])[0]
    inputs = [
        tf.TensorArray(x.dtype, size=length, element_shape=x.shape[1:])
        .unstack(x)
        for x in sequences
    ]
    probe_inputs = tuple(x[0] for x in sequences)
    _, probe_outputs = step(carry, probe_inputs)
    probe_flat = tree.flatten(probe_outputs)
    outputs = [
        tf.TensorArray(y.dtype, size=length, element_shape=y.shape)
        for y in probe_flat
    ]

    def body(time, carry, outputs):
        index = length - 1 - time if reverse else time
        new_carry, step_outputs = step(
            carry, tuple(x.read(index) for x in inputs)
        )
        outputs = [
            ta.write(index, y)
            for ta, y in zip(outputs, tree.flatten(step_outputs))
        ]
        return time + 1, new_carry, outputs

    _, carry, outputs = tf.while_loop(
        lambda time, *_: time < length,
        body,
        (tf.constant(0), carry, outputs),
    )
    stacked = [ta.stack() for ta in outputs]
    for y, probe in zip(stacked, probe_flat):
        y.set_shape(sequences[0].shape[:1].concatenate(probe.shape))
    return carry, tree.pack_sequence_as(probe_outputs, stacked)


def time_scan(step, carry, sequences, reverse=False, compile_loop=False):
    """Runs `step` over the leading (time) axis of `sequences`.

    On TensorFlow a `tf.while_loop` over TensorArrays, optionally compiled
    with XLA inside a graph; on other backends `keras.ops.scan` (`lax.scan`
    on JAX, compiled with the rest of the step).

    Args:
        step: callable `(carry, inputs_t) -> (new_carry, outputs_t)`, where
            `inputs_t` is the tuple of the `sequences` at one timestep.
        carry: tensor or tuple of tensors carried across timesteps.
        sequences: tuple of time-major tensors `(time, ...)`.
        reverse: whether to run from the last timestep to the first; the
            stacked outputs keep the time order of `sequences`. Defaults to
            `False`.
        compile_loop: whether to compile the TensorFlow loop with XLA when
            inside a graph. XLA fuses each step's elementwise ops and ran the
            small per-step matmuls ~1.4x faster on CPU than TensorFlow's
            executor (the large matmuls around the loops stay outside, where
            oneDNN is ~2x faster than XLA's CPU dot). Serving graphs must not
            hold XLA functions: TF Serving runs them only with
            `--xla_cpu_compilation_enabled`, and not at all on some builds.
            Defaults to `False`.

    Returns:
        `(final_carry, stacked_outputs)`, the outputs stacked on axis 0.
    """
    sequences = tuple(sequences)
    if keras.backend.backend() == "tensorflow":
        return _tensorflow_scan(
            step, carry, sequences, reverse, compile_loop
        )
    return ops.scan(step, carry, sequences, reverse=reverse)
