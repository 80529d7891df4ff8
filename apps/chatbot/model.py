"""A sequence-to-sequence chatbot: bidirectional LSTM encoder, attention
LSTM decoder.

Vinyals & Le 2015 ("A Neural Conversational Model") with the attention of
Bahdanau et al. 2015 or Luong et al. 2015, the captioner's decoder
(`apps.captioning`) reading a text encoder instead of an image grid:

```
m_1..m_n, (h_f, c_f), (h_b, c_b) = BiLSTM(embed(context))   # the memory
h_0 = tanh(W_h [h_f; h_b]),  c_0 = W_c [c_f; c_b]            # the bridge
o_t = AttentionWrapper(LSTM)(embed(y_{t-1}), memory, mask)   # input feeding
p(y_t | y_<t, context) = softmax(W_o dropout(o_t))
```

The memory is masked where the context is `<pad>`, so padding never
changes a reply. `shared_embeddings` lets encoder and decoder read one
embedding table (the tokenizer is shared). Training is teacher-forced with
label-smoothed cross-entropy over the reply tokens (`reply_loss`).
"""

import dataclasses

import keras
from keras import ops

from rnn_layers import (
    LSTM,
    RNN,
    AttentionWrapper,
    BahdanauAttention,
    LSTMCell,
    LuongAttention,
    sum_over_replicas,
)

PAD_ID = 0  # datasets.tokenizers: <pad> = 0
ATTENTIONS = ("luong", "bahdanau")


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """Hyper-parameters of the chatbot; saved in the run's `config.json`.

    Args:
        embedding_dim: int, token embedding size. Defaults to `64`.
        encoder_units: int, LSTM units of each encoder direction.
            Defaults to `64`.
        encoder_layers: int, stacked bidirectional encoder layers.
            Defaults to `1`.
        units: int, decoder LSTM units and attention vector size.
            Defaults to `128`.
        attention: str, `"luong"` (multiplicative, "general") or
            `"bahdanau"` (additive). Defaults to `"luong"`.
        attention_units: int, hidden size of the Bahdanau score.
            Defaults to `64`.
        shared_embeddings: bool, encoder and decoder read one embedding
            table. Defaults to `True`.
        dropout: float, dropout before the token logits. Defaults to `0.2`.
    """

    embedding_dim: int = 64  # token embedding size
    encoder_units: int = 64  # LSTM units per encoder direction
    encoder_layers: int = 1  # stacked bidirectional layers
    units: int = 128  # decoder LSTM units, attention vector size
    attention: str = "luong"  # "luong" or "bahdanau"
    attention_units: int = 64  # Bahdanau score hidden size
    shared_embeddings: bool = True  # one embedding for both sides
    dropout: float = 0.2  # before the logits

    def __post_init__(self):
        for name in ("embedding_dim", "encoder_units", "encoder_layers",
                     "units", "attention_units"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or (
                    value < 1):
                raise ValueError(
                    f"Received `{name}={value!r}`; expected a positive "
                    "integer."
                )
        if self.attention not in ATTENTIONS:
            raise ValueError(
                f"Received `attention={self.attention!r}`; expected one of "
                f"{ATTENTIONS}."
            )
        if not 0 <= self.dropout < 1:
            raise ValueError(
                f"Received `dropout={self.dropout}`; expected 0 <= x < 1."
            )


def make_attention(config: ModelConfig):
    """The attention layer of the decoder."""
    if config.attention == "bahdanau":
        return BahdanauAttention(config.attention_units, name="attention")
    return LuongAttention("general", name="attention")


def build_model(config: ModelConfig, vocabulary_size: int) -> keras.Model:
    """Builds the teacher-forced chatbot (not compiled).

    Args:
        config: `ModelConfig`.
        vocabulary_size: int, ids of the tokenizer.

    Returns:
        `keras.Model` mapping `{"context": int (batch, Tc), "reply": int
        (batch, Tr)}` (`<pad>` = 0 right padding, `reply` starting with
        `<s>`) to logits `(batch, Tr, vocabulary)`. Its layers
        `reply_embedding`, `decoder` (an `RNN` over an `AttentionWrapper`)
        and `logits` are what `apps.chatbot.decoding` steps through, and
        `encoder_model(model)` gives the memory and the bridged states.

    Example:

    >>> import numpy as np
    >>> model = build_model(ModelConfig(embedding_dim=4, encoder_units=3,
    ...                                 units=5), vocabulary_size=11)
    >>> model({"context": np.ones((2, 6), "int32"),
    ...        "reply": np.ones((2, 4), "int32")}).shape
    (2, 4, 11)
    """
    context = keras.Input((None,), dtype="int32", name="context")
    reply = keras.Input((None,), dtype="int32", name="reply")
    context_embedding = keras.layers.Embedding(
        vocabulary_size, config.embedding_dim, name="context_embedding")
    reply_embedding = context_embedding
    if not config.shared_embeddings:
        reply_embedding = keras.layers.Embedding(
            vocabulary_size, config.embedding_dim, name="reply_embedding")
    mask = ops.not_equal(context, PAD_ID)  # (batch, Tc)
    memory = context_embedding(context)  # (batch, Tc, embedding_dim)
    for index in range(config.encoder_layers):
        memory, h_f, c_f, h_b, c_b = keras.layers.Bidirectional(
            LSTM(config.encoder_units, return_sequences=True,
                 return_state=True),
            name=f"encoder_{index}",
        )(memory, mask=mask)  # (batch, Tc, 2 * encoder_units)
    h0 = keras.layers.Dense(config.units, activation="tanh", name="bridge_h")(
        ops.concatenate([h_f, h_b], axis=-1))  # (batch, units)
    c0 = keras.layers.Dense(config.units, name="bridge_c")(
        ops.concatenate([c_f, c_b], axis=-1))  # (batch, units)
    wrapper = AttentionWrapper(
        LSTMCell(config.units),
        make_attention(config),
        memory_depth=2 * config.encoder_units,
        attention_layer_size=config.units,
        name="attention_wrapper",
    )
    outputs = RNN(wrapper, return_sequences=True, name="decoder")(
        reply_embedding(reply),
        initial_state=[h0, c0, ops.zeros_like(h0)],
        constants=[memory, mask],
    )  # (batch, Tr, units)
    outputs = keras.layers.Dropout(config.dropout)(outputs)
    logits = keras.layers.Dense(vocabulary_size, name="logits")(outputs)
    return keras.Model({"context": context, "reply": reply}, logits,
                       name="chatbot")


def encoder_model(model: keras.Model) -> keras.Model:
    """The encoder half: context ids -> `(memory, h0, c0)`.

    `memory` is `(batch, Tc, 2 * encoder_units)`, `h0` and `c0` the
    bridged decoder states `(batch, units)`.
    """
    layers = [layer for layer in model.layers
              if layer.name.startswith("encoder_")]
    return keras.Model(
        model.input["context"],
        [layers[-1].output[0], model.get_layer("bridge_h").output,
         model.get_layer("bridge_c").output],
        name="chatbot_encoder",
    )


def reply_embedding(model: keras.Model):
    """The decoder's embedding layer (the encoder's when shared)."""
    names = {layer.name for layer in model.layers}
    return model.get_layer(
        "reply_embedding" if "reply_embedding" in names
        else "context_embedding")


def reply_loss(label_smoothing: float = 0.0):
    """Label-smoothed cross-entropy averaged over non-`<pad>` targets.

    With smoothing `eps` the target distribution is `(1 - eps)` on the
    reply token plus `eps / V` on every token (Szegedy et al. 2016), so
    `loss = (1 - eps) * nll + eps * mean_v(-log p_v)`.

    Args:
        label_smoothing: float in [0, 1). Defaults to `0.0`.

    Returns:
        A Keras loss function `(y_true (batch, Tr), y_pred logits (batch,
        Tr, V)) -> scalar`.
    """
    if not 0 <= label_smoothing < 1:
        raise ValueError(
            f"Received `label_smoothing={label_smoothing}`; expected "
            "0 <= x < 1."
        )

    def loss(y_true, y_pred):
        log_probs = ops.log_softmax(ops.cast(y_pred, "float32"), axis=-1)
        targets = ops.cast(y_true, "int32")
        nll = -ops.take_along_axis(
            log_probs, targets[..., None], axis=-1)[..., 0]  # (batch, Tr)
        if label_smoothing:
            uniform = -ops.mean(log_probs, axis=-1)  # (batch, Tr)
            nll = (1 - label_smoothing) * nll + label_smoothing * uniform
        valid = ops.cast(ops.not_equal(targets, PAD_ID), "float32")
        tokens = sum_over_replicas(ops.sum(valid))  # of the global batch
        return ops.sum(nll * valid) / ops.maximum(tokens, 1.0)

    return loss


def token_accuracy(y_true, y_pred):
    """Fraction of non-`<pad>` reply tokens predicted exactly (a metric)."""
    valid = ops.cast(ops.not_equal(y_true, PAD_ID), "float32")
    hit = ops.cast(ops.equal(
        ops.cast(ops.argmax(y_pred, axis=-1), "int32"),
        ops.cast(y_true, "int32"),
    ), "float32")
    return ops.sum(hit * valid) / ops.maximum(ops.sum(valid), 1.0)


def compile_model(model: keras.Model, optimizer,
                  label_smoothing: float = 0.0) -> None:
    """Compiles with `reply_loss` and the token accuracy metric.

    Args:
        model: the chatbot of `build_model`.
        optimizer: a `keras.optimizers.Optimizer` (see
            `apps.framework.make_optimizer`).
        label_smoothing: float, see `reply_loss`. Defaults to `0.0`.
    """
    model.compile(
        optimizer=optimizer,
        loss=reply_loss(label_smoothing),
        metrics=[keras.metrics.MeanMetricWrapper(
            token_accuracy, name="token_accuracy")],
    )
