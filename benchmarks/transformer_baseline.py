"""A small causal transformer, the baseline a user would pick over an LSTM.

nanoGPT's CPU recipe for tinyshakespeare (karpathy/nanoGPT:
`config/train_shakespeare_char.py`, README "I only have a macbook"):
4 layers, 4 heads, 128 wide, 64-character context, no dropout, AdamW at
`1e-3` with `beta_2 = 0.99`, weight decay `0.1`, gradient clip `1.0`,
batches of 12. Built here from keras-hub layers (a benchmark-only extra),
laid out like keras-hub's `GPT2Backbone`:

```
ids (batch, time) -> Embedding + PositionEmbedding (batch, time, hidden_dim)
  -> [TransformerDecoder, pre-norm, causal self-attention] x num_layers
  -> LayerNormalization -> Dense logits (batch, time, vocabulary)
```

A `TransformerDecoder` called without an encoder sequence is decoder-only,
and its self-attention is causal by default, so position `t` sees tokens
`0 .. t` only, like the recurrent model reading left to right.
"""

import dataclasses

import keras
import keras_hub


@dataclasses.dataclass(frozen=True)
class TransformerConfig:
    """Hyper-parameters of the baseline transformer (nanoGPT's CPU size).

    Args:
        vocabulary_size: int, number of token ids. Defaults to `65`.
        sequence_length: int, longest context (position embeddings).
            Defaults to `64`.
        num_layers: int, stacked decoder blocks. Defaults to `4`.
        num_heads: int, attention heads per block. Defaults to `4`.
        hidden_dim: int, width of the residual stream. Defaults to `128`.
        intermediate_dim: int, width of each feed-forward block.
            Defaults to `512` (4 x hidden_dim, as in GPT-2).
        dropout: float, dropout inside the blocks. Defaults to `0.0`.
    """

    vocabulary_size: int = 65  # token ids (tinyshakespeare has 65 chars)
    sequence_length: int = 64  # longest context
    num_layers: int = 4  # decoder blocks
    num_heads: int = 4  # attention heads per block
    hidden_dim: int = 128  # residual stream width
    intermediate_dim: int = 512  # feed-forward width
    dropout: float = 0.0  # inside the blocks

    def __post_init__(self):
        if self.hidden_dim % self.num_heads:
            raise ValueError(
                f"Received `hidden_dim={self.hidden_dim}` and `num_heads="
                f"{self.num_heads}`; expected hidden_dim divisible by "
                "num_heads."
            )

    @property
    def description(self) -> str:
        """A short label, e.g. `"4L 4H 128d ctx64"`."""
        return (f"{self.num_layers}L {self.num_heads}H {self.hidden_dim}d "
                f"ctx{self.sequence_length}")


def build_transformer(config: TransformerConfig) -> keras.Model:
    """Builds the causal transformer language model (not compiled).

    Args:
        config: `TransformerConfig`.

    Returns:
        `keras.Model` mapping int32 ids `(batch, time)`, `time <=
        sequence_length`, to logits `(batch, time, vocabulary_size)`.

    Example:

    >>> import numpy as np
    >>> model = build_transformer(TransformerConfig(
    ...     vocabulary_size=10, sequence_length=8, num_layers=1,
    ...     num_heads=2, hidden_dim=8, intermediate_dim=16))
    >>> model(np.zeros((2, 5), "int32")).shape
    (2, 5, 10)
    """
    initializer = keras.initializers.RandomNormal(stddev=0.02)  # GPT-2's
    ids = keras.Input(shape=(None,), dtype="int32", name="ids")
    tokens = keras.layers.Embedding(
        config.vocabulary_size, config.hidden_dim,
        embeddings_initializer=initializer, name="token_embedding",
    )(ids)  # (batch, time, hidden_dim)
    positions = keras_hub.layers.PositionEmbedding(
        config.sequence_length, initializer=initializer,
        name="position_embedding",
    )(tokens)  # (batch, time, hidden_dim)
    x = keras.layers.Add(name="embedding")([tokens, positions])
    for index in range(config.num_layers):
        x = keras_hub.layers.TransformerDecoder(
            intermediate_dim=config.intermediate_dim,
            num_heads=config.num_heads, dropout=config.dropout,
            activation="gelu", kernel_initializer=initializer,
            normalize_first=True, name=f"decoder_{index}",
        )(x)  # (batch, time, hidden_dim), causal
    x = keras.layers.LayerNormalization(epsilon=1e-5, name="layer_norm")(x)
    logits = keras.layers.Dense(config.vocabulary_size, name="logits")(x)
    return keras.Model(ids, logits, name="transformer_baseline")


def nanogpt_optimizer(learning_rate: float = 1e-3) -> keras.optimizers.AdamW:
    """AdamW as nanoGPT's char recipe sets it; the rate is a variable.

    Weight decay (`0.1`) applies to matrices only: nanoGPT leaves biases
    and layer-norm scales undecayed, here by their names.

    Args:
        learning_rate: float, the initial (peak) rate; a callback may
            assign another each step. Defaults to `1e-3`.

    Returns:
        A `keras.optimizers.AdamW`.
    """
    optimizer = keras.optimizers.AdamW(
        learning_rate, weight_decay=0.1, beta_2=0.99, global_clipnorm=1.0)
    optimizer.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
    return optimizer
