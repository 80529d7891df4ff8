"""Base class of the token samplers: the decode loop lives here."""

import numbers

import keras
import numpy as np
from keras import ops

from rnn_layers.samplers import sampler_math
from rnn_layers.samplers.gumbel_noise import gumbel_noise
from rnn_layers.samplers.gumbel_noise import prompt_keys


def _check_positive_int(name, value, allow_zero=False):
    low = 0 if allow_zero else 1
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(
            f"Received `{name}={value!r}`; expected a {kind} integer."
        )


def _is_number(value):
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def write_token(tokens, positions, index, token):
    """`tokens` with column `index` set to `token`.

    A select against `positions == index` (`positions` the int32
    `(max_length,)` range): in a TensorFlow graph this is one `SelectV2`,
    cheaper per step than `slice_update` (an `XlaDynamicUpdateSlice` run
    outside XLA).

    Args:
        tokens: int `(batch, max_length)`.
        positions: int32 `(max_length,)`, `arange(max_length)`.
        index: scalar int32 tensor.
        token: int32 `(batch,)`.
    """
    return ops.where((positions == index)[None], token[:, None], tokens)


def picked_log_probs(log_probs, token):
    """`log_probs[r, token[r]]` per row: `(batch, V), (batch,) -> (batch,)`."""
    return ops.take_along_axis(log_probs, token[:, None], axis=-1)[:, 0]


@keras.saving.register_keras_serializable(package="rnn_layers")
class Sampler:
    """Generates tokens one step at a time inside `keras.ops.while_loop`.

    The KerasHub split: this base class owns the loop (prompt forcing, end
    tokens, temperature, top-k/top-p filtering, n-gram blocking, seeds,
    scores) and subclasses only implement `get_next_token(logits, noise)`.
    The model is reached through one callable, so samplers never import a
    model:

    ```
    next(prompt, cache, index) -> (logits, hidden_states, cache)
    ```

    `prompt` is the int `(batch, max_length)` buffer of non-negative
    token ids, `index` the position being written (a scalar int tensor)
    and `logits` `(batch, vocabulary)` score the token at `index`. A
    recurrent decoder reads only `prompt[:, index - 1]` and carries its
    recurrent states in `cache` (a tuple of `(batch, units)` tensors), so
    each token costs one cell step; `rnn_layers.samplers.recurrent_next`
    builds such a `next` from a `step_fn(tokens, states) -> (logits,
    states)`.

    Prompts of different lengths share one buffer: `mask` marks prompt
    tokens, which are copied through (the model still steps over them)
    while the other positions are sampled. Generation stops at
    `max_length` or when every row has produced `end_token_id`; positions
    after a row's end token are set to `pad_token_id`.

    Each step divides the logits by `temperature` (in float32); a
    stochastic sampler then keeps the `top_k` / `top_p` tokens
    (`sampler_math.filter_logits`: `top_k <= 0` and `top_p >= 1` disable
    them, the most probable token always stays) and draws with the
    Gumbel-max trick, `argmax(logits + g)`, where the noise `g =
    gumbel_noise(seed, index, token id)` depends on nothing else (the same
    bits on every backend), where a row's seed is keyed by its own prompt
    (`gumbel_noise.prompt_keys`). So a row's tokens depend only on its own
    prompt, logits and seed: identical prompts in one batch get identical
    continuations, different prompts draw unrelated noise from one shared
    seed, and neither the batch size nor the neighbours change an answer.
    For different samples of one prompt, give each row its own seed
    (`seed` of shape `(batch,)`).

    The whole loop traces in `tf.function` and `jax.jit`, so it exports in
    one SavedModel graph; `seed`, `temperature`, `top_k` and `top_p` may be
    scalar tensors (signature inputs). Build the layers `next` uses before
    decoding (call them once): JAX cannot create variables inside the
    traced loop.

    Args:
        temperature: positive float dividing the logits before the softmax
            (computed in float32). Defaults to `1.0`.
        no_repeat_ngram_size: int, forbid repeating any n-gram of this size
            within a sequence; `0` disables. Defaults to `0`.
        seed: optional non-negative int, the default seed of `__call__`.
            Defaults to `None` (a fresh seed per call, drawn from the
            sampler's `keras.random.SeedGenerator`; eager only on JAX).

    Call arguments:
        next: the step callable described above.
        prompt: int `(batch, max_length)`, prompt tokens then padding.
        cache: the initial cache (a tuple of states, or `None`).
        index: int, first position to write; `next` reads `index - 1`, so
            at least 1. Defaults to `1`.
        mask: optional bool `(batch, max_length)`, `True` on prompt tokens.
            Defaults to `None` (only positions before `index` are prompt).
        end_token_id: optional int, the token that ends a row.
        pad_token_id: int written after a row's end token. Defaults to `0`.
        seed: optional int, scalar int tensor (one noise stream shared by
            every row) or int tensor `(batch,)` (one stream per row),
            overriding the sampler seed. Deterministic samplers ignore it.
        temperature: optional float or scalar tensor overriding the
            constructor temperature.
        top_k: optional int or scalar int tensor overriding the sampler's
            (`0` for samplers without one). Deterministic samplers ignore
            it.
        top_p: optional float or scalar float tensor, likewise (`1.0`).
        return_scores: Python bool; also return each row's summed
            log-probability of its generated tokens (the end token
            included, prompt and padding excluded) under
            `log_softmax(logits / temperature)` after n-gram blocking.
            Defaults to `False`.

    Returns:
        int32 `(batch, max_length)` tokens: the prompts with continuations;
        with `return_scores=True`, the tuple `(tokens, scores)` with float32
        `scores (batch,)`.

    Example:

    >>> def next(prompt, cache, index):
    ...     logits = keras.ops.one_hot(
    ...         keras.ops.full((2,), 3), 5) * 10.0  # always token 3
    ...     return logits, None, cache
    >>> tokens = GreedySampler()(next, np.ones((2, 4), "int32"))
    >>> keras.ops.convert_to_numpy(tokens).tolist()
    [[1, 3, 3, 3], [1, 3, 3, 3]]
    """

    # Whether `get_next_token` draws: deterministic samplers get no noise,
    # skip the top-k/top-p filter (it never removes the argmax) and never
    # read the seed (so they trace without one).
    stochastic = True
    # Filters of samplers that have none; `RandomSampler` sets its own.
    top_k = 0
    top_p = 1.0

    def __init__(self, temperature=1.0, no_repeat_ngram_size=0, seed=None):
        if not (_is_number(temperature) and temperature > 0):
            raise ValueError(
                f"Received `temperature={temperature!r}`; expected a "
                "positive float."
            )
        _check_positive_int(
            "no_repeat_ngram_size", no_repeat_ngram_size, allow_zero=True
        )
        if seed is not None:
            _check_positive_int("seed", seed, allow_zero=True)
        self.temperature = float(temperature)
        self.no_repeat_ngram_size = no_repeat_ngram_size
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    # -- hooks for subclasses ---------------------------------------------

    def get_next_token(self, logits, noise):
        """Picks `(batch,)` token ids for one step.

        Args:
            logits: float32 `(batch, vocabulary)`, the step's logits after
                n-gram blocking and temperature and, for a stochastic
                sampler, the top-k/top-p filter; forbidden tokens hold
                `NEG_INF`. (A deterministic sampler without scores gets
                them undivided by the temperature: the argmax is the same.)
            noise: float32 Gumbel noise `(rows, vocabulary)` with `rows` 1
                (shared by the batch) or `batch`, or `None` when
                `stochastic` is `False`.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement `get_next_token`."
        )

    # -- shared pieces -----------------------------------------------------

    def prepare_logits(self, logits, tokens, index):
        """float32 `logits` of position `index` with n-gram blocking."""
        logits = ops.cast(logits, "float32")
        if self.no_repeat_ngram_size:
            logits = sampler_math.block_repeated_ngrams(
                logits, tokens, index, self.no_repeat_ngram_size,
            )
        return logits

    def resolve_temperature(self, temperature=None):
        """The float32 temperature of a call."""
        temperature = self.temperature if temperature is None else temperature
        return ops.cast(temperature, "float32")

    def row_seeds(self, seed=None):
        """The `uint32` seeds of a call's noise, `(1,)` or `(batch,)`.

        Args:
            seed: `None` (the sampler seed, else a fresh one), an int, or an
                int tensor of shape `()` or `(batch,)`; ints wrap modulo
                `2**32`.
        """
        seed = self.seed if seed is None else seed
        if seed is None:
            # A fresh seed per call; stateful, so eager only on JAX.
            seed = keras.random.randint(
                (), 0, np.iinfo("int32").max, seed=self.seed_generator
            )
        if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
            return ops.convert_to_tensor(np.array([int(seed) % 2**32],
                                                  "uint32"))
        seed = ops.convert_to_tensor(seed)
        if len(seed.shape) > 1:
            raise ValueError(
                f"Received `seed` of shape {tuple(seed.shape)}; expected an "
                "int, a scalar int tensor or one seed per row `(batch,)`."
            )
        return ops.cast(ops.reshape(seed, (-1,)), "uint32")

    def row_keys(self, seed, prompt, mask):
        """The `uint32` `(batch,)` noise keys of a call, one per row.

        `row_seeds(seed)` keyed by each row's prompt
        (`gumbel_noise.prompt_keys`): the keys `__call__` draws with, and
        what a streaming client carries between `next_token` calls.

        Args:
            seed: see `row_seeds`.
            prompt: int `(batch, max_length)` tokens.
            mask: bool `(batch, max_length)`, `True` on prompt tokens
                (the position-0 start token included).
        """
        return prompt_keys(self.row_seeds(seed), prompt, mask)

    def next_token(
        self,
        logits,
        index,
        seeds=None,
        tokens=None,
        temperature=None,
        top_k=None,
        top_p=None,
        return_log_probs=False,
    ):
        """Picks the tokens of one step: the choice the decode loop makes.

        `__call__` runs this for every position it samples (prompt forcing
        and end tokens are applied afterwards), so a client that steps a
        model itself and calls it with the loop's `index` and `row_keys`
        draws exactly the tokens `__call__` draws. The steps: n-gram
        blocking against `tokens`, the temperature (in float32), for a
        stochastic sampler the top-k/top-p filter and the Gumbel noise of
        `(seeds, index, token id)`, then `get_next_token`.

        Args:
            logits: float `(batch, vocabulary)`, the scores of position
                `index`.
            index: int, scalar int tensor or int tensor `(batch,)` (rows at
                different positions), the position being written.
            seeds: `uint32` `(batch,)` from `row_keys` (or `(1,)`, shared
                by every row). Needed only when `stochastic`. Defaults to
                `None`.
            tokens: int `(batch, max_length)`, the tokens written so far,
                read by n-gram blocking; needed only when
                `no_repeat_ngram_size > 0`. Defaults to `None`.
            temperature: optional float or scalar tensor overriding the
                sampler's.
            top_k: optional int or scalar tensor overriding the sampler's.
            top_p: optional float or scalar tensor overriding the
                sampler's.
            return_log_probs: Python bool; also return the step's
                `log_softmax(logits / temperature)` after n-gram blocking
                (what `return_scores` sums). Defaults to `False`.

        Returns:
            `(token, log_probs)`: int32 `(batch,)` and float32 `(batch,
            vocabulary)` log-probabilities, or `None` without
            `return_log_probs`.

        Example:

        >>> logits = keras.ops.log(keras.ops.convert_to_tensor(
        ...     [[0.1, 0.6, 0.3]]))
        >>> token, _ = GreedySampler().next_token(logits, 1)
        >>> keras.ops.convert_to_numpy(token).tolist()
        [1]
        """
        if self.no_repeat_ngram_size and tokens is None:
            raise ValueError(
                f"Received `tokens=None` with `no_repeat_ngram_size="
                f"{self.no_repeat_ngram_size}`; pass the tokens written so "
                "far `(batch, max_length)` so repeated n-grams can be blocked."
            )
        if self.stochastic and seeds is None:
            raise ValueError(
                f"Received `seeds=None` for the stochastic "
                f"{type(self).__name__}; pass `row_keys(seed, prompt, mask)`."
            )
        temperature = self.resolve_temperature(temperature)
        top_k = self.top_k if top_k is None else top_k
        top_p = self.top_p if top_p is None else top_p
        logits = self.prepare_logits(logits, tokens, index)
        if self.stochastic or return_log_probs:
            logits = logits / temperature
        log_probs = ops.log_softmax(logits) if return_log_probs else None
        noise = None
        if self.stochastic:
            if not (_is_number(top_k) and top_k <= 0
                    and _is_number(top_p) and top_p >= 1):
                logits = sampler_math.filter_logits(logits, top_k, top_p)
            noise = gumbel_noise(seeds, index, ops.shape(logits)[-1])
        token = ops.cast(self.get_next_token(logits, noise), "int32")
        return token, log_probs

    @staticmethod
    def prepare_inputs(prompt, mask, index):
        prompt = ops.cast(ops.convert_to_tensor(prompt), "int32")
        index = ops.cast(ops.convert_to_tensor(index), "int32")
        positions = ops.arange(ops.shape(prompt)[1], dtype="int32")
        if mask is None:
            mask = ops.broadcast_to(positions[None] < index, ops.shape(prompt))
        mask = ops.logical_or(
            ops.cast(mask, "bool"), (positions < index)[None]
        )
        return prompt, mask, index

    def __call__(
        self,
        next,
        prompt,
        cache=None,
        index=1,
        mask=None,
        end_token_id=None,
        pad_token_id=0,
        seed=None,
        temperature=None,
        top_k=None,
        top_p=None,
        return_scores=False,
    ):
        prompt, mask, index = self.prepare_inputs(prompt, mask, index)
        max_length = ops.shape(prompt)[1]
        cache = () if cache is None else cache
        positions = ops.arange(max_length, dtype="int32")
        # Prompt tokens where forced, -1 where sampled: one read per step.
        forced = ops.where(mask, prompt, -1)  # (batch, max_length)
        finished = ops.zeros(ops.shape(prompt)[:1], dtype="bool")  # (batch,)
        scores = ops.zeros(ops.shape(prompt)[:1], dtype="float32")
        temperature = self.resolve_temperature(temperature)
        seeds = None
        if self.stochastic:
            seeds = self.row_keys(seed, prompt, mask)

        def cond(prompt, cache, index, finished, scores):
            if end_token_id is None:  # `finished` stays False
                return index < max_length
            return ops.logical_and(
                index < max_length, ops.logical_not(ops.all(finished))
            )

        def body(prompt, cache, index, finished, scores):
            logits, _, cache = next(prompt, cache, index)
            next_token, log_probs = self.next_token(
                logits, index, seeds=seeds, tokens=prompt,
                temperature=temperature, top_k=top_k, top_p=top_p,
                return_log_probs=return_scores,
            )  # (batch,)
            forced_token = forced[:, index]  # (batch,)
            in_prompt = forced_token >= 0
            next_token = ops.where(in_prompt, forced_token, next_token)
            if end_token_id is not None:
                next_token = ops.where(finished, pad_token_id, next_token)
            if return_scores:
                grows = ops.logical_not(ops.logical_or(in_prompt, finished))
                scores = scores + ops.where(
                    grows, picked_log_probs(log_probs, next_token), 0.0)
            prompt = write_token(prompt, positions, index, next_token)
            if end_token_id is not None:
                finished = ops.logical_or(
                    finished,
                    ops.logical_and(
                        ops.logical_not(in_prompt), next_token == end_token_id
                    ),
                )
            return prompt, cache, index + 1, finished, scores

        prompt, _, _, _, scores = ops.while_loop(
            cond, body, (prompt, cache, index, finished, scores)
        )
        if return_scores:
            return prompt, scores
        return prompt

    def get_config(self):
        return {
            "temperature": self.temperature,
            "no_repeat_ngram_size": self.no_repeat_ngram_size,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
