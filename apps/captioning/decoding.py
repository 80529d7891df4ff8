"""Caption decoding with `rnn_layers` samplers, one LSTM step per word.

The trained captioner (`apps.captioning.model.build_model`) is stepped
through its own layers: the encoder runs once per image, the memory keys
are projected once (`AttentionWrapper.prepare_constants`), and each token
costs one `AttentionWrapper` step inside the sampler's `while_loop`, so
the same code runs eagerly and inside the exported graph.
"""

import keras
from keras import ops

from rnn_layers import BeamSampler, GreedySampler, recurrent_next


def make_sampler(num_beams: int = 1):
    """Greedy for `num_beams=1`, else `BeamSampler(num_beams)`."""
    if num_beams == 1:
        return GreedySampler()
    return BeamSampler(num_beams=num_beams)


def decode(model: keras.Model, images, max_length: int, start_id: int,
           end_id: int, sampler=None):
    """Generates caption token ids for a batch of images.

    Args:
        model: the captioner from `build_model` (weights loaded).
        images: float `(batch, size, size, 3)` in [0, 1].
        max_length: int, most words generated (the `<end>` included).
        start_id: int, id of `<start>`.
        end_id: int, id of `<end>`.
        sampler: a `GreedySampler` or `BeamSampler` built outside any
            traced function (samplers own a seed variable). Defaults to
            `None`, a new `GreedySampler`.

    Returns:
        int32 `(batch, max_length + 1)`: `<start>`, the words, `<end>`,
        then `<pad>` (0).
    """
    sampler = GreedySampler() if sampler is None else sampler
    wrapper = model.get_layer("decoder").cell
    embedding = model.get_layer("embedding")
    head = model.get_layer("logits")
    memory = model.get_layer("encoder")(images, training=False)  # (b, L, D)
    mean = ops.mean(memory, axis=1)  # (batch, D)
    h0 = model.get_layer("init_h")(mean)
    c0 = model.get_layer("init_c")(mean)
    states = wrapper.get_initial_state(batch_size=ops.shape(mean)[0])
    states = (h0, c0) + tuple(states[2:])
    constants = wrapper.prepare_constants(memory)
    if isinstance(sampler, BeamSampler):
        constants = sampler.expand_to_beams(constants)

    def step_fn(tokens, states):
        output, new_states = wrapper(
            embedding(tokens), list(states), constants=constants
        )
        attention_vector = output[..., : wrapper.attention_size]
        return head(attention_vector), tuple(new_states)

    prompt = ops.zeros((ops.shape(mean)[0], max_length + 1), "int32")
    prompt = ops.slice_update(
        prompt, [0, 0], ops.full((ops.shape(mean)[0], 1), start_id, "int32")
    )
    return sampler(
        recurrent_next(step_fn), prompt, tuple(states), index=1,
        end_token_id=end_id, pad_token_id=0,
    )


def score(attention: keras.Model, images, tokens):
    """Log-probabilities and attention maps of given captions.

    Args:
        attention: `apps.captioning.model.attention_model(model)`.
        images: float `(batch, size, size, 3)` in [0, 1].
        tokens: int `(batch, length)` from `decode`: `<start>` ... `<pad>`.

    Returns:
        `(log_probs (batch, length - 1), alignments (batch, length - 1,
        L))`: per generated position, the log-probability of the token there
        (0 on `<pad>`) and the attention used to predict it.
    """
    tokens = ops.cast(tokens, "int32")
    images = ops.convert_to_tensor(images, "float32")
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    logits, alignments = attention([images, inputs], training=False)
    log_probs = ops.log_softmax(ops.cast(logits, "float32"), axis=-1)
    picked = ops.take_along_axis(log_probs, targets[..., None], axis=-1)
    picked = picked[..., 0] * ops.cast(ops.not_equal(targets, 0), "float32")
    return picked, alignments
