"""Base class of the token samplers: the decode loop lives here."""

import keras
from keras import ops

from rnn_layers.samplers import sampler_math


def _check_positive_int(name, value, allow_zero=False):
    low = 0 if allow_zero else 1
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(
            f"Received `{name}={value!r}`; expected a {kind} integer."
        )


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


@keras.saving.register_keras_serializable(package="rnn_layers")
class Sampler:
    """Generates tokens one step at a time inside `keras.ops.while_loop`.

    The KerasHub split: this base class owns the loop (prompt forcing, end
    tokens, temperature, n-gram blocking, seeds) and subclasses only
    implement `get_next_token(probabilities)`. The model is reached through
    one callable, so samplers never import a model:

    ```
    next(prompt, cache, index) -> (logits, hidden_states, cache)
    ```

    `prompt` is the int `(batch, max_length)` buffer of non-negative
    token ids, `index` the position being written (a scalar int tensor)
    and `logits`
    `(batch, vocabulary)` score the token at `index`. A recurrent decoder
    reads only `prompt[:, index - 1]` and carries its recurrent states in
    `cache` (a tuple of `(batch, units)` tensors), so each token costs one
    cell step; `rnn_layers.samplers.recurrent_next` builds such a `next`
    from a `step_fn(tokens, states) -> (logits, states)`.

    Prompts of different lengths share one buffer: `mask` marks prompt
    tokens, which are copied through (the model still steps over them)
    while the other positions are sampled. Generation stops at
    `max_length` or when every row has produced `end_token_id`; positions
    after a row's end token are set to `pad_token_id`.

    The whole loop traces in `tf.function` and `jax.jit`, so it exports in
    one SavedModel graph. Build the layers `next` uses before decoding (call
    them once): JAX cannot create variables inside the traced loop.
    Randomness is stateless inside the loop: the seed state is a loop
    variable. Pass `seed` (an int or a scalar int tensor,
    e.g. an export signature input) for reproducible or traced generation.

    Args:
        temperature: positive float dividing the logits before the softmax
            (computed in float32). Defaults to `1.0`.
        no_repeat_ngram_size: int, forbid repeating any n-gram of this size
            within a sequence; `0` disables. Defaults to `0`.
        seed: optional int, the default seed of `__call__`. Defaults to
            `None` (a fresh stream per call, eager only on JAX).

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
        seed: optional int or scalar int tensor overriding the sampler seed.
        temperature: optional float or scalar tensor overriding the
            constructor temperature.

    Returns:
        int32 `(batch, max_length)` tokens: the prompts with continuations.

    Example:

    >>> def next(prompt, cache, index):
    ...     logits = keras.ops.one_hot(
    ...         keras.ops.full((2,), 3), 5) * 10.0  # always token 3
    ...     return logits, None, cache
    >>> tokens = GreedySampler()(next, np.ones((2, 4), "int32"))
    >>> keras.ops.convert_to_numpy(tokens).tolist()
    [[1, 3, 3, 3], [1, 3, 3, 3]]
    """

    # Whether `get_next_token` draws random numbers; deterministic samplers
    # never touch the seed generator (so they trace without a seed).
    stochastic = True
    # Whether `get_next_token` needs the softmax; `False` passes it the
    # float32 logits instead (same argmax, two ops fewer per step).
    needs_probabilities = True

    def __init__(self, temperature=1.0, no_repeat_ngram_size=0, seed=None):
        if not (isinstance(temperature, (int, float)) and temperature > 0):
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

    def get_next_token(self, probabilities):
        """Picks `(batch,)` token ids from `(batch, vocabulary)` probabilities.

        Random draws must use `seed=self.seed_generator`.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement `get_next_token`."
        )

    # -- shared pieces -----------------------------------------------------

    def compute_probabilities(self, logits, temperature=None):
        """Softmax of `logits / temperature` in float32."""
        temperature = self.temperature if temperature is None else temperature
        logits = ops.cast(logits, "float32")
        return ops.softmax(logits / ops.cast(temperature, "float32"), axis=-1)

    def prepare_logits(self, logits, tokens, index):
        """Applies n-gram blocking to the raw logits of position `index`."""
        if self.no_repeat_ngram_size:
            logits = sampler_math.block_repeated_ngrams(
                ops.cast(logits, "float32"), tokens, index,
                self.no_repeat_ngram_size,
            )
        return logits

    def initial_seed_state(self, seed=None):
        """The seed generator state the loop starts from."""
        dtype = self.seed_generator.state.dtype
        seed = self.seed if seed is None else seed
        if not self.stochastic:
            return ops.zeros((2,), dtype=dtype)
        if seed is None:
            # A fresh stream per call; needs eager execution on JAX.
            return self.seed_generator.next(ordered=False)
        if isinstance(seed, int):
            return ops.convert_to_tensor([seed, 0], dtype=dtype)
        seed = ops.cast(ops.reshape(seed, ()), dtype)
        return ops.stack([seed, ops.zeros_like(seed)])

    def draw(self, fn, seed_state, *args):
        """Runs `fn(*args)` statelessly from `seed_state`.

        Returns:
            Tuple `(fn(*args), next_seed_state)`.
        """
        mapping = [(self.seed_generator.state, seed_state)]
        with keras.StatelessScope(state_mapping=mapping) as scope:
            result = fn(*args)
            new_state = scope.get_current_value(self.seed_generator.state)
        if new_state is None:
            new_state = seed_state
        return result, ops.cast(new_state, seed_state.dtype)

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
    ):
        prompt, mask, index = self.prepare_inputs(prompt, mask, index)
        max_length = ops.shape(prompt)[1]
        cache = () if cache is None else cache
        positions = ops.arange(max_length, dtype="int32")
        # Prompt tokens where forced, -1 where sampled: one read per step.
        forced = ops.where(mask, prompt, -1)  # (batch, max_length)
        finished = ops.zeros(ops.shape(prompt)[:1], dtype="bool")  # (batch,)
        seed_state = self.initial_seed_state(seed)

        def cond(prompt, cache, index, finished, seed_state):
            if end_token_id is None:  # `finished` stays False
                return index < max_length
            return ops.logical_and(
                index < max_length, ops.logical_not(ops.all(finished))
            )

        def body(prompt, cache, index, finished, seed_state):
            logits, _, cache = next(prompt, cache, index)
            logits = self.prepare_logits(logits, prompt, index)
            if self.needs_probabilities:
                probabilities = self.compute_probabilities(
                    logits, temperature)
            else:
                probabilities = ops.cast(logits, "float32")
            next_token, seed_state = self.draw(
                self.get_next_token, seed_state, probabilities
            )
            next_token = ops.cast(next_token, "int32")  # (batch,)
            forced_token = forced[:, index]  # (batch,)
            in_prompt = forced_token >= 0
            next_token = ops.where(in_prompt, forced_token, next_token)
            if end_token_id is not None:
                next_token = ops.where(finished, pad_token_id, next_token)
            prompt = write_token(prompt, positions, index, next_token)
            if end_token_id is not None:
                finished = ops.logical_or(
                    finished,
                    ops.logical_and(
                        ops.logical_not(in_prompt), next_token == end_token_id
                    ),
                )
            return prompt, cache, index + 1, finished, seed_state

        prompt, *_ = ops.while_loop(
            cond, body, (prompt, cache, index, finished, seed_state)
        )
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
