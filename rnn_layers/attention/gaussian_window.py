"""Graves' soft Gaussian window over a character sequence (2013, sec. 5)."""

import keras
from keras import ops

from rnn_layers.attention import attention_math


@keras.saving.register_keras_serializable(package="rnn_layers")
class GaussianWindow(keras.layers.Layer):
    """Soft window of K Gaussian components over a one-hot character string.

    Graves 2013, "Generating Sequences With Recurrent Neural Networks",
    eq. 46-51. From the step input `h_t` a dense layer gives
    `(alpha_hat, beta_hat, kappa_hat)`, each `(batch, K)`, and

    ```
    alpha = exp(alpha_hat)                        # importance, eq. 48
    beta = exp(beta_hat)                          # width, eq. 49
    kappa = kappa_{t-1} + kappa_scale * exp(kappa_hat)   # location, eq. 50
    phi(t, u) = sum_k alpha_k exp(-beta_k (kappa_k - u)^2)  # eq. 46
    w_t = sum_u phi(t, u) c_u                     # window vector, eq. 47
    ```

    Character positions are 0-based (`kappa = 0` is the first character).
    `phi` is returned for positions `0 .. U` (one past the longest string)
    so the caller can apply Graves' stopping rule with
    `attention_math.window_finished(phi, lengths)`.

    Args:
        num_components: positive int, K, the number of Gaussians.
        kappa_scale: positive float multiplying `exp(kappa_hat)`; values
            below 1 slow the initial advance of the window. Defaults to
            `1.0` (the paper).
        kernel_initializer: initializer for `kernel`. Defaults to
            `"glorot_uniform"`.
        bias_initializer: initializer for `bias`. Defaults to `"zeros"`.
        **kwargs: base `Layer` arguments.

    Call arguments:
        inputs: `(batch, units)`, e.g. the first LSTM layer's output `h_t`.
        characters: `(batch, U, vocabulary)` one-hot characters.
        kappa_tm1: `(batch, K)`, the previous locations (zeros at `t = 0`).
        character_mask: optional boolean `(batch, U)`, `True` on real
            characters. Defaults to `None` (all real).

    Returns:
        Tuple `(window, phi, kappa)`: `window` `(batch, vocabulary)`,
        `phi` `(batch, U + 1)` (unmasked) and `kappa` `(batch, K)`.

    Example:

    >>> window = GaussianWindow(num_components=3)
    >>> h = np.ones((2, 8), "float32")
    >>> chars = np.eye(5, dtype="float32")[np.array([[0, 1, 2, 3]] * 2)]
    >>> w, phi, kappa = window(h, chars, np.zeros((2, 3), "float32"))
    >>> tuple(w.shape), tuple(phi.shape), tuple(kappa.shape)
    ((2, 5), (2, 5), (2, 3))
    """

    def __init__(
        self,
        num_components,
        kappa_scale=1.0,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
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
        if not kappa_scale > 0:
            raise ValueError(
                f"Received `kappa_scale={kappa_scale!r}`; expected a positive "
                "float."
            )
        self.num_components = num_components
        self.kappa_scale = float(kappa_scale)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)

    def build(self, inputs_shape, characters_shape=None, kappa_tm1_shape=None):
        self.kernel = self.add_weight(
            name="kernel",
            shape=(inputs_shape[-1], 3 * self.num_components),
            initializer=self.kernel_initializer,
        )
        self.bias = self.add_weight(
            name="bias",
            shape=(3 * self.num_components,),
            initializer=self.bias_initializer,
        )
        self.built = True

    def get_initial_kappa(self, batch_size):
        """Zero locations `(batch_size, K)`: the window starts at `u = 0`."""
        return ops.zeros((batch_size, self.num_components), self.compute_dtype)

    def call(self, inputs, characters, kappa_tm1, character_mask=None):
        params = ops.matmul(inputs, self.kernel) + self.bias  # (batch, 3K)
        alpha_hat, beta_hat, kappa_hat = ops.split(params, 3, axis=-1)
        alpha = ops.exp(alpha_hat)  # (batch, K)
        beta = ops.exp(beta_hat)  # (batch, K)
        kappa = kappa_tm1 + self.kappa_scale * ops.exp(kappa_hat)  # (b, K)
        num_chars = ops.shape(characters)[1]
        phi = attention_math.gaussian_window_phi(
            alpha, beta, kappa, num_chars + 1
        )  # (batch, U + 1)
        phi_chars = phi[:, :-1]  # (batch, U)
        if character_mask is not None:
            phi_chars = phi_chars * ops.cast(character_mask, phi.dtype)
        characters = ops.cast(characters, phi.dtype)
        window = ops.einsum("bu,buv->bv", phi_chars, characters)
        return window, phi, kappa

    def compute_output_shape(
        self, inputs_shape, characters_shape, kappa_tm1_shape,
        character_mask_shape=None,
    ):
        batch, num_chars, vocabulary = characters_shape
        phi_len = None if num_chars is None else num_chars + 1
        return (
            (batch, vocabulary),
            (batch, phi_len),
            (batch, self.num_components),
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_components": self.num_components,
                "kappa_scale": self.kappa_scale,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
                "bias_initializer": keras.initializers.serialize(
                    self.bias_initializer
                ),
            }
        )
        return config
