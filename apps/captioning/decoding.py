"""Caption decoding with the library's attention decoder, one step per word.

The trained captioner (`apps.captioning.model.build_model`) is stepped
through its own layers by `rnn_layers.AttentionDecoder`: the encoder runs
once per image, the memory keys are projected once, and each word costs
one `AttentionWrapper` step inside the sampler's `while_loop`, so the same
code runs eagerly and inside the exported graph. Every cell of the image
grid is valid memory (an all-ones memory mask).
"""

import keras
from keras import ops

from apps.captioning.model import attention_model
from datasets.tokenizers import Tokenizer
from rnn_layers import AttentionDecoder, samplers


def make_decoder(model: keras.Model, tokenizer: Tokenizer, max_words: int,
                 num_beams: int = 1) -> AttentionDecoder:
    """The decoder of a trained captioner.

    Build it outside any traced function (its sampler owns a seed
    variable).

    Args:
        model: the captioner from `build_model` (weights loaded).
        tokenizer: the run's `Tokenizer` (start, end and pad ids).
        max_words: int, most words per caption.
        num_beams: int, 1 decodes greedily, more runs a beam search of that
            width. Defaults to `1`.

    Returns:
        An `AttentionDecoder` generating up to `max_words + 1` tokens (the
        `<end>` included), never `<pad>`, `<start>` or `<unk>`.
    """
    if num_beams == 1:
        sampler = samplers.get("greedy")
    else:
        sampler = samplers.get("beam", num_beams=num_beams)
    return AttentionDecoder(
        model.get_layer("decoder").cell,
        model.get_layer("embedding"),
        model.get_layer("logits"),
        sampler=sampler,
        start_token_id=tokenizer.start_id,
        end_token_id=tokenizer.end_id,
        max_length=max_words + 1,
        pad_token_id=tokenizer.pad_id,
        banned_token_ids=(tokenizer.pad_id, tokenizer.start_id,
                          tokenizer.unk_id),
    )


def decode(model: keras.Model, decoder: AttentionDecoder, images):
    """Generates caption token ids for a batch of images.

    Args:
        model: the captioner from `build_model` (weights loaded).
        decoder: its `make_decoder`.
        images: float `(batch, size, size, 3)` in [0, 1].

    Returns:
        int32 `(batch, max_words + 2)`: `<start>`, the words, `<end>`,
        then `<pad>` (0).
    """
    memory = model.get_layer("encoder")(images, training=False)  # (b, L, D)
    mean = ops.mean(memory, axis=1)  # (batch, D)
    initial_state = [model.get_layer("init_h")(mean),
                     model.get_layer("init_c")(mean)]
    memory_mask = ops.ones(ops.shape(memory)[:2], "bool")  # (batch, L)
    return decoder(memory, memory_mask, initial_state=initial_state)


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


def generated_words(tokens, tokenizer: Tokenizer) -> list[str]:
    """The tokens a row of `decode` generated, up to and with `<end>`.

    What the exported `attend` signature returns as `tokens` for that image
    (without its trailing `""`), one word per attention map.

    Example:

    >>> generated_words([2, 7, 9, 3, 0], tokenizer)  # <start> a dog <end>
    ['a', 'dog', '<end>']
    """
    words = []
    for token in [int(t) for t in tokens][1:]:
        if token == tokenizer.pad_id:
            break
        words.append(tokenizer.vocabulary[token])
        if token == tokenizer.end_id:
            break
    return words


def caption_images(model: keras.Model, tokenizer: Tokenizer, images,
                   max_words: int, num_beams: int = 1):
    """Captions a batch of images, with each caption's score and attention.

    The same decoding as the exported `serving_default` of that beam width,
    so a plot of these alignments shows what the server answers.

    Args:
        model: the captioner from `build_model` (weights loaded).
        tokenizer: the run's `Tokenizer`.
        images: float `(n, size, size, 3)` in [0, 1].
        max_words: int, most words per caption.
        num_beams: int, 1 decodes greedily, more runs a beam search.
            Defaults to `1`.

    Returns:
        `(captions list[str], tokens int (n, max_words + 2), log_probs (n,),
        alignments (n, max_words + 1, L))`.
    """
    decoder = make_decoder(model, tokenizer, max_words, num_beams)
    tokens = keras.ops.convert_to_numpy(decode(model, decoder, images))
    log_probs, alignments = score(attention_model(model), images, tokens)
    captions = [tokenizer.decode(row) for row in tokens]
    return (captions, tokens,
            keras.ops.convert_to_numpy(keras.ops.sum(log_probs, axis=1)),
            keras.ops.convert_to_numpy(alignments))
