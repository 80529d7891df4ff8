"""Writes text (or free scribbles) with a trained network: SVG, PNG, phi plot.

For each bias (`--bias 0 0.5 1 2`) every text is written once, in the
run's data units; the files are `<output>_<n>.svg` (one per line, in the
order of the PNG), `<output>.png` (all lines, titled with text and bias)
and, for the synthesis network, `<output>_phi.png` (the window weights
`phi(t, u)` of the first line: a good model walks the diagonal).

Priming copies a style (Graves section 5.5): `--prime_line N` takes line
`N` of the run's validation split (a real IAM-OnDB line, or a Hershey line
in a drawn style); `--style FILE` a saved one (`--save_style FILE` writes
the style used, or line `N`, for later). `generate(...)` is the same from
Python and returns the lines.

Example:

```
python -m apps.handwriting.generate --run_dir runs/handwriting \
    --text "hello world" "the quick brown fox" --bias 0 0.5 1 2
```
"""

import dataclasses
import pathlib

import keras
import numpy as np

from apps.framework import BaseRunConfig
from apps.framework import Restored
from apps.framework import config_parser
from apps.framework import entry_point
from apps.framework import restore
from apps.framework.flags import require_positive_integers
from apps.handwriting import data
from apps.handwriting import drawing
from apps.handwriting import sampling
from apps.handwriting.config import APP
from datasets import strokes as stroke_format

STYLE_FIX = "pass a file written by --save_style"


@dataclasses.dataclass(frozen=True)
class Style:
    """A real line whose look the network copies.

    Args:
        text: str, what the line says.
        strokes: float `(T, 3)` stroke-3 in data units, at the data set's
            own point rate (a run trained with `--downsample` downsamples
            it the same way).
    """

    text: str
    strokes: np.ndarray


def save_style(path, style: Style) -> None:
    """Writes a style as `.npz` (`text`, `strokes`; no pickles)."""
    np.savez(path, text=np.array(style.text),
             strokes=np.asarray(style.strokes, np.float32))


def load_style(path) -> Style:
    """Reads a `save_style` file.

    Raises:
        FileNotFoundError: if the file is missing.
        ValueError: if it is not a style file.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Style file {path} not found; {STYLE_FIX}.")
    try:
        with np.load(path, allow_pickle=False) as stored:
            return Style(str(stored["text"]), stored["strokes"])
    except (OSError, ValueError, KeyError) as error:
        raise ValueError(
            f"{path} is not a style file ({error}); {STYLE_FIX}.") from None


def validation_style(restored: Restored, index: int) -> Style:
    """Line `index` of the run's validation split, as a `Style`.

    Raises:
        ValueError: if the split has no such line.
    """
    _, lines = data.load_split(restored.train_config)
    if not 0 <= index < len(lines):
        raise ValueError(
            f"Received `prime_line={index}`; the validation split has "
            f"{len(lines)} lines (0 to {len(lines) - 1})."
        )
    return Style(lines.texts[index], np.asarray(lines.strokes[index],
                                                np.float32))


@dataclasses.dataclass(frozen=True)
class Line:
    """One written line.

    Args:
        text: str, the text written (`""` for the prediction network).
        bias: float, the sampling bias.
        strokes: float32 `(T, 3)` stroke-3 in data units.
        phi: float32 `(steps, len(read) + 1)` window weights per step, or
            `None` without a window.
        read: str, the characters the window read (the style's text, a
            space and `text` when primed).
    """

    text: str
    bias: float
    strokes: np.ndarray
    phi: np.ndarray | None
    read: str


def generate(
    restored: Restored, texts, bias: float = 1.0, seed: int = 0,
    style: Style | None = None, points_per_character: int = 40,
    num_points: int = 400,
) -> list[Line]:
    """Writes every text once with the restored network.

    Args:
        restored: a synthesis or prediction run from
            `apps.framework.restore`.
        texts: list of str (for the prediction network, only their count
            matters: one free line each).
        bias: float, Graves' sampling bias. Defaults to `1.0`.
        seed: int, seeds the strokes. Defaults to `0`.
        style: optional `Style` to prime with. Defaults to `None`.
        points_per_character: int, the most points per character.
            Defaults to `40`.
        num_points: int, points of a prediction-network line.
            Defaults to `400`.

    Returns:
        list of `Line`, one per text.

    Raises:
        ValueError: for characters outside the run's alphabet.
    """
    step = sampling.NetworkStep(restored.model, restored.model_config)
    stats = restored.assets["stats"]
    texts = list(texts)
    batch = len(texts)
    priming = priming_lengths = None
    reads = texts if step.synthesis else [""] * batch
    if style is not None:
        primed = stroke_format.clip_offsets(stroke_format.normalize(
            stroke_format.downsample(
                style.strokes, restored.train_config.downsample),
            stats), restored.train_config.clip)
        priming = np.repeat(primed[None].astype(np.float32), batch, axis=0)
        priming_lengths = np.full((batch,), len(primed), np.int32)
        if step.synthesis:
            reads = [f"{style.text} {text}" for text in texts]
    if step.synthesis:
        ids = data.encode_texts(reads, restored.assets["alphabet"],
                                max(len(r) for r in reads))
        budgets = [points_per_character * len(t) for t in texts]
    else:
        ids = np.zeros((batch, 0), np.int32)
        budgets = [num_points] * batch
    most = max(budgets)

    def write(ids, budgets, bias, seed, priming, priming_lengths):
        return sampling.write(
            step, ids, budgets, bias, seed, priming, priming_lengths,
            record_phi=step.synthesis, max_points=most)

    written, counts, *phi = _compiled(write)(
        ids, np.array(budgets, np.int32), np.float32(bias), np.int32(seed),
        priming, priming_lengths)
    written = keras.ops.convert_to_numpy(written)
    counts = keras.ops.convert_to_numpy(counts)
    phi = keras.ops.convert_to_numpy(phi[0]) if phi else None
    lines = []
    prefix = 0 if priming_lengths is None else int(priming_lengths[0])
    for row, text in enumerate(texts):
        points = stroke_format.denormalize(written[row, :counts[row]], stats)
        line_phi = None
        if phi is not None:
            line_phi = phi[row, :prefix + counts[row] + 1,
                           :len(reads[row]) + 1]
        lines.append(Line(text if step.synthesis else "", float(bias),
                          points, line_phi, reads[row]))
    return lines


def _compiled(function):
    """`function` compiled for the backend (a graph loop is much faster
    than stepping eagerly)."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(function)
    if backend == "jax":
        import jax

        return jax.jit(function)
    return function


def write_files(lines: list[Line], output: str, stats) -> list[pathlib.Path]:
    """Writes `<output>_<n>.svg`, `<output>.png` and `<output>_phi.png`.

    Returns:
        The paths written.
    """
    output = pathlib.Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    width = drawing.stroke_width(stats)
    paths = []
    for number, line in enumerate(lines):
        path = output.with_name(f"{output.name}_{number}.svg")
        path.write_text(stroke_format.strokes_to_svg(
            line.strokes, stroke_width=width, padding=2 * width),
            encoding="utf-8")
        paths.append(path)
    picture = output.with_name(f"{output.name}.png")
    drawing.draw_lines([line.strokes for line in lines],
                       [f"{line.text!r}  bias {line.bias:g}"
                        for line in lines], picture)
    paths.append(picture)
    if lines and lines[0].phi is not None:
        window = output.with_name(f"{output.name}_phi.png")
        drawing.draw_window(lines[0].phi, lines[0].read, window)
        paths.append(window)
    return paths


@dataclasses.dataclass(frozen=True)
class GenerateConfig(BaseRunConfig):
    """What to write.

    Args:
        run_dir: str, training run to load. Defaults to
            `"runs/handwriting"`.
        text: tuple of str, lines to write (the prediction network writes
            one free line per text). Defaults to `("hello world",)`.
        bias: tuple of float, Graves' sampling biases; every text is
            written at each. Defaults to `(1.0,)`.
        prime_line: int, index of the validation line whose style to copy;
            `-1` for none. Defaults to `-1`.
        style: str, a style file (from `--save_style`) to copy; `""` for
            none. Defaults to `""`.
        save_style: str, where to save the style used (or validation line
            `prime_line`); `""` to skip. Defaults to `""`.
        output: str, path prefix of the files written.
            Defaults to `"handwriting"`.
        points_per_character: int, the most points per character.
            Defaults to `40`.
        num_points: int, points per line of the prediction network.
            Defaults to `400`.
    """

    run_dir: str = "runs/handwriting"
    text: tuple[str, ...] = ("hello world",)
    bias: tuple[float, ...] = (1.0,)
    prime_line: int = -1
    style: str = ""
    save_style: str = ""
    output: str = "handwriting"
    points_per_character: int = 40
    num_points: int = 400

    def __post_init__(self):
        super().__post_init__()
        require_positive_integers(self, ("points_per_character",
                                         "num_points"))
        for value in self.bias:
            if not 0 <= value <= 10:
                raise ValueError(
                    f"Received `bias` with {value}; expected biases in "
                    "[0, 10].")
        if self.prime_line >= 0 and self.style:
            raise ValueError(
                "Received both `prime_line` and `style`; pass one of them.")
        if self.prime_line < -1:
            raise ValueError(
                f"Received `prime_line={self.prime_line}`; expected a line "
                "index, or -1 for none.")
        if self.save_style and not (self.style or self.prime_line >= 0):
            raise ValueError(
                "Received `save_style` without a style to save; pass "
                "`prime_line` (or `style`) too.")


def run(config: GenerateConfig) -> list[pathlib.Path]:
    """Restores the run, writes every text at every bias, saves the files."""
    restored = restore(APP, config.run_dir)
    style = None
    if config.style:
        style = load_style(config.style)
    elif config.prime_line >= 0:
        style = validation_style(restored, config.prime_line)
    if style is not None and config.save_style:
        save_style(config.save_style, style)
    lines = []
    for bias in config.bias:
        lines += generate(restored, config.text, bias, config.seed, style,
                          config.points_per_character, config.num_points)
    return write_files(lines, config.output, restored.assets["stats"])


def build_parser():
    """The command line of `python -m apps.handwriting.generate`."""
    return config_parser(
        APP.command("generate"),
        "Write text as handwriting with a trained network (SVG and PNG).",
        GenerateConfig,
    )


def main(argv=None) -> None:
    """Parses the command line and writes the files."""
    with entry_point(build_parser(), argv, GenerateConfig) as (config,):
        paths = run(config)
    for path in paths:
        print(f"Wrote {path}")


if __name__ == "__main__":
    main()
