"""Show, Attend and Tell: a CNN feature grid read by an attention LSTM.

Xu et al. 2015 (arXiv:1502.03044). The encoder turns an image into a grid
of `L` feature vectors `a_i` (section 3.1.1). The decoder is an LSTM whose
initial state is an MLP of the mean feature (section 3.1.2); at every step
it attends softly over the grid (Bahdanau scores, "soft" attention, eq. 8),
feeds the previous attention vector back as input (input feeding) and
predicts the next word from `tanh(W_c [h_t; z_t])`. Training uses teacher
forcing and the doubly stochastic regulariser of eq. 14,
`lambda * mean_i (1 - sum_t alpha_ti)^2`, over the non-padding steps.

Encoders: a compact CNN trained from scratch (default), or any
`keras.applications` backbone (`backbone="MobileNetV3Small"`, ...) with
ImageNet weights from a local file, frozen or fine-tuned. Backbones get
pixels in [0, 255] (EfficientNet and MobileNetV3 rescale inside).
"""

import dataclasses

import keras
from keras import ops

from rnn_layers import (
    RNN,
    AttentionWrapper,
    BahdanauAttention,
    LSTMCell,
    masked_sequence_loss,
    replica_count,
)

PAD_ID = 0  # datasets.vocabulary: <pad> = 0


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """Hyper-parameters of the captioner; saved in the run's `config.json`.

    Args:
        image_size: int, side of the square input image. Defaults to `48`.
        encoder_width: int, filters of the first CNN block (doubling per
            block). Defaults to `16`.
        encoder_blocks: int, CNN blocks, each halving the grid. Defaults
            to `3`.
        feature_dim: int, depth of each grid feature. Defaults to `128`.
        embedding_dim: int, word embedding size. Defaults to `64`.
        units: int, LSTM units and attention vector size. Defaults to `256`.
        attention_units: int, hidden size of the attention score. Defaults
            to `128`.
        dropout: float, dropout before the word logits. Defaults to `0.1`.
        attention_penalty: float, lambda of the doubly stochastic
            regulariser. Defaults to `0.5`.
        backbone: str, a `keras.applications` class name, or empty for the
            from-scratch CNN. Defaults to `""`.
        backbone_weights: str, local ImageNet weights file of the backbone
            (`"imagenet"` downloads); empty for random. Defaults to `""`.
        fine_tune_backbone: bool, trains the backbone when true, freezes
            it when false. Defaults to `False`.
    """

    image_size: int = 48  # side of the square input image
    encoder_width: int = 16  # filters of the first CNN block
    encoder_blocks: int = 3  # CNN blocks, each halving the grid
    feature_dim: int = 128  # depth of each grid feature
    embedding_dim: int = 64  # word embedding size
    units: int = 256  # LSTM units and attention vector size
    attention_units: int = 128  # hidden size of the attention score
    dropout: float = 0.1  # dropout before the word logits
    attention_penalty: float = 0.5  # lambda of the doubly stochastic term
    backbone: str = ""  # keras.applications class name; "" = scratch CNN
    backbone_weights: str = ""  # local weights file, "imagenet" or ""
    fine_tune_backbone: bool = False  # train the backbone too

    def __post_init__(self):
        for name in ("image_size", "encoder_width", "encoder_blocks",
                     "feature_dim", "embedding_dim", "units",
                     "attention_units"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or (
                value < 1
            ):
                raise ValueError(
                    f"Received `{name}={value!r}`; expected a positive "
                    "integer."
                )
        if self.image_size % (2 ** self.encoder_blocks):
            raise ValueError(
                f"Received `image_size={self.image_size}` with "
                f"`encoder_blocks={self.encoder_blocks}`; the size must be "
                f"a multiple of {2 ** self.encoder_blocks}."
            )
        if not 0 <= self.dropout < 1:
            raise ValueError(
                f"Received `dropout={self.dropout}`; expected 0 <= x < 1."
            )
        if self.attention_penalty < 0:
            raise ValueError(
                f"Received `attention_penalty={self.attention_penalty}`; "
                "expected >= 0."
            )
        if self.backbone and not hasattr(keras.applications, self.backbone):
            raise ValueError(
                f"Received `backbone={self.backbone!r}`; expected a class "
                "of keras.applications such as 'MobileNetV3Small'."
            )


@keras.saving.register_keras_serializable(package="captioning")
class GridPosition(keras.layers.Layer):
    """Adds a learned vector per grid position: `(batch, L, D)` -> same."""

    def build(self, input_shape):
        self.position = self.add_weight(
            name="position", shape=tuple(input_shape[1:]),
            initializer="zeros",
        )

    def call(self, inputs):
        return inputs + self.position


@keras.saving.register_keras_serializable(package="captioning")
class AttentionPenalty(keras.layers.Layer):
    """Doubly stochastic attention (Xu et al. 2015, eq. 14) as a layer loss.

    Args:
        units: int, where the alignments start in the decoder outputs.
        weight: float, lambda. Defaults to `1.0`.

    Call arguments:
        outputs: `(batch, time, units + L)`: attention vectors, alignments.
        tokens: int `(batch, time)` decoder inputs; `<pad>` steps are ignored.

    Returns:
        `outputs`, unchanged; adds `weight * mean_i (1 - sum_t alpha_ti)^2`.
    """

    def __init__(self, units, weight=1.0, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.weight = float(weight)

    def call(self, outputs, tokens):
        if self.weight:
            # float32 whatever the compute dtype: losses add up in float32.
            alignments = ops.cast(outputs[..., self.units:], "float32")
            valid = ops.cast(ops.not_equal(tokens, PAD_ID), "float32")
            totals = ops.sum(alignments * valid[..., None], axis=1)  # (b, L)
            self.add_loss(self.weight * ops.mean(ops.square(1.0 - totals)))
        return outputs

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "weight": self.weight}


def build_encoder(config: ModelConfig) -> keras.Model:
    """Image `(size, size, 3)` in [0, 1] -> grid `(L, feature_dim)`."""
    image = keras.Input((config.image_size, config.image_size, 3), name="image")
    if config.backbone:
        weights = config.backbone_weights or None
        base = getattr(keras.applications, config.backbone)(
            include_top=False, weights=weights,
            input_shape=(config.image_size, config.image_size, 3),
        )
        base.trainable = bool(config.fine_tune_backbone)
        x = base(image * 255.0, training=bool(config.fine_tune_backbone))
    else:
        x = image
        for block in range(config.encoder_blocks):
            filters = config.encoder_width * 2 ** block
            for conv in range(2):
                x = keras.layers.Conv2D(
                    filters, 3, padding="same", use_bias=False,
                    name=f"conv_{block}_{conv}",
                )(x)
                # Built under a tf.distribute strategy of several replicas
                # (--distribute), statistics of the global batch, as on one
                # device (JAX's DataParallel computes them so by itself).
                x = keras.layers.BatchNormalization(
                    momentum=0.9, name=f"bn_{block}_{conv}",
                    synchronized=replica_count() > 1)(x)
                x = keras.layers.Activation("relu")(x)
            x = keras.layers.MaxPooling2D(name=f"pool_{block}")(x)
    grid = keras.layers.Conv2D(
        config.feature_dim, 1, activation="relu", name="features"
    )(x)  # (batch, h, w, feature_dim)
    grid = keras.layers.Reshape((-1, config.feature_dim))(grid)  # (b, L, D)
    grid = GridPosition(name="grid_position")(grid)
    return keras.Model(image, grid, name="encoder")


def build_model(config: ModelConfig, vocabulary_size: int) -> keras.Model:
    """Builds the teacher-forced captioner (not compiled).

    Args:
        config: `ModelConfig`.
        vocabulary_size: int, words including `<pad>`, `<unk>`, `<start>`,
            `<end>`.

    Returns:
        `keras.Model` mapping `[image (batch, size, size, 3) in [0, 1],
        tokens int (batch, time)]` to logits `(batch, time, vocabulary)`.
        Its layers `encoder`, `init_h`, `init_c`, `embedding`, `decoder`
        (an `RNN` over an `AttentionWrapper`), `logits` and
        `attention_penalty` (whose output are the alignments) are what
        `apps.captioning.decoding` steps through.

    Example:

    >>> import numpy as np
    >>> model = build_model(ModelConfig(image_size=16, encoder_blocks=2,
    ...                                 units=8), vocabulary_size=12)
    >>> model([np.zeros((2, 16, 16, 3)), np.ones((2, 5), "int32")]).shape
    (2, 5, 12)
    """
    image = keras.Input(
        (config.image_size, config.image_size, 3), name="image"
    )
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    encoder = build_encoder(config)
    memory = encoder(image)  # (batch, L, D)
    grid_size = encoder.output.shape[1]
    mean = ops.mean(memory, axis=1)  # (batch, D)
    h0 = keras.layers.Dense(config.units, activation="tanh", name="init_h")(mean)
    c0 = keras.layers.Dense(config.units, activation="tanh", name="init_c")(mean)
    wrapper = AttentionWrapper(
        LSTMCell(config.units),
        BahdanauAttention(config.attention_units),
        memory_depth=config.feature_dim,
        attention_layer_size=config.units,
        memory_length=grid_size,
        output_alignments=True,
        name="attention_wrapper",
    )
    embedded = keras.layers.Embedding(
        vocabulary_size, config.embedding_dim, name="embedding"
    )(tokens)  # (batch, time, embedding_dim)
    initial_state = [h0, c0, ops.zeros_like(h0), ops.zeros_like(mean[..., :1])
                     * ops.zeros((1, grid_size))]
    outputs = RNN(wrapper, return_sequences=True, name="decoder")(
        embedded, initial_state=initial_state, constants=[memory]
    )  # (batch, time, units + L)
    outputs = AttentionPenalty(
        config.units, config.attention_penalty, name="attention_penalty"
    )(outputs, tokens)
    attention_vector = outputs[..., : config.units]  # (batch, time, units)
    x = keras.layers.Dropout(config.dropout)(attention_vector)
    logits = keras.layers.Dense(vocabulary_size, name="logits")(x)
    return keras.Model([image, tokens], logits, name="captioner")


def attention_model(model: keras.Model) -> keras.Model:
    """The same graph with outputs `(logits, alignments (b, time, L))`."""
    return keras.Model(
        model.inputs,
        [model.output, model.get_layer("attention_penalty").output[
            ..., model.get_layer("attention_penalty").units:]],
    )


def caption_loss(y_true, y_pred):
    """Mean cross-entropy over non-`<pad>` target words."""
    return masked_sequence_loss(
        y_true, y_pred, mask=ops.not_equal(y_true, PAD_ID)
    )


def token_accuracy(y_true, y_pred):
    """Fraction of non-`<pad>` target words predicted exactly (a metric)."""
    valid = ops.cast(ops.not_equal(y_true, PAD_ID), "float32")
    hit = ops.cast(ops.equal(
        ops.cast(ops.argmax(y_pred, axis=-1), "int32"),
        ops.cast(y_true, "int32"),
    ), "float32")
    return ops.sum(hit * valid) / ops.maximum(ops.sum(valid), 1.0)


def compile_model(model: keras.Model, optimizer) -> None:
    """Compiles with masked cross-entropy and the token accuracy metric.

    Args:
        model: the captioner of `build_model`.
        optimizer: a `keras.optimizers.Optimizer` (see
            `apps.framework.make_optimizer`).
    """
    model.compile(
        optimizer=optimizer,
        loss=caption_loss,
        metrics=[keras.metrics.MeanMetricWrapper(
            token_accuracy, name="token_accuracy")],
    )
