"""Graves' mixture density NLL as a Keras loss, with his output clipping."""

import keras
from keras import ops

from rnn_layers.heads import mixture_density_math
from rnn_layers.heads.losses import replica_count
from rnn_layers.heads.losses import sum_over_replicas


def clip_gradient(x, limit, scale=1.0):
    """Identity whose gradient is clipped elementwise to `[-limit, limit]`.

    The clip applies to `upstream * scale` and the result is divided by
    `scale` again, so a loss averaged over `scale` terms can be clipped in
    the units of one term: Graves (2013, section 4.3) clips the derivative
    of each step's loss with respect to the network outputs to
    `[-100, 100]`, whatever the reduction.

    Args:
        x: float tensor.
        limit: positive float.
        scale: float or scalar tensor by which the loss was divided (the
            number of averaged terms). Defaults to `1.0`.

    Returns:
        `x`, unchanged in the forward pass.
    """
    scale = ops.cast(ops.maximum(ops.convert_to_tensor(scale, x.dtype), 1e-12),
                     x.dtype)

    @ops.custom_gradient
    def identity(value, divisor):
        def grad(*upstream):
            (upstream,) = upstream
            clipped = ops.clip(upstream * divisor, -limit, limit) / divisor
            return clipped, ops.zeros_like(divisor)

        return value, grad

    return identity(x, scale)


@keras.saving.register_keras_serializable(package="rnn_layers")
class MixtureDensityLoss(keras.losses.Loss):
    """Negative log-likelihood of stroke-3 targets under `MixtureDensity`.

    Graves 2013, eq. 26: `-log sum_j pi_j N(x | mu_j, sigma_j, rho_j)` plus
    the Bernoulli pen term, per step, from the raw `6M + 1` outputs of
    `rnn_layers.MixtureDensity` (layout in `mixture_density_math`). Pass
    padded steps as a `(batch, time)` `sample_weight` of 0 (e.g.
    `model.fit(x, y, sample_weight=mask)`); the default reduction divides
    by the sum of the weights, giving the mean NLL per real point (of the
    global batch, under a `tf.distribute` strategy). (A Keras
    mask carried by `y_pred` is honoured only without
    `output_gradient_clip`; with it, mask through `sample_weight`.)

    With `output_gradient_clip`, the derivative of each step's NLL with
    respect to the network outputs is clipped to `[-clip, clip]` (Graves
    section 4.3 uses 100), independent of the reduction's averaging.

    Args:
        num_components: positive int, `M`.
        output_gradient_clip: optional positive float. Defaults to `None`
            (no clipping).
        reduction: one of Keras' loss reductions. Defaults to
            `"mean_with_sample_weight"`.
        name: str. Defaults to `"mixture_density_loss"`.
        dtype: loss dtype. Defaults to `None` (the float policy).

    Call arguments:
        y_true: `(batch, time, 3)` stroke-3 targets `(dx, dy, pen_up)`.
        y_pred: `(batch, time, 6M + 1)` raw mixture parameters.
        sample_weight: optional `(batch, time)` weights, 0 on padding.

    Returns:
        The reduced loss (a scalar unless `reduction="none"`).

    Example:

    >>> loss = MixtureDensityLoss(num_components=2)
    >>> params = np.zeros((2, 4, 13), "float32")
    >>> targets = np.zeros((2, 4, 3), "float32")
    >>> round(float(loss(targets, params)), 4)  # log(2 pi) + log(2)
    2.531
    """

    def __init__(
        self,
        num_components,
        output_gradient_clip=None,
        reduction="mean_with_sample_weight",
        name="mixture_density_loss",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if (
            not isinstance(num_components, int)
            or isinstance(num_components, bool)
            or num_components < 1
        ):
            raise ValueError(
                f"Received `num_components={num_components!r}`; expected a "
                "positive integer."
            )
        if output_gradient_clip is not None and not output_gradient_clip > 0:
            raise ValueError(
                f"Received `output_gradient_clip={output_gradient_clip!r}`; "
                "expected a positive float or `None`."
            )
        self.num_components = num_components
        self.output_gradient_clip = output_gradient_clip

    def call(self, y_true, y_pred):
        return mixture_density_math.mixture_density_nll(
            y_true, y_pred, self.num_components
        )  # (batch, time)

    def averaged_terms(self, y_pred, sample_weight=None):
        """How many step losses this replica's reduction averages over.

        `1` for sums; the summed `sample_weight` for
        `"mean_with_sample_weight"`, else the number of steps.
        """
        if self.reduction in ("sum", "none", None):
            return 1.0
        if self.reduction == "mean_with_sample_weight" and (
            sample_weight is not None
        ):
            return ops.sum(ops.cast(sample_weight, "float32"))
        shape = ops.shape(y_pred)[:-1]  # one loss per step
        return ops.cast(ops.prod(ops.convert_to_tensor(shape)), "float32")

    def __call__(self, y_true, y_pred, sample_weight=None):
        local_terms = self.averaged_terms(y_pred, sample_weight)
        terms = sum_over_replicas(local_terms)  # of the global batch
        if self.output_gradient_clip is not None:
            y_pred = ops.cast(y_pred, "float32")
            y_pred = clip_gradient(y_pred, self.output_gradient_clip, terms)
        loss = super().__call__(y_true, y_pred, sample_weight=sample_weight)
        if self.reduction in ("sum", "none", None) or replica_count() == 1:
            return loss
        # Keras divided this replica's sum by its own terms and by the
        # replica count; a mean over the global batch divides by all terms.
        return loss * (local_terms * replica_count()) / terms

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_components": self.num_components,
                "output_gradient_clip": self.output_gradient_clip,
            }
        )
        return config
