"""Counter-based Gumbel noise: a pure function of (seed, step, token id).

Sampling token `v` with probability `softmax(z)_v` is the same as taking
`argmax_v (z_v + g_v)` with `g_v` independent standard Gumbel noise, `g =
-log(-log(u))` for `u ~ U(0, 1)` (the Gumbel-max trick; Gumbel 1954, Maddison
et al. 2014, section 2). Here `u` comes from hashing the integers `(seed,
step, token id)`, so a row's draw depends on nothing else: not on the batch
size, its position in the batch or its neighbours, and not on the backend
(TensorFlow and JAX give the same bits, eagerly and in compiled graphs).

The hash is `triple32` (Chris Wellons, "Prospecting for Hash Functions",
2018: a bijection on 32-bit integers with exact bias 0.021) applied in
`uint32` arithmetic, where overflow wraps by definition.
"""

import numpy as np
from keras import ops

# triple32: x ^= x >> 17; x *= M1; x ^= x >> 11; x *= M2; x ^= x >> 15;
# x *= M3; x ^= x >> 14.
_TRIPLE32 = ((17, 0xED5AD4BB), (11, 0xAC4C1B51), (15, 0x31848BAB))
_LAST_SHIFT = 14
# Odd constants that keep seed 0, step 0 and token 0 away from the hash's
# fixed point 0 (the golden ratio and a MurmurHash3 constant).
_SEED_SALT = 0x9E3779B9
_TOKEN_SALT = 0x85EBCA6B
_MANTISSA_BITS = 23  # (k + 0.5) / 2**23 is exact in float32 for k < 2**23


def _uint32(value):
    return ops.convert_to_tensor(np.uint32(value))


def hash32(x):
    """Wellons' `triple32` hash of a `uint32` tensor, elementwise."""
    for shift, multiplier in _TRIPLE32:
        x = ops.multiply(ops.bitwise_xor(x, ops.right_shift(x, shift)),
                         _uint32(multiplier))
    return ops.bitwise_xor(x, ops.right_shift(x, _LAST_SHIFT))


def uniform_noise(seeds, step, vocabulary_size):
    """Uniform noise `u(seed, step, token)` strictly inside `(0, 1)`.

    Args:
        seeds: `uint32` tensor `(rows,)`, one seed per row (one row when the
            noise is shared by a whole batch).
        step: int, scalar int tensor, or int `(rows,)` (one position per
            row), the decoding position.
        vocabulary_size: int or scalar int tensor.

    Returns:
        float32 `(rows, vocabulary_size)`, multiples of `2**-23` offset by
        `2**-24`, so `log(u)` and `log(-log(u))` are finite.
    """
    step = ops.cast(step, "uint32")
    row_keys = hash32(ops.bitwise_xor(hash32(ops.bitwise_xor(
        seeds, _uint32(_SEED_SALT))), step))  # (rows,)
    tokens = ops.cast(ops.arange(vocabulary_size, dtype="int32"), "uint32")
    token_keys = hash32(ops.bitwise_xor(tokens, _uint32(_TOKEN_SALT)))
    bits = hash32(ops.bitwise_xor(row_keys[:, None], token_keys[None]))
    mantissa = ops.right_shift(bits, 32 - _MANTISSA_BITS)  # (rows, V)
    return (ops.cast(mantissa, "float32") + 0.5) * (2.0 ** -_MANTISSA_BITS)


def gumbel_noise(seeds, step, vocabulary_size):
    """Standard Gumbel noise `g = -log(-log(u))` for the Gumbel-max trick.

    `argmax(logits + gumbel_noise(...))` over the last axis draws one token
    per row from `softmax(logits)`; a row whose logits are `NEG_INF` on
    forbidden tokens never draws them. The noise is computed from `1 - u`
    (same distribution as `u`) with `log1p`, so it stays finite: entries lie
    in `[-log(24 log 2), log(2**24)]`, about `[-2.8, 16.6]`.

    Args:
        seeds: `uint32` tensor `(rows,)`, see `uniform_noise`.
        step: int, scalar int tensor, or int `(rows,)` (one position per
            row), the decoding position.
        vocabulary_size: int or scalar int tensor.

    Returns:
        float32 `(rows, vocabulary_size)`.

    Example:

    >>> seeds = keras.ops.convert_to_tensor(np.array([7], "uint32"))
    >>> noise = gumbel_noise(seeds, 3, 5)
    >>> tuple(noise.shape)
    (1, 5)
    """
    u = uniform_noise(seeds, step, vocabulary_size)
    # The exponential draw -log(1 - u) (distributed as -log(u)) through
    # log1p: accurate at both ends, where log(u) near u = 1 may round to 0
    # and turn the noise into +inf.
    return -ops.log(-ops.log1p(-u))


def prompt_keys(seeds, prompt, mask):
    """Row seeds keyed by each row's prompt: `hash(seed ^ hash(prompt))`.

    Rows with equal prompts (the same tokens at the same positions where
    `mask` is set) and equal seeds get equal keys, whatever the buffer's
    length or the row's neighbours; rows with different prompts get
    unrelated noise even when they share one seed.

    Args:
        seeds: `uint32` `(1,)` or `(batch,)`.
        prompt: int `(batch, max_length)` tokens.
        mask: bool `(batch, max_length)`, `True` on prompt tokens.

    Returns:
        `uint32` `(batch,)`.
    """
    positions = ops.cast(
        ops.arange(ops.shape(prompt)[1], dtype="int32"), "uint32")
    position_keys = hash32(ops.bitwise_xor(positions, _uint32(_TOKEN_SALT)))
    token_keys = hash32(ops.bitwise_xor(
        ops.cast(prompt, "uint32"), position_keys[None]))  # (batch, L)
    key = ops.sum(ops.where(mask, token_keys, _uint32(0)), axis=1)
    return hash32(ops.bitwise_xor(seeds, key))  # (batch,), wraps mod 2**32
