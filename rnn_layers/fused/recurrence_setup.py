"""What every fused recurrence prepares before its loop, and its masked step.

Each loop (`simple_rnn_recurrence`, `lstm_recurrence`, `gru_recurrence`,
`peephole_lstm_recurrence`) needs the same things before it starts: its
activations with their output-form derivatives, a tensor copy of the
recurrent kernel (the custom gradient returns dU for it), the padding mask and
the recurrent dropout mask or ones in their place (a custom-gradient function
takes tensors only), and the operand dtype of the per-step matmul.
"""

import collections

from keras import ops

from rnn_layers.fused.activation_grads import activation_and_grad
from rnn_layers.fused.matmul import loop_matmul_dtype

RecurrenceSetup = collections.namedtuple(
    "RecurrenceSetup",
    [
        "activations",
        "units",
        "recurrent_kernel",
        "masked",
        "mask",
        "dropped",
        "recurrent_mask",
        "step_dtype",
    ],
)
RecurrenceSetup.__doc__ = """The inputs of a fused loop, ready for it.

Fields:
    activations: list of `(fn, grad_from_output)` pairs, one per activation
        passed to `recurrence_setup`, in that order.
    units: int, the width of the hidden state.
    recurrent_kernel: a tensor copy of `U`.
    masked: whether a padding mask was given.
    mask: the given mask, or float32 ones `(time, 1, 1)`.
    dropped: whether a recurrent dropout mask was given.
    recurrent_mask: the given mask, or float32 ones `(1, units)`.
    step_dtype: operand dtype of the matmuls inside the loop.
"""


def recurrence_setup(projected_inputs, h0, recurrent_kernel, mask,
                     recurrent_mask, matmul_dtype, activations):
    """Prepares the inputs every fused loop takes.

    Args:
        projected_inputs: float32 `(time, batch, gates * units)`.
        h0: float32 `(batch, units)`, the initial hidden state.
        recurrent_kernel: `(units, gates * units)`, `U`.
        mask: float32 padding mask or `None`.
        recurrent_mask: `(batch, units)` recurrent dropout mask or `None`.
        matmul_dtype: the layer's matmul operand dtype.
        activations: list of Keras activation functions of the loop.

    Returns:
        A `RecurrenceSetup`.

    Raises:
        ValueError: for an activation without an output-form derivative
            (see `activation_grads.py`).
    """
    units = ops.shape(h0)[-1]
    masked = mask is not None
    dropped = recurrent_mask is not None
    if not masked:
        mask = ops.ones((ops.shape(projected_inputs)[0], 1, 1), "float32")
    if not dropped:
        recurrent_mask = ops.ones((1, units), "float32")
    return RecurrenceSetup(
        activations=[activation_and_grad(fn) for fn in activations],
        units=units,
        recurrent_kernel=ops.copy(recurrent_kernel),
        masked=masked,
        mask=mask,
        dropped=dropped,
        recurrent_mask=recurrent_mask,
        step_dtype=loop_matmul_dtype(matmul_dtype),
    )


def masked_step(previous, new, mask_t):
    """`previous + m ⊙ (new - previous)`: a masked step keeps the state.

    Args:
        previous: the state before the step.
        new: the state the step computed.
        mask_t: the step's mask, 1 to take `new`, 0 to keep `previous`
            (fractional values mix them, as zoneout at inference does).

    Returns:
        The state after the step.
    """
    return previous + mask_t * (new - previous)
