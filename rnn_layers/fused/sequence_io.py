"""What every fused recurrence does before and after its loop.

The fused loops run time-major on float32 states. These helpers turn the
`(batch, time, ...)` tensors a Keras RNN layer holds into that form, and the
loop's hidden states back into the outputs `keras.layers.RNN` returns, with
the same masking rules: a masked step keeps the previous states, and its
output is the previous output. Before the first unmasked step Keras' own
backends differ: TensorFlow outputs zeros, JAX the initial hidden state; the
fused loops follow the backend they run on, so they match `keras.layers`
everywhere.
"""

import keras
from keras import ops

from rnn_layers.cells.layer_norm_math import layer_norm


def matmul_dtype_for(compute_dtype):
    """Matmul operand dtype for a layer's compute dtype (16-bit stays)."""
    if compute_dtype in ("bfloat16", "float16"):
        return compute_dtype
    return "float32"


def time_major_projection(sequences, kernel, bias, input_mask, go_backwards):
    """Input projection `x W + b` of all timesteps as one matmul.

    Args:
        sequences: `(batch, time, input_dim)` inputs.
        kernel: `(input_dim, gates * units)`.
        bias: `(gates * units,)` or `None`.
        input_mask: `(batch, input_dim)` dropout mask or `None`.
        go_backwards: whether to reverse the time axis.

    Returns:
        float32 `(time, batch, gates * units)`.
    """
    inputs = ops.transpose(sequences, (1, 0, 2))  # (time, batch, input_dim)
    if go_backwards:
        inputs = ops.flip(inputs, axis=0)
    if input_mask is not None:
        inputs = inputs * input_mask[None]
    projected = ops.matmul(inputs, kernel)  # (time, batch, gates * units)
    if bias is not None:
        projected = projected + bias
    return ops.cast(projected, "float32")


def normalized_projection(sequences, kernel, norm, bias, epsilon, input_mask,
                          go_backwards):
    """`LN(x W) + b` of all timesteps, for the layer-normalized cells.

    The input term of `LayerNormLSTMCell` and `LayerNormGRUCell` depends on
    no state, so its layer norm runs outside the loop, over all timesteps at
    once, differentiated by autodiff.

    Args:
        sequences: `(batch, time, input_dim)` inputs.
        kernel: `(input_dim, gates * units)`.
        norm: pair `(gamma, beta)` of the input norm, each
            `(gates * units,)`.
        bias: `(gates * units,)` or `None`, added after the norm.
        epsilon: float added to the variances.
        input_mask: `(batch, input_dim)` dropout mask or `None`.
        go_backwards: whether to reverse the time axis.

    Returns:
        float32 `(time, batch, gates * units)`.
    """
    projected = time_major_projection(
        sequences, kernel, None, input_mask, go_backwards
    )
    gamma, beta = (ops.cast(w, "float32") for w in norm)
    projected = layer_norm(projected, gamma, beta, epsilon)
    if bias is not None:
        projected = projected + ops.cast(bias, "float32")
    return projected


def time_major_mask(mask, go_backwards):
    """`(batch, time)` mask to float32 `(time, batch, 1)`, or `None`."""
    if mask is None:
        return None
    mask = ops.transpose(ops.cast(mask, "float32"), (1, 0))[:, :, None]
    if go_backwards:
        mask = ops.flip(mask, axis=0)
    return mask


def recurrent_dropout_mask(cell, training, batch_size):
    """The cell's float32 `(batch, units)` recurrent mask, or `None`."""
    if training and cell.recurrent_dropout > 0:
        mask = cell.get_recurrent_dropout_mask(
            ops.zeros((batch_size, cell.units))
        )
        return ops.cast(mask, "float32")
    return None


def sequence_outputs(hidden_sequence, mask, compute_dtype):
    """Keras' RNN outputs from the loop's time-major hidden states.

    Args:
        hidden_sequence: float32 `(time, batch, units)`, states carried
            through masked steps.
        mask: float32 `(time, batch, 1)` or `None`.
        compute_dtype: the layer's compute dtype.

    Returns:
        `(last_output, outputs)` with outputs `(batch, time, units)`.
    """
    if mask is not None and keras.backend.backend() == "tensorflow":
        # Outputs are zeros until the first unmasked step, then carried.
        seen = ops.cast(ops.cumsum(mask, axis=0) > 0, "float32")
        hidden_sequence = hidden_sequence * seen
    outputs = ops.cast(
        ops.transpose(hidden_sequence, (1, 0, 2)), compute_dtype
    )
    return outputs[:, -1], outputs
