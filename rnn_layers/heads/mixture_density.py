"""Graves' mixture density output layer for pen strokes."""

import keras
from keras import ops

from rnn_layers.heads import mixture_density_math


@keras.saving.register_keras_serializable(package="rnn_layers")
class MixtureDensity(keras.layers.Layer):
    """Dense head emitting M bivariate Gaussians plus an end-of-stroke logit.

    Graves 2013, "Generating Sequences With Recurrent Neural Networks",
    section 4.1-4.2 (eq. 17-26). The layer is a dense projection to the
    `6M + 1` raw outputs laid out as documented in
    `rnn_layers.heads.mixture_density_math`; `loss()` is the negative
    log-likelihood of stroke-3 targets `(dx, dy, pen_up)` and `sample()`
    draws the next point with Graves' bias `b` (eq. 61-62).

    Args:
        num_components: positive int, `M`, the number of Gaussians.
        kernel_initializer: initializer for `kernel`. Defaults to
            `"glorot_uniform"`.
        bias_initializer: initializer for `bias`. Defaults to `"zeros"`.
        seed: optional int seeding `sample()`. Defaults to `None`.
        **kwargs: base `Layer` arguments.

    Call arguments:
        inputs: `(..., units)`, e.g. LSTM outputs `(batch, time, units)`.

    Returns:
        Raw mixture parameters `(..., 6M + 1)`.

    Example:

    >>> head = MixtureDensity(num_components=2)
    >>> params = head(np.ones((3, 4, 8), "float32"))
    >>> tuple(params.shape)
    (3, 4, 13)
    >>> targets = np.zeros((3, 4, 3), "float32")
    >>> float(head.loss(targets, params)) > -100
    True
    >>> tuple(head.sample(params[:, -1], bias=0.5).shape)
    (3, 3)
    """

    def __init__(
        self,
        num_components,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if (
            not isinstance(num_components, int)
            or isinstance(num_components, bool)
            or num_components < 1
        ):
            raise ValueError(
                f"Received `num_components={num_components!r}`; expected a "
                "positive integer."
            )
        self.num_components = num_components
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    @property
    def num_params(self):
        return mixture_density_math.num_mixture_params(self.num_components)

    def build(self, inputs_shape):
        self.kernel = self.add_weight(
            name="kernel",
            shape=(inputs_shape[-1], self.num_params),
            initializer=self.kernel_initializer,
        )
        self.bias = self.add_weight(
            name="bias",
            shape=(self.num_params,),
            initializer=self.bias_initializer,
        )
        self.built = True

    def call(self, inputs):
        return ops.matmul(inputs, self.kernel) + self.bias

    def compute_output_shape(self, inputs_shape):
        return tuple(inputs_shape[:-1]) + (self.num_params,)

    def loss(self, targets, params, mask=None):
        """Mean NLL of `(batch, time, 3)` targets over unmasked steps."""
        return mixture_density_math.mixture_density_loss(
            targets, params, self.num_components, mask=mask
        )

    def sample(self, params, bias=0.0, seed=None):
        """Draws `(batch, 3)` stroke-3 points from `(batch, 6M + 1)` params.

        Args:
            params: raw parameters of one step.
            bias: Graves' sampling bias `b >= 0`. Defaults to `0.0`.
            seed: int or `SeedGenerator`; the layer's own generator when
                `None`. Defaults to `None`.
        """
        return mixture_density_math.sample_mixture(
            params,
            self.num_components,
            bias=bias,
            seed=self.seed_generator if seed is None else seed,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_components": self.num_components,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
                "bias_initializer": keras.initializers.serialize(
                    self.bias_initializer
                ),
                "seed": self.seed,
            }
        )
        return config
