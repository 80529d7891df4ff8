"""Generation from an attention memory, one wrapper step per token."""

import keras
from keras import ops

from rnn_layers.samplers import serialization
from rnn_layers.samplers.ban_tokens import ban_logits
from rnn_layers.samplers.ban_tokens import checked_token_ids
from rnn_layers.samplers.recurrent_next import recurrent_next
from rnn_layers.samplers.sampler import _check_positive_int
from rnn_layers.samplers.sampler import picked_log_probs


def _check_built(name, layer):
    if not getattr(layer, "built", True):
        raise ValueError(
            f"Received an unbuilt `{name}` ({type(layer).__name__}); build "
            "the decoder's layers before decoding (call the model once or "
            "load its weights): JAX cannot create weights inside the loop."
        )


class AttentionDecoder:
    """Decodes token ids from an encoder memory with any sampler.

    The attention-decoder recipe (Bahdanau et al. 2015; Luong et al. 2015;
    Xu et al. 2015 for images) as one in-graph loop: the memory keys are
    projected once (`AttentionWrapper.prepare_constants`), then every token
    costs one wrapper step inside the sampler's `keras.ops.while_loop`:

    ```
    x_t = embedding(y_{t-1})
    o_t, states_t = wrapper(x_t, states_{t-1}, constants=[memory, mask, keys])
    y_t ~ sampler(head(o_t))   # o_t without alignments, if it holds them
    ```

    Padded memory positions (`memory_mask` `False`) get exactly zero
    attention. For a `BeamSampler` the memory, its mask and keys are laid
    out per beam (`expand_to_beams`); the sampler itself repeats the states
    and reorders them with the beams. The decoder runs eagerly and traces in
    `tf.function` (for export) and `jax.jit`. A client that streams (a
    serving `step` signature) runs the same loop one token per call:
    `start_tokens`, `initial_states` and `row_keys` give where the loop
    starts, `next_token` is one pass of its body (greedy and sampling
    decoders; not beam search), so stepping reproduces `__call__` token for
    token. It serves an image captioner
    (a grid memory, no padding, initial states from the mean feature) and a
    text encoder-decoder (a padded, masked memory and the encoder's final
    states, e.g. from `Seq2Seq.encode`) alike.

    Args:
        wrapper: a built `AttentionWrapper`, the decoder cell.
        embedding: callable from int token ids `(batch,)` to the wrapper's
            step inputs `(batch, features)`, e.g. a built
            `keras.layers.Embedding`.
        head: callable from the wrapper output `(batch, output_size)` (the
            alignments cut off when `output_alignments=True`) to logits
            `(batch, vocabulary)`, e.g. a built `keras.layers.Dense`.
        sampler: a `Sampler`, or a short name resolved by
            `rnn_layers.samplers.get`. Build it here, outside any traced
            function (a sampler owns a seed variable). Defaults to
            `"greedy"`.
        start_token_id: int, the token every sequence starts from.
        end_token_id: optional int that ends a sequence; later positions
            hold `pad_token_id`. Defaults to `None` (always `max_length`).
        max_length: positive int, the most tokens generated per sequence,
            the end token included. Defaults to `20`.
        pad_token_id: int written after the end token. Defaults to `0`.
        banned_token_ids: ids never generated (their logits are `NEG_INF`
            at every step, for every sampler), such as `<pad>`, `<unk>` and
            the start token. Defaults to `()`.

    Call arguments:
        memory: float `(batch, time, memory_depth)`, the encoder outputs.
        memory_mask: optional bool `(batch, time)`, `True` on valid memory
            positions. Defaults to `None` (all valid, e.g. an image grid).
        initial_state: optional list of the wrapped cell's states (e.g.
            `[h, c]` from the encoder), the attention vector (and stored
            alignments) starting at zero; or the wrapper's full state list.
            Defaults to `None` (`wrapper.get_initial_state`: zeros).
        seed: optional int or int tensor `()` / `(batch,)`, see `Sampler`.
        temperature: optional float or scalar tensor, see `Sampler`.
        top_k: optional int or scalar tensor, see `Sampler`.
        top_p: optional float or scalar tensor, see `Sampler`.
        return_scores: Python bool; also return each sequence's summed
            log-probability (the end token included). Defaults to `False`.

    Returns:
        int32 `(batch, max_length + 1)`: the start token, the generated
        tokens, the end token, then padding; with `return_scores=True`, the
        tuple `(tokens, scores)` with float32 `scores (batch,)`.

    Example:

    >>> wrapper = AttentionWrapper(
    ...     LSTMCell(8), BahdanauAttention(4), memory_depth=6)
    >>> embedding = keras.layers.Embedding(10, 5)
    >>> head = keras.layers.Dense(10)
    >>> memory = np.random.rand(2, 7, 6).astype("float32")  # (b, time, depth)
    >>> memory_mask = np.arange(7) < np.array([[7], [4]])  # row 1: 4 valid
    >>> states = wrapper.get_initial_state(2)
    >>> output, _ = wrapper(embedding(np.zeros(2, "int32")), states,
    ...                     constants=[memory])
    >>> _ = head(output)  # every layer built once
    >>> decoder = AttentionDecoder(
    ...     wrapper, embedding, head, sampler=BeamSampler(num_beams=3),
    ...     start_token_id=1, end_token_id=2, max_length=5)
    >>> tokens, scores = decoder(memory, memory_mask, return_scores=True)
    >>> tuple(tokens.shape), tuple(scores.shape)
    ((2, 6), (2,))
    """

    def __init__(
        self,
        wrapper,
        embedding,
        head,
        sampler="greedy",
        start_token_id=1,
        end_token_id=None,
        max_length=20,
        pad_token_id=0,
        banned_token_ids=(),
    ):
        if not hasattr(wrapper, "prepare_constants"):
            raise TypeError(
                f"Received `wrapper` of type {type(wrapper).__name__}; "
                "expected an `rnn_layers.AttentionWrapper`."
            )
        for name, layer in (("embedding", embedding), ("head", head)):
            if not callable(layer):
                raise TypeError(
                    f"Received `{name}={layer!r}`; expected a callable such "
                    "as a Keras layer."
                )
        _check_positive_int("max_length", max_length)
        _check_positive_int("start_token_id", start_token_id, allow_zero=True)
        _check_positive_int("pad_token_id", pad_token_id, allow_zero=True)
        if end_token_id is not None:
            _check_positive_int("end_token_id", end_token_id, allow_zero=True)
        self.wrapper = wrapper
        self.embedding = embedding
        self.head = head
        self.sampler = serialization.get(sampler)
        self.start_token_id = start_token_id
        self.end_token_id = end_token_id
        self.max_length = max_length
        self.pad_token_id = pad_token_id
        self.banned_token_ids = checked_token_ids(banned_token_ids)

    def step(self, tokens, states, constants):
        """One decoding step: `(batch,)` tokens -> `(logits, new_states)`."""
        output, states = self.wrapper(
            self.embedding(tokens), list(states), constants=constants
        )
        if self.wrapper.output_alignments:
            output, _ = self.wrapper.split_output(output)
        logits = self.head(output)
        if self.banned_token_ids.size:
            logits = ban_logits(logits, self.banned_token_ids)
        return logits, tuple(states)

    def _check_layers_built(self):
        for name, layer in (("wrapper", self.wrapper),
                            ("embedding", self.embedding),
                            ("head", self.head)):
            _check_built(name, layer)

    def start_tokens(self, batch_size):
        """int32 `(batch, max_length + 1)`: the start token, then padding.

        The buffer the decoding loop fills, one position per token.
        """
        return ops.concatenate(
            [ops.full((batch_size, 1), self.start_token_id, dtype="int32"),
             ops.full((batch_size, self.max_length), self.pad_token_id,
                      dtype="int32")],
            axis=1,
        )  # (batch, max_length + 1)

    def row_keys(self, seed, batch_size):
        """The sampler's `uint32` `(batch,)` noise keys for a call's `seed`.

        The keys `__call__` draws with (its prompt is the start token), for
        `next_token`; see `Sampler.row_keys`.
        """
        tokens = self.start_tokens(batch_size)
        first = ops.arange(ops.shape(tokens)[1], dtype="int32")[None] < 1
        return self.sampler.row_keys(
            seed, tokens, ops.broadcast_to(first, ops.shape(tokens)))

    def next_token(
        self,
        tokens,
        index,
        states,
        constants,
        seeds=None,
        temperature=None,
        top_k=None,
        top_p=None,
    ):
        """One pass of the decoding loop: the token at position `index`.

        Steps the wrapper over each row's previous token `tokens[:, index -
        1]`, picks the next one with `Sampler.next_token` (n-gram blocking
        against `tokens`, temperature, filters, Gumbel noise keyed by
        `seeds` and `index`), writes `pad_token_id` instead on rows that
        have already produced the end token, and writes the token into
        `tokens`. Called for `index = 1, 2, ...` from `start_tokens`,
        `initial_states` and `row_keys`, it gives the tokens and scores of
        `__call__` with the same arguments. Not for a `BeamSampler`.

        Args:
            tokens: int `(batch, max_length + 1)`, the buffer so far (from
                `start_tokens`, then from the previous call).
            index: int or int tensor `()` / `(batch,)`, the position to
                write, from 1 to `max_length`.
            states: the wrapper's full state list (`initial_states`).
            constants: `wrapper.prepare_constants(memory, memory_mask)`.
            seeds: `uint32` `(batch,)` from `row_keys`; only a stochastic
                sampler reads them. Defaults to `None`.
            temperature: optional float or scalar tensor, see `Sampler`.
            top_k: optional int or scalar tensor, see `Sampler`.
            top_p: optional float or scalar tensor, see `Sampler`.

        Returns:
            `(logits, token, log_prob, tokens, states)`: float32 logits
            `(batch, vocabulary)` of the head, int32 `token (batch,)`,
            float32 `log_prob (batch,)` of the token under
            `log_softmax(logits / temperature)` after n-gram blocking (`0`
            after the end token; summed, the scores of `return_scores`),
            the buffer with `token` at `index`, and the new states tuple.

        Example (the class example's greedy decoder, stepped):

        >>> tokens, states = decoder.start_tokens(2), decoder.initial_states(2)
        >>> constants = decoder.wrapper.prepare_constants(memory)
        >>> for index in range(1, decoder.max_length + 1):
        ...     _, _, _, tokens, states = decoder.next_token(
        ...         tokens, index, states, constants)
        >>> tuple(tokens.shape)  # equal to `decoder(memory)`
        (2, 6)
        """
        self._check_layers_built()
        if getattr(self.sampler, "expand_to_beams", None) is not None:
            raise ValueError(
                f"Received a decoder with a {type(self.sampler).__name__}; "
                "`next_token` steps greedy and sampling decoders only (a "
                "beam search reorders its hypotheses every step). Use "
                "`GreedySampler` or a `RandomSampler` for streaming."
            )
        tokens = ops.cast(tokens, "int32")
        index = ops.broadcast_to(
            ops.cast(ops.convert_to_tensor(index), "int32"),
            ops.shape(tokens)[:1])  # (batch,)
        previous = ops.take_along_axis(
            tokens, (index - 1)[:, None], axis=1)[:, 0]  # (batch,)
        logits, states = self.step(previous, states, constants)
        token, log_probs = self.sampler.next_token(
            logits, index, seeds=seeds, tokens=tokens,
            temperature=temperature, top_k=top_k, top_p=top_p,
            return_log_probs=True,
        )
        log_prob = picked_log_probs(log_probs, token)  # (batch,)
        positions = ops.arange(ops.shape(tokens)[1], dtype="int32")[None]
        if self.end_token_id is not None:
            written = ops.logical_and(positions >= 1,
                                      positions < index[:, None])
            finished = ops.any(ops.logical_and(
                written, tokens == self.end_token_id), axis=1)  # (batch,)
            token = ops.where(finished, self.pad_token_id, token)
            log_prob = ops.where(finished, 0.0, log_prob)
        tokens = ops.where(positions == index[:, None], token[:, None], tokens)
        return ops.cast(logits, "float32"), token, log_prob, tokens, states

    def initial_states(self, batch_size, initial_state=None):
        """The wrapper's full state list from `initial_state` (see call)."""
        states = list(self.wrapper.get_initial_state(batch_size))
        if initial_state is None:
            return states
        initial_state = list(initial_state)
        num_cell_states = len(keras.tree.flatten(self.wrapper.cell.state_size))
        if len(initial_state) == len(states):
            return initial_state
        if len(initial_state) == num_cell_states:
            return initial_state + states[num_cell_states:]
        raise ValueError(
            f"Received `initial_state` with {len(initial_state)} tensors; "
            f"expected the cell's {num_cell_states} states or the wrapper's "
            f"{len(states)} (cell states, attention vector"
            + (", alignments)." if len(states) > num_cell_states + 1
               else ").")
        )

    def __call__(
        self,
        memory,
        memory_mask=None,
        initial_state=None,
        seed=None,
        temperature=None,
        top_k=None,
        top_p=None,
        return_scores=False,
    ):
        self._check_layers_built()
        memory = ops.convert_to_tensor(memory)
        batch = ops.shape(memory)[0]
        states = self.initial_states(batch, initial_state)
        constants = self.wrapper.prepare_constants(memory, memory_mask)
        expand_to_beams = getattr(self.sampler, "expand_to_beams", None)
        if expand_to_beams is not None:
            constants = expand_to_beams(constants)

        def step_fn(tokens, states):
            return self.step(tokens, states, constants)

        return self.sampler(
            recurrent_next(step_fn), self.start_tokens(batch), tuple(states),
            index=1,
            end_token_id=self.end_token_id, pad_token_id=self.pad_token_id,
            seed=seed, temperature=temperature, top_k=top_k, top_p=top_p,
            return_scores=return_scores,
        )
