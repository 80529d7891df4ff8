"""Graves' handwriting networks (2013, sections 4 and 5), as Keras models.

- `prediction` (section 4, Fig. 1): a stack of LSTM layers with skip
  connections: every layer reads the pen point as well as the layer below,
  and the mixture density head reads every layer:

  ```
  h1 = LSTM(x); h2 = LSTM([x, h1]); h3 = LSTM([x, h2])
  y = MixtureDensity([h1, h2, h3])
  ```

- `synthesis` (section 5, Fig. 12): the first layer is an LSTM with a
  Gaussian window over the one-hot text (`rnn_layers.GaussianWindowCell`),
  and the window vector `w` feeds the deeper layers:

  ```
  h1, w = GaussianWindowCell(x, text); h2 = LSTM([x, h1, w])
  h3 = LSTM([x, h2, w]); y = MixtureDensity([h1, h2, h3])
  ```

The LSTM layers are `rnn_layers.LSTM` (their fused loop trains them); the
window layer steps its cell. Inputs are normalised stroke-3 points (see
`apps/handwriting/data.py`) and, for synthesis, int32 character ids with
`0` as padding. The output is the raw `6M + 1` mixture parameters per
point, scored by `rnn_layers.MixtureDensityLoss`.
"""

import dataclasses

import keras

from apps.framework.flags import require_choice
from apps.framework.flags import require_positive_integers
from apps.framework.flags import require_positive_numbers
from rnn_layers import LSTM
from rnn_layers import RNN
from rnn_layers import GaussianWindowCell
from rnn_layers import MixtureDensity

NETWORKS = ("synthesis", "prediction")
WINDOW_LAYER = "window"
HEAD_LAYER = "mixture"


def lstm_name(index: int) -> str:
    """Name of the LSTM layer `index` (0-based) of either network."""
    return f"lstm_{index + 1}"


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """Hyper-parameters of a handwriting network; saved in `config.json`.

    Args:
        network: str, `"synthesis"` (text-conditioned) or `"prediction"`
            (unconditional). Defaults to `"synthesis"`.
        units: int, LSTM units per layer (Graves: 400). Defaults to `128`.
        num_layers: int, LSTM layers (Graves: 3). Defaults to `3`.
        num_mixtures: int, `M`, bivariate Gaussians of the output
            (Graves: 20). Defaults to `20`.
        num_window_components: int, `K`, Gaussians of the window
            (Graves: 10; synthesis only). Defaults to `10`.
        kappa_scale: float, factor of the window's step `exp(kappa_hat)`;
            about one over the points per character starts the window at
            the pace of the pen. Defaults to `0.05`.
    """

    network: str = "synthesis"
    units: int = 128
    num_layers: int = 3
    num_mixtures: int = 20
    num_window_components: int = 10
    kappa_scale: float = 0.05

    def __post_init__(self):
        require_choice(self, "network", NETWORKS)
        require_positive_integers(
            self, ("units", "num_layers", "num_mixtures",
                   "num_window_components"))
        require_positive_numbers(self, "kappa_scale")


def _one_hot_text(text, vocabulary_size: int):
    """One-hot characters `(batch, U, V)` and their mask `(batch, U)`."""
    mask = keras.ops.not_equal(text, 0)
    return keras.ops.one_hot(text, vocabulary_size), mask


def build_model(config: ModelConfig, alphabet_size: int) -> keras.Model:
    """Builds the configured network (not compiled).

    Args:
        config: `ModelConfig`.
        alphabet_size: int, characters of the run's alphabet (ids
            `1..alphabet_size`; `0` pads).

    Returns:
        `keras.Model` with inputs `{"strokes": (batch, time, 3)}` (and
        `"text": (batch, chars)` int32 for synthesis) and output
        `(batch, time, 6M + 1)`.

    Example:

    >>> import numpy as np
    >>> model = build_model(ModelConfig(units=8), alphabet_size=5)
    >>> params = model({"strokes": np.zeros((2, 6, 3), "float32"),
    ...                 "text": np.ones((2, 4), "int32")})
    >>> tuple(params.shape)
    (2, 6, 121)
    """
    strokes = keras.Input((None, 3), name="strokes")
    inputs = {"strokes": strokes}
    hidden, below, extra = [], strokes, []
    first = 0
    if config.network == "synthesis":
        text = keras.Input((None,), dtype="int32", name="text")
        inputs["text"] = text
        vocabulary = alphabet_size + 1
        characters, mask = _one_hot_text(text, vocabulary)
        cell = GaussianWindowCell(
            config.units, config.num_window_components, vocabulary,
            kappa_scale=config.kappa_scale, name="window_cell")
        outputs = RNN(cell, return_sequences=True, name=WINDOW_LAYER)(
            strokes, constants=[characters, mask])
        h1, window = cell.split_output(outputs)  # (b, t, units), (b, t, V)
        hidden.append(h1)
        below, extra, first = h1, [window], 1
    for index in range(first, config.num_layers):
        layer_inputs = keras.layers.Concatenate(name=f"skip_{index + 1}")(
            [strokes, below] + extra) if index else strokes
        below = LSTM(config.units, return_sequences=True,
                     name=lstm_name(index))(layer_inputs)
        hidden.append(below)
    top = (keras.layers.Concatenate(name="all_layers")(hidden)
           if len(hidden) > 1 else hidden[0])
    params = MixtureDensity(config.num_mixtures, name=HEAD_LAYER)(top)
    return keras.Model(inputs, params, name=f"handwriting_{config.network}")
