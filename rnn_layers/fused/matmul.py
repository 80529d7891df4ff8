"""Matmuls with 16-bit operands and float32 results."""

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
