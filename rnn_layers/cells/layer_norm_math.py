"""Layer normalization (Ba et al., 2016), split for a hand-written backward.

LN(x; γ, β) = x̂ ⊙ γ + β with x̂ = (x - μ) s, s = 1 / sqrt(σ² + ε), where μ
and σ² are the mean and the (biased) variance of x over its last axis, as
`keras.layers.LayerNormalization(axis=-1)` computes them. Its backward, from
the gradient g = dy ⊙ γ of x̂ (N features):

    dx = s (g - mean(g) - x̂ mean(g ⊙ x̂)),   dγ = Σ dy ⊙ x̂,   dβ = Σ dy.

The cells (`LayerNormLSTMCell`, `LayerNormGRUCell`) and their fused loops
(`rnn_layers/fused/layer_norm_*_recurrence.py`) share these functions, so the
normalization the loops differentiate is the one the cells compute. Pure
functions on `keras.ops`; this module imports nothing from the package.
"""

from keras import ops


def normalize(x, epsilon):
    """`(x̂, s)`: `x` normalized over its last axis, and `1 / sqrt(σ² + ε)`.

    Args:
        x: tensor `(..., features)`.
        epsilon: float added to the variance.

    Returns:
        `(x_hat, inv_std)`, shaped like `x` and `(..., 1)`.

    Example:

    >>> x_hat, inv_std = normalize(np.array([[1.0, 3.0]], "float32"), 0.0)
    >>> float(x_hat[0, 1]), float(inv_std[0, 0])  # mean 2, variance 1
    (1.0, 1.0)
    """
    mean = ops.mean(x, axis=-1, keepdims=True)
    variance = ops.mean(ops.square(x - mean), axis=-1, keepdims=True)
    inv_std = ops.rsqrt(variance + epsilon)
    return (x - mean) * inv_std, inv_std


def layer_norm(x, gamma, beta, epsilon):
    """Normalizes `x` over its last axis, then scales and shifts it.

    `gamma * (x - mean) / sqrt(var + epsilon) + beta` (Ba et al., 2016), the
    same computation as `keras.layers.LayerNormalization(axis=-1)`.

    Args:
        x: tensor `(..., features)`.
        gamma: scale, `(features,)`.
        beta: shift, `(features,)`.
        epsilon: float added to the variance.

    Returns:
        A tensor shaped like `x`.
    """
    x_hat, _ = normalize(x, epsilon)
    return x_hat * gamma + beta


def normalize_grad(d_x_hat, x_hat, inv_std):
    """The gradient of `x` from the gradient of `x̂ = normalize(x)[0]`.

    `s (g - mean(g) - x̂ mean(g ⊙ x̂))`, means over the last axis; for a
    layer norm pass `g = dy * gamma`.

    Args:
        d_x_hat: gradient of `x_hat`, `(..., features)`.
        x_hat: the normalized `x`, `(..., features)`.
        inv_std: `(..., 1)`, `1 / sqrt(σ² + ε)`.

    Returns:
        The gradient of `x`, shaped like it.
    """
    mean_grad = ops.mean(d_x_hat, axis=-1, keepdims=True)
    mean_projection = ops.mean(d_x_hat * x_hat, axis=-1, keepdims=True)
    return inv_std * (d_x_hat - mean_grad - x_hat * mean_projection)


def stacked_scale_shift(norm):
    """A norm's `(gamma, beta)` as one float32 `(2, features)` tensor.

    The fused loops take each norm's weights as one tensor and return
    `scale_shift_grads` for it.

    Args:
        norm: pair `(gamma, beta)`, each `(features,)`.

    Returns:
        float32 `(2, features)`, `[gamma, beta]`.
    """
    return ops.stack([ops.cast(w, "float32") for w in norm])


def scale_shift_grads(d_y, x_hat):
    """`[dγ, dβ]` of a layer norm: `Σ dy ⊙ x̂` and `Σ dy`.

    Args:
        d_y: gradient of the norm's output, `(..., features)`.
        x_hat: the normalized input, shaped like `d_y`.

    Returns:
        `(2, features)`, summed over every axis but the last.
    """
    axes = tuple(range(len(d_y.shape) - 1))
    return ops.stack(
        [ops.sum(d_y * x_hat, axis=axes), ops.sum(d_y, axis=axes)]
    )
