"""Pure math of Graves' mixture density output (2013, section 4.1-4.2).

The network emits, per step, a vector `y_hat` of size `6M + 1` laid out as

```
[e_hat (1) | pi_hat (M) | mu1 (M) | mu2 (M) | sigma1_hat (M) |
 sigma2_hat (M) | rho_hat (M)]
```

for `M` bivariate Gaussians over the pen offset `(dx, dy)` plus a Bernoulli
end-of-stroke probability (eq. 17-22). Targets are stroke-3 points
`(dx, dy, pen_up)` with `pen_up` in {0, 1}. Sampling bias `b` (section 5.4,
eq. 61-62): `sigma = exp(sigma_hat - b)`, `pi = softmax(pi_hat (1 + b))`.

Every function uses `keras.ops` only, so it runs on any backend and on NumPy
inputs, and is tested against a NumPy reference.
"""

import math

import keras
from keras import ops

_LOG_2PI = math.log(2.0 * math.pi)


def num_mixture_params(num_components):
    """Size `6M + 1` of the parameter vector for `M` components."""
    return 6 * num_components + 1


def split_mixture_params(params, num_components):
    """Splits `(..., 6M + 1)` into the raw outputs of eq. 17.

    Args:
        params: float tensor `(..., 6M + 1)`.
        num_components: int, `M`.

    Returns:
        Tuple `(e_hat, pi_hat, mu1, mu2, sigma1_hat, sigma2_hat, rho_hat)`;
        `e_hat` is `(...,)`, the others `(..., M)`.
    """
    m = num_components
    e_hat = params[..., 0]  # (...,)
    rest = params[..., 1:]  # (..., 6M)
    pieces = [rest[..., i * m:(i + 1) * m] for i in range(6)]  # 6 x (..., M)
    return (e_hat, *pieces)


def mixture_coefficients(params, num_components, bias=0.0):
    """Maps raw outputs to distribution parameters (eq. 18-22, 61-62).

    Args:
        params: float tensor `(..., 6M + 1)`.
        num_components: int, `M`.
        bias: float or scalar tensor, Graves' sampling bias `b >= 0`; `0`
            for training. Defaults to `0.0`.

    Returns:
        Tuple `(e_logit, log_pi, mu1, mu2, sigma1, sigma2, rho)`: `e_logit`
        is the logit of the end-of-stroke probability (`e = sigmoid(e_logit)`;
        Graves writes `1 / (1 + exp(e_hat))`, the same up to the sign of the
        unconstrained output); `log_pi` the log mixture weights.
    """
    e_hat, pi_hat, mu1, mu2, s1_hat, s2_hat, rho_hat = split_mixture_params(
        params, num_components
    )
    log_pi = ops.log_softmax(pi_hat * (1.0 + bias), axis=-1)  # eq. 19, 62
    sigma1 = ops.exp(s1_hat - bias)  # eq. 21, 61
    sigma2 = ops.exp(s2_hat - bias)
    rho = ops.tanh(rho_hat)  # eq. 22
    return e_hat, log_pi, mu1, mu2, sigma1, sigma2, rho


def bivariate_normal_log_density(x1, x2, mu1, mu2, sigma1, sigma2, rho):
    """`log N(x | mu, sigma, rho)` of a bivariate Gaussian (eq. 24-25).

    Args:
        x1, x2: `(..., 1)` or broadcastable to the parameters.
        mu1, mu2, sigma1, sigma2, rho: `(..., M)`.

    Returns:
        `(..., M)` log densities.
    """
    z1 = (x1 - mu1) / sigma1
    z2 = (x2 - mu2) / sigma2
    one_minus_rho2 = ops.maximum(1.0 - ops.square(rho), 1e-6)
    z = ops.square(z1) + ops.square(z2) - 2.0 * rho * z1 * z2  # eq. 25
    return (
        -z / (2.0 * one_minus_rho2)
        - _LOG_2PI
        - ops.log(sigma1)
        - ops.log(sigma2)
        - 0.5 * ops.log(one_minus_rho2)
    )


def mixture_density_nll(targets, params, num_components):
    """Per-step negative log-likelihood of stroke-3 targets (eq. 26).

    `-log sum_j pi_j N(x | mu_j, sigma_j, rho_j)` via log-sum-exp, plus the
    Bernoulli term `-log e` if the pen lifts, `-log(1 - e)` otherwise, both
    from the logit so they stay finite.

    Args:
        targets: `(..., 3)` stroke-3 points `(dx, dy, pen_up)`.
        params: `(..., 6M + 1)` raw network outputs.
        num_components: int, `M`.

    Returns:
        `(...)` per-step losses.
    """
    params = ops.cast(params, "float32")
    targets = ops.cast(targets, "float32")
    e_logit, log_pi, mu1, mu2, sigma1, sigma2, rho = mixture_coefficients(
        params, num_components
    )
    x1 = targets[..., 0:1]  # (..., 1)
    x2 = targets[..., 1:2]
    pen = targets[..., 2]  # (...,)
    log_density = bivariate_normal_log_density(
        x1, x2, mu1, mu2, sigma1, sigma2, rho
    )  # (..., M)
    offset_nll = -ops.logsumexp(log_pi + log_density, axis=-1)
    # log(sigmoid(l)) = -softplus(-l); log(1 - sigmoid(l)) = -softplus(l).
    pen_nll = pen * ops.softplus(-e_logit) + (1.0 - pen) * ops.softplus(e_logit)
    return offset_nll + pen_nll


def mixture_density_loss(targets, params, num_components, mask=None):
    """Mean negative log-likelihood over unmasked steps.

    Args:
        targets: `(batch, time, 3)` stroke-3 points.
        params: `(batch, time, 6M + 1)` raw network outputs.
        num_components: int, `M`.
        mask: optional `(batch, time)`, nonzero on real steps. Defaults to
            `None` (all steps count).

    Returns:
        Scalar loss: sum of step losses over the number of real steps.
    """
    nll = mixture_density_nll(targets, params, num_components)
    if mask is None:
        return ops.mean(nll)
    mask = ops.cast(mask, nll.dtype)
    return ops.sum(nll * mask) / ops.maximum(ops.sum(mask), 1.0)


def sample_mixture(params, num_components, bias=0.0, seed=None):
    """Draws one stroke-3 point per row from the mixture (eq. 17-22).

    Args:
        params: `(batch, 6M + 1)` raw outputs of one step.
        num_components: int, `M`.
        bias: float or scalar tensor `b >= 0`; larger is tidier. Defaults to
            `0.0`.
        seed: int, `keras.random.SeedGenerator` or `None`. Defaults to
            `None`.

    Returns:
        `(batch, 3)` float tensor `(dx, dy, pen_up)`, `pen_up` in {0, 1}.
    """
    if not isinstance(seed, keras.random.SeedGenerator):
        seed = keras.random.SeedGenerator(seed)
    params = ops.cast(params, "float32")
    e_logit, log_pi, mu1, mu2, sigma1, sigma2, rho = mixture_coefficients(
        params, num_components, bias
    )
    component = keras.random.categorical(log_pi, 1, seed=seed)  # (batch, 1)

    def pick(x):  # (batch, M) -> (batch,)
        return ops.take_along_axis(x, component, axis=-1)[:, 0]

    mu1, mu2, sigma1, sigma2, rho = map(pick, (mu1, mu2, sigma1, sigma2, rho))
    batch = ops.shape(params)[0]
    z = keras.random.normal((batch, 2), seed=seed)  # (batch, 2)
    x1 = mu1 + sigma1 * z[:, 0]
    x2 = mu2 + sigma2 * (
        rho * z[:, 0] + ops.sqrt(1.0 - ops.square(rho)) * z[:, 1]
    )  # correlated second coordinate
    u = keras.random.uniform((batch,), seed=seed)
    pen = ops.cast(u < ops.sigmoid(e_logit), "float32")
    return ops.stack([x1, x2, pen], axis=-1)
