"""Matmuls with 16-bit operands and float32 results."""

import keras
from keras import ops


def mixed_matmul(a, b, matmul_dtype):
    """`a @ b` with operands cast to `matmul_dtype`, returned as float32.

    On CPUs with AVX512-BF16 (and on GPUs) a bfloat16 matmul runs about twice
    as fast as a float32 one; the recurrent states and gate arithmetic stay
    float32 around it.

    Args:
        a: left operand.
        b: right operand (already cast, ideally, since it is reused).
        matmul_dtype: `"float32"`, `"bfloat16"` or `"float16"`.

    Returns:
        float32 product.
    """
    return ops.cast(
        ops.matmul(ops.cast(a, matmul_dtype), ops.cast(b, matmul_dtype)),
        "float32",
    )


def recurrent_kernel_grad(h_init, h_seq, d_rec, recurrent_mask, matmul_dtype):
    """`dU = H_prev^T dA`: the recurrent kernel's gradient over all steps.

    One large matmul after the reverse loop (the cuDNN recipe) instead of a
    small one per step.

    Args:
        h_init: `(batch, units)`, the state before the first step.
        h_seq: `(time, batch, units)`, the states after each step.
        d_rec: `(time, batch, width)`, the gradients of each step's
            `h_{t-1} U` (`width` = gates * units).
        recurrent_mask: `(batch, units)` recurrent dropout mask applied to
            `h_{t-1}` before `U`, or `None`.
        matmul_dtype: operand dtype (`mixed_matmul`).

    Returns:
        float32 `(units, width)`.
    """
    h_prev_seq = ops.concatenate([h_init[None], h_seq[:-1]], axis=0)
    if recurrent_mask is not None:
        h_prev_seq = h_prev_seq * recurrent_mask
    units, width = ops.shape(h_seq)[-1], ops.shape(d_rec)[-1]
    return mixed_matmul(
        ops.transpose(ops.reshape(h_prev_seq, (-1, units))),
        ops.reshape(d_rec, (-1, width)),
        matmul_dtype,
    )


def loop_matmul_dtype(matmul_dtype):
    """Operand dtype of the per-step recurrent matmul inside a fused loop.

    On TensorFlow the loops run under XLA, whose CPU dot has no fast bfloat16
    kernel: there a float32 recurrent matmul in the compiled loop measured
    faster than bfloat16 matmuls in TensorFlow's own loop, so the loop stays
    float32 and only the large matmuls around it use `matmul_dtype`. Other
    backends (JAX on GPU) keep `matmul_dtype` in the loop too.

    Args:
        matmul_dtype: the layer's matmul operand dtype.

    Returns:
        The dtype for `h_{t-1} U` and `dA_t U^T`.
    """
    if keras.backend.backend() == "tensorflow":
        return "float32"
    return matmul_dtype
