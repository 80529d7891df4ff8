"""Exports a handwriting network as a SavedModel that writes strokes and SVG.

Signatures of the synthesis network (CPU, only `tensorflow` imported):

- `serving_default(text)`: string `(batch,)` -> `strokes` float32
  `(batch, N, 3)` stroke-3 `(dx, dy, pen_up)` in the training data's
  units (`y` downward), `lengths` int32 `(batch,)` (points of each item;
  the rest of its rows are zeros), `svg` string `(batch,)` (one SVG
  document per item, built in the graph) and `error` string `(batch,)`
  (`""` when the item was written). Sampled at bias `SERVING_BIAS` with
  seed 0, so a text always gets the same line.
- `generate(text, bias, seed, priming_text, priming_strokes,
  priming_lengths)`: the same with an explicit bias (float32 scalar in
  `[0, MAX_BIAS]`), seed (int32 scalar) and, per item, a real line to copy
  the style of (Graves section 5.5): its text, its stroke-3 points in data
  units `(batch, P, 3)` at the data set's own point rate (a run trained
  with `--downsample` downsamples them in the graph) and how many of them
  are valid (`0` for none).

The prediction (unconditional) network takes `num_points` int32 `(batch,)`
instead of `text` (and `generate` has no `priming_text`).

Bounds (export options, recorded in the model's docstring here): at most
`max_characters` characters per text (default `DEFAULT_MAX_CHARACTERS`),
`points_per_character` points per character (default
`DEFAULT_POINTS_PER_CHARACTER`; the window's stopping rule usually ends a
line well before), `MAX_PRIMING_POINTS` priming points, `MAX_POINTS` points
for the prediction network and `MAX_BATCH` items per request (a larger
batch, or a bias outside `[0, MAX_BIAS]` or NaN, fails the request with
INVALID_ARGUMENT). Per-item answers:

- empty text: no points, an empty SVG, no error;
- a character outside the alphabet (invalid UTF-8 decodes to U+FFFD, which
  is outside too): no points and an error naming the character;
- a text over `max_characters` (say 10,000 characters): no points and an
  error, decided on the length alone;
- priming strokes with NaN or infinity among their valid points, or a bad
  `priming_lengths`: no points and an error.

`reference_requests(restored)` gives the answers of the Python path
(`apps.handwriting.generate.generate`, any backend) to both signatures,
which a TensorFlow export of the same run must equal
(`tests/apps/jax_parity_test.py`): sampling is a pure function of the seed
(`rnn_layers.StrokeSampler`), the same on every backend.

Example:

```
python -m apps.handwriting.export --run_dir runs/handwriting
```
"""

import dataclasses
import pathlib

import keras
import numpy as np

from apps.framework import BaseExportConfig
from apps.framework import Restored
from apps.framework import export_command
from apps.handwriting import sampling
from apps.handwriting import serving
from apps.handwriting.config import APP
from apps.handwriting.drawing import stroke_width
from apps.handwriting.generate import Style, generate
from saved_models.export import export_versioned, require_tensorflow_backend
from saved_models.request_checks import at_most_per_request

DEFAULT_MAX_CHARACTERS = 100
DEFAULT_POINTS_PER_CHARACTER = 40
MAX_PRIMING_POINTS = 2000
MAX_POINTS = 2000
MAX_BATCH = 64
MAX_BIAS = 10.0
SERVING_BIAS = 1.0
WARMUP_TEXTS = ("hello world", "", "x" * 200)
REFERENCE_TEXTS = ("hello", "ink")  # less what the run's alphabet lacks
REFERENCE_POINTS = 60  # points of a reference prediction-network line
REFERENCE_BIAS = 0.5  # bias and seed of the primed reference request
REFERENCE_SEED = 3


def _checked_bias(tf, bias):
    checks = [
        tf.debugging.assert_greater_equal(
            bias, 0.0, message=f"bias must be in [0, {MAX_BIAS}]"),
        tf.debugging.assert_less_equal(
            bias, MAX_BIAS, message=f"bias must be in [0, {MAX_BIAS}]"),
    ]
    with tf.control_dependencies(checks):
        return tf.identity(bias)


class Writer:
    """The exported functions of one restored run.

    Args:
        restored: the run from `apps.framework.restore`.
        max_characters: int, the most characters per text.
        points_per_character: int, the point budget per character.
    """

    def __init__(self, restored: Restored, max_characters: int,
                 points_per_character: int):
        self.step = sampling.NetworkStep(restored.model,
                                         restored.model_config)
        self.alphabet = restored.assets["alphabet"]
        self.stats = restored.assets["stats"]
        self.clip = restored.train_config.clip
        self.downsample = restored.train_config.downsample
        self.max_characters = max_characters
        self.points_per_character = points_per_character
        self.width = stroke_width(self.stats)

    def _answer(self, ids, budgets, bias, seed, priming, priming_lengths,
                error):
        import tensorflow as tf

        bias = _checked_bias(tf, bias)
        budgets = tf.where(tf.equal(error, ""), budgets, 0)
        written, lengths = sampling.write(
            self.step, ids, tf.maximum(budgets, 0), bias, seed, priming,
            priming_lengths)
        scale = tf.constant([self.stats.std[0], self.stats.std[1], 1.0])
        strokes = written * scale
        return {
            "strokes": strokes,
            "lengths": lengths,
            "svg": serving.svg_documents(strokes, lengths, self.width),
            "error": error,
        }

    def _priming(self, strokes, lengths):
        return serving.check_priming(
            strokes, lengths, self.stats.std, self.clip, MAX_PRIMING_POINTS,
            self.downsample)

    def write_text(self, text, bias, seed, priming_text, priming_strokes,
                   priming_lengths):
        """The synthesis network's `generate` signature."""
        import tensorflow as tf

        text = at_most_per_request(tf.reshape(text, [-1]), MAX_BATCH, "items")
        priming_text = tf.reshape(priming_text, [-1])
        _, text_lengths, text_error = serving.encode_text(
            text, self.alphabet, self.max_characters)
        priming, priming_lengths, priming_error = self._priming(
            priming_strokes, priming_lengths)
        primed = priming_lengths > 0
        joined = tf.where(primed, tf.strings.join([priming_text, " ", text]),
                          text)
        ids, _, joined_error = serving.encode_text(
            joined, self.alphabet, 2 * self.max_characters + 1)
        error = tf.where(
            tf.equal(text_error, ""),
            tf.where(tf.equal(priming_error, ""), joined_error,
                     priming_error),
            text_error)
        ok = tf.equal(error, "")
        ids = tf.where(ok[:, None], ids, 0)
        priming_lengths = tf.where(ok, priming_lengths, 0)
        budgets = self.points_per_character * text_lengths
        return self._answer(ids, budgets, bias, seed, priming,
                            priming_lengths, error)

    def write_points(self, num_points, bias, seed, priming_strokes,
                     priming_lengths):
        """The prediction network's `generate` signature."""
        import tensorflow as tf

        num_points = at_most_per_request(
            tf.reshape(num_points, [-1]), MAX_BATCH, "items")
        priming, priming_lengths, error = self._priming(
            priming_strokes, priming_lengths)
        error = tf.where(
            tf.logical_and(tf.equal(error, ""), tf.logical_or(
                num_points < 0, num_points > MAX_POINTS)),
            tf.constant(f"num_points outside 0..{MAX_POINTS}"), error)
        priming_lengths = tf.where(tf.equal(error, ""), priming_lengths, 0)
        ids = tf.zeros([tf.shape(num_points)[0], 0], tf.int32)
        return self._answer(ids, num_points, bias, seed, priming,
                            priming_lengths, error)


def build_archive(restored: Restored, max_characters: int,
                  points_per_character: int):
    """An `ExportArchive` with the `serving_default` and `generate` endpoints."""
    import tensorflow as tf

    require_tensorflow_backend()
    writer = Writer(restored, max_characters, points_per_character)
    archive = keras.export.ExportArchive()
    archive.track(restored.model)
    priming_specs = [
        tf.TensorSpec([None, None, 3], tf.float32, name="priming_strokes"),
        tf.TensorSpec([None], tf.int32, name="priming_lengths"),
    ]
    scalars = [tf.TensorSpec([], tf.float32, name="bias"),
               tf.TensorSpec([], tf.int32, name="seed")]

    def empty_priming(batch):
        return (tf.zeros([batch, 0, 3]), tf.zeros([batch], tf.int32))

    if restored.model_config.network == "synthesis":
        text_spec = tf.TensorSpec([None], tf.string, name="text")

        def serve(text):
            batch = tf.shape(tf.reshape(text, [-1]))[0]
            return writer.write_text(
                text, tf.constant(SERVING_BIAS), tf.constant(0),
                tf.fill([batch], ""), *empty_priming(batch))

        archive.add_endpoint("serving_default", serve, [text_spec])
        archive.add_endpoint(
            "generate", writer.write_text,
            [text_spec, *scalars,
             tf.TensorSpec([None], tf.string, name="priming_text"),
             *priming_specs])
    else:
        points_spec = tf.TensorSpec([None], tf.int32, name="num_points")

        def serve(num_points):
            batch = tf.shape(tf.reshape(num_points, [-1]))[0]
            return writer.write_points(
                num_points, tf.constant(SERVING_BIAS), tf.constant(0),
                *empty_priming(batch))

        archive.add_endpoint("serving_default", serve, [points_spec])
        archive.add_endpoint("generate", writer.write_points,
                             [points_spec, *scalars, *priming_specs])
    return archive


def export_restored(
    restored: Restored,
    model_dir: str = "saved_models/handwriting",
    version: int | None = None,
    max_characters: int = DEFAULT_MAX_CHARACTERS,
    points_per_character: int = DEFAULT_POINTS_PER_CHARACTER,
) -> pathlib.Path:
    """Exports a restored run to `<model_dir>/<version>/` with warm-up requests.

    Args:
        restored: the run from `apps.framework.restore`.
        model_dir: str, the model's folder. Defaults to
            `"saved_models/handwriting"`.
        version: int or `None` for the next free one. Defaults to `None`.
        max_characters: int, the most characters per text.
            Defaults to `DEFAULT_MAX_CHARACTERS`.
        points_per_character: int, point budget per character.
            Defaults to `DEFAULT_POINTS_PER_CHARACTER`.

    Returns:
        `pathlib.Path` of the version folder.

    Raises:
        RuntimeError: "export needs KERAS_BACKEND=tensorflow" off TensorFlow.
    """
    require_tensorflow_backend()
    if restored.model_config.network == "synthesis":
        warmup = {"text": list(WARMUP_TEXTS)}
    else:
        warmup = {"num_points": [50, 0]}
    return export_versioned(
        build_archive(restored, max_characters, points_per_character),
        model_dir, version=version, warmup_requests=[warmup],
    )


def reference_requests(
    restored: Restored,
    points_per_character: int = DEFAULT_POINTS_PER_CHARACTER,
) -> list[dict]:
    """Answers of `generate` to `serving_default` and a primed `generate`.

    `serving_default` writes `REFERENCE_TEXTS` (the synthesis network; the
    prediction network writes `REFERENCE_POINTS` points per line) at
    `SERVING_BIAS` with seed 0; `generate` writes them again in the style
    of the first served line, at `REFERENCE_BIAS` with `REFERENCE_SEED`.
    Runs on any backend.

    Args:
        restored: the run from `apps.framework.restore`.
        points_per_character: int, the export's point budget per character.
            Defaults to `DEFAULT_POINTS_PER_CHARACTER`.

    Returns:
        list of `{"signature", "inputs", "outputs"}` dicts (see
        `apps.framework.App.reference_function`).
    """
    alphabet = restored.assets["alphabet"]
    texts = ["".join(c for c in text if c in alphabet)
             for text in REFERENCE_TEXTS]
    if restored.model_config.network == "synthesis":
        inputs = {"text": texts}
        most = points_per_character * max(len(text) for text in texts)
    else:
        inputs = {"num_points": np.full(len(texts), REFERENCE_POINTS,
                                        "int32")}
        most = REFERENCE_POINTS

    def written(bias, seed, style=None):
        lines = generate(restored, texts, bias, seed, style,
                         points_per_character, REFERENCE_POINTS)
        strokes = np.zeros((len(lines), most, 3), "float32")
        for row, line in enumerate(lines):
            strokes[row, :len(line.strokes)] = line.strokes
        lengths = np.array([len(line.strokes) for line in lines], "int32")
        return lines, {"strokes": strokes, "lengths": lengths,
                       "error": [""] * len(lines)}

    served, outputs = written(SERVING_BIAS, 0)
    style = Style(served[0].text, served[0].strokes)
    priming = {
        "bias": np.float32(REFERENCE_BIAS), "seed": np.int32(REFERENCE_SEED),
        "priming_strokes": np.repeat(style.strokes[None], len(texts), 0),
        "priming_lengths": np.full(len(texts), len(style.strokes), "int32"),
    }
    if "text" in inputs:
        priming["priming_text"] = [style.text] * len(texts)
    return [
        {"signature": "serving_default", "inputs": inputs,
         "outputs": outputs},
        {"signature": "generate", "inputs": {**inputs, **priming},
         "outputs": written(REFERENCE_BIAS, REFERENCE_SEED, style)[1]},
    ]


@dataclasses.dataclass(frozen=True)
class ExportConfig(BaseExportConfig):
    """What to export.

    Args:
        run_dir: str, the training run to export. Defaults to
            `"runs/handwriting"`.
        model_dir: str, folder of versioned exports. Defaults to
            `"saved_models/handwriting"`.
        max_characters: int, the most characters per text a request may
            have. Defaults to `DEFAULT_MAX_CHARACTERS`.
        points_per_character: int, the most points written per character.
            Defaults to `DEFAULT_POINTS_PER_CHARACTER`.
    """

    run_dir: str = "runs/handwriting"
    model_dir: str = "saved_models/handwriting"
    max_characters: int = DEFAULT_MAX_CHARACTERS
    points_per_character: int = DEFAULT_POINTS_PER_CHARACTER

    def __post_init__(self):
        super().__post_init__()
        for name, value, high in (
            ("max_characters", self.max_characters, 1000),
            ("points_per_character", self.points_per_character, 200),
        ):
            if not 1 <= value <= high:
                raise ValueError(
                    f"Received `{name}={value}`; expected 1 to {high}."
                )


build_parser, main = export_command(
    APP,
    "Export a trained handwriting network as a versioned SavedModel "
    "(needs KERAS_BACKEND=tensorflow).",
    ExportConfig,
)


if __name__ == "__main__":
    main()
