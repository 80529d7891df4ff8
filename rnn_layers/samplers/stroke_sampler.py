"""Continuous autoregressive sampling of pen strokes from a mixture density."""

import math

import keras
import numpy as np
from keras import ops

from rnn_layers.heads.mixture_density_math import mixture_coefficients
from rnn_layers.samplers.gumbel_noise import uniform_noise

# Uniform draws per step besides the component's Gumbel noise: two for the
# Box-Muller normals, one for the pen.
_EXTRA_UNIFORMS = 3


def sample_points(params, num_components, bias, uniforms):
    """Draws one stroke-3 point per row from given uniform noise.

    Graves 2013, eq. 17-22 with the sampling bias of eq. 61-62: the
    component by the Gumbel-max trick on `log pi`, the offset from the
    component's bivariate normal by Box-Muller, the pen from its Bernoulli.

    Args:
        params: float `(batch, 6M + 1)` raw `MixtureDensity` outputs.
        num_components: int, `M`.
        bias: float or scalar tensor, `b >= 0`.
        uniforms: float32 `(batch, M + 3)` noise strictly inside `(0, 1)`.

    Returns:
        float32 `(batch, 3)` points `(dx, dy, pen_up)`, `pen_up` in {0, 1}.
    """
    params = ops.cast(params, "float32")
    e_logit, log_pi, mu1, mu2, sigma1, sigma2, rho = mixture_coefficients(
        params, num_components, bias
    )
    m = num_components
    gumbel = -ops.log(-ops.log(uniforms[:, :m]))  # (batch, M)
    component = ops.argmax(log_pi + gumbel, axis=-1)[:, None]  # (batch, 1)

    def pick(x):  # (batch, M) -> (batch,)
        return ops.take_along_axis(x, component, axis=-1)[:, 0]

    mu1, mu2, sigma1, sigma2, rho = map(pick, (mu1, mu2, sigma1, sigma2, rho))
    radius = ops.sqrt(-2.0 * ops.log(uniforms[:, m]))  # Box-Muller
    angle = 2.0 * math.pi * uniforms[:, m + 1]
    z1, z2 = radius * ops.cos(angle), radius * ops.sin(angle)
    x1 = mu1 + sigma1 * z1
    x2 = mu2 + sigma2 * (rho * z1 + ops.sqrt(1.0 - ops.square(rho)) * z2)
    pen = ops.cast(uniforms[:, m + 2] < ops.sigmoid(e_logit), "float32")
    return ops.stack([x1, x2, pen], axis=-1)


def write_point(strokes, positions, index, point):
    """`strokes` with row `index` of each sequence set to `point (batch, 3)`."""
    here = (positions == index)[None, :, None]  # (1, max_length, 1)
    return ops.where(here, point[:, None, :], strokes)


@keras.saving.register_keras_serializable(package="rnn_layers")
class StrokeSampler:
    """Writes pen strokes one point at a time inside `keras.ops.while_loop`.

    The stroke counterpart of the token `Sampler`: the model is reached
    through one callable,

    ```
    next(strokes, cache, index) -> (params, done, cache)
    ```

    where `strokes` is the float `(batch, max_length, 3)` buffer of stroke-3
    points, `index` the row being written (a recurrent model reads
    `strokes[:, index - 1]` and carries its states in `cache`), `params` the
    `(batch, 6M + 1)` raw `MixtureDensity` outputs for that row and `done`
    a boolean `(batch,)` saying the row is complete (for the synthesis
    network, `attention_math.window_finished`: the window has passed the
    last character), or `None` when only the length bound stops.

    Rows marked in `mask` (priming strokes) are copied through while the
    model steps over them; the others are sampled with Graves' bias `b`
    (eq. 61-62: `sigma = exp(sigma_hat - b)`, `pi = softmax(pi_hat (1 +
    b))`; `b = 0` samples the trained distribution, larger `b` writes
    tidier). A row finishes at the first sampled position where `done` is
    true: that position and the rest are zeros. The loop ends when every
    row has finished or at `max_length`.

    Noise comes from `uniform_noise(seed, index, ...)`, a pure function of
    the row's seed and the position, so a row's strokes depend only on its
    own inputs and seed, never on the batch or the backend. The loop traces
    in `tf.function` and `jax.jit`, so it exports in a SavedModel graph;
    `bias` and `seed` may be tensors (signature inputs). Build the layers
    `next` uses before sampling: JAX cannot create variables inside the
    traced loop.

    Args:
        num_components: positive int, `M` of the mixture.
        bias: float `>= 0`, the default bias. Defaults to `0.0`.
        seed: optional non-negative int, the default seed. Defaults to
            `None` (a fresh seed per call, drawn from a
            `keras.random.SeedGenerator`; eager only on JAX).

    Call arguments:
        next: the step callable described above.
        strokes: float `(batch, max_length, 3)`: row 0 the start point
            (Graves uses `(0, 0, 1)`), then priming points, then anything.
        cache: the initial cache (a tuple of states), or `None`.
        index: int, the first row to write; at least 1. Defaults to `1`.
        mask: optional bool `(batch, max_length)`, `True` on priming rows.
            Defaults to `None` (only rows before `index`).
        bias: optional float or scalar tensor overriding the default.
        seed: optional int, scalar int tensor or int tensor `(batch,)`
            (one noise stream per row), overriding the default.
        return_cache: Python bool; also return the final cache (say, to
            read what `next` recorded in it). Defaults to `False`.

    Returns:
        `(strokes, lengths)`: float32 `(batch, max_length, 3)` with the
        sampled points, and int32 `(batch,)` the number of valid rows of
        each (start and priming rows included); with `return_cache=True`,
        `(strokes, lengths, cache)`.

    Example:

    >>> def next(strokes, cache, index):
    ...     params = keras.ops.zeros((2, 13))  # M = 2, unit Gaussians
    ...     return params, None, cache
    >>> start = np.zeros((2, 5, 3), "float32")
    >>> points, lengths = StrokeSampler(2, seed=0)(next, start)
    >>> tuple(points.shape), keras.ops.convert_to_numpy(lengths).tolist()
    ((2, 5, 3), [5, 5])
    """

    def __init__(self, num_components, bias=0.0, seed=None):
        if (not isinstance(num_components, int)
                or isinstance(num_components, bool) or num_components < 1):
            raise ValueError(
                f"Received `num_components={num_components!r}`; expected a "
                "positive integer."
            )
        if isinstance(bias, bool) or not (
            isinstance(bias, (int, float)) and bias >= 0
        ):
            raise ValueError(
                f"Received `bias={bias!r}`; expected a float >= 0."
            )
        if seed is not None and (
            not isinstance(seed, int) or isinstance(seed, bool) or seed < 0
        ):
            raise ValueError(
                f"Received `seed={seed!r}`; expected a non-negative integer "
                "or `None`."
            )
        self.num_components = num_components
        self.bias = float(bias)
        self.seed = seed
        # Made on the first call without a seed: a `SeedGenerator` holds a
        # variable, which a traced function may not create on every call.
        self.seed_generator = None

    def row_seeds(self, seed=None):
        """The `uint32` seeds of a call, `(1,)` (shared) or `(batch,)`."""
        seed = self.seed if seed is None else seed
        if seed is None:
            if self.seed_generator is None:
                self.seed_generator = keras.random.SeedGenerator()
            seed = keras.random.randint(
                (), 0, np.iinfo("int32").max, seed=self.seed_generator
            )
        if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
            return ops.convert_to_tensor(
                np.array([int(seed) % 2**32], "uint32")
            )
        seed = ops.convert_to_tensor(seed)
        if len(seed.shape) > 1:
            raise ValueError(
                f"Received `seed` of shape {tuple(seed.shape)}; expected an "
                "int, a scalar int tensor or one seed per row `(batch,)`."
            )
        return ops.cast(ops.reshape(seed, (-1,)), "uint32")

    def __call__(self, next, strokes, cache=None, index=1, mask=None,
                 bias=None, seed=None, return_cache=False):
        strokes = ops.cast(ops.convert_to_tensor(strokes), "float32")
        index = ops.cast(ops.convert_to_tensor(index), "int32")
        batch, max_length = ops.shape(strokes)[0], ops.shape(strokes)[1]
        positions = ops.arange(max_length, dtype="int32")
        forced = (positions < index)[None]  # (1, max_length)
        if mask is not None:
            forced = ops.logical_or(ops.cast(mask, "bool"), forced)
        forced = ops.broadcast_to(forced, (batch, max_length))
        bias = self.bias if bias is None else bias
        bias = ops.cast(ops.convert_to_tensor(bias), "float32")
        seeds = self.row_seeds(seed)
        finished = ops.zeros((batch,), dtype="bool")
        lengths = ops.full((batch,), max_length, dtype="int32")
        cache = () if cache is None else cache
        num_uniforms = self.num_components + _EXTRA_UNIFORMS

        def cond(strokes, cache, index, finished, lengths):
            return ops.logical_and(
                index < max_length, ops.logical_not(ops.all(finished))
            )

        def body(strokes, cache, index, finished, lengths):
            params, done, cache = next(strokes, cache, index)
            uniforms = uniform_noise(seeds, index, num_uniforms)
            point = sample_points(params, self.num_components, bias, uniforms)
            in_prompt = forced[:, index]  # (batch,)
            given = ops.take(strokes, index, axis=1)  # (batch, 3)
            point = ops.where(in_prompt[:, None], given, point)
            if done is not None:
                ends = ops.logical_and(
                    ops.cast(done, "bool"), ops.logical_not(in_prompt)
                )
                ends = ops.logical_and(ends, ops.logical_not(finished))
                lengths = ops.where(ends, index, lengths)
                finished = ops.logical_or(finished, ends)
            point = ops.where(finished[:, None], 0.0, point)
            strokes = write_point(strokes, positions, index, point)
            return strokes, cache, index + 1, finished, lengths

        strokes, cache, _, _, lengths = ops.while_loop(
            cond, body, (strokes, cache, index, finished, lengths)
        )
        # Rows after an early exit (all finished) are left as they came.
        valid = positions[None] < lengths[:, None]  # (batch, max_length)
        strokes = ops.where(valid[:, :, None], strokes, 0.0)
        if return_cache:
            return strokes, lengths, cache
        return strokes, lengths

    def get_config(self):
        return {
            "num_components": self.num_components,
            "bias": self.bias,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
