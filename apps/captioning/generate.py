"""Captions image files with a trained captioner; draws attention maps.

Example:

```
python -m apps.captioning.generate --run_dir runs/captioning \\
    photo.jpg other.png --num_beams 3 --attention_plot attention.png
python -m apps.captioning.generate --run_dir runs/captioning --shapes 4
```
"""

import dataclasses
import math
import os

import numpy as np

from apps.captioning import data
from apps.captioning.config import APP
from apps.captioning.decoding import caption_images, generated_words
from apps.framework import BaseRunConfig
from apps.framework import cli_errors
from apps.framework import config_parser
from apps.framework import parse_configs
from apps.framework import restore
from apps.framework import seed_everything
from apps.framework.flags import require_non_negative
from apps.framework.flags import require_positive_integers


def load_images(paths: list[os.PathLike], image_size: int) -> np.ndarray:
    """Reads JPEG/PNG files into float32 `(n, size, size, 3)` in [0, 1].

    Raises:
        ValueError: naming a file that is not a decodable JPEG or PNG.
    """
    import tensorflow as tf

    from datasets.captions import decode_image

    decoded = []
    for path in paths:
        with open(path, "rb") as handle:
            encoded = handle.read()
        try:
            decoded.append(np.asarray(decode_image(encoded, image_size)))
        except tf.errors.InvalidArgumentError:
            raise ValueError(
                f"Received {str(path)!r}, which is not a decodable JPEG or "
                "PNG image (empty, truncated or corrupt); pass image files."
            ) from None
    return np.stack(decoded).astype("float32") / 255.0


def plot_attention(image, words: list[str], alignments, path) -> None:
    """Saves the image, then one panel per word with its attention map.

    Args:
        image: float `(size, size, 3)` in [0, 1].
        words: the generated words (with `<end>` if generated), as
            `decoding.generated_words` lists them.
        alignments: `(>= len(words), L)` attention weights, `L` a square.
        path: PNG file to write.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = math.isqrt(alignments.shape[-1])
    words = list(words)
    columns = min(6, len(words) + 1)
    rows = -(-(len(words) + 1) // columns)
    figure, axes = plt.subplots(rows, columns,
                                figsize=(2 * columns, 2.2 * rows))
    axes = np.atleast_1d(axes).ravel()
    size = image.shape[0]
    # One colour scale for every word: a spread-out map stays dark.
    top = float(np.max(alignments[: len(words)]))
    for ax in axes:
        ax.axis("off")
    axes[0].imshow(image)
    axes[0].set_title("input")
    for i, word in enumerate(words):
        heat = alignments[i].reshape(grid, grid)
        heat = np.kron(heat, np.ones((size // grid, size // grid)))
        axes[i + 1].imshow(image)
        axes[i + 1].imshow(heat, cmap="jet", alpha=0.5, vmin=0.0, vmax=top,
                           extent=(0, size, size, 0))
        axes[i + 1].set_title(word)
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)


@dataclasses.dataclass(frozen=True)
class GenerateConfig(BaseRunConfig):
    """What to caption.

    Args:
        images: tuple of str, JPEG or PNG files to caption. Defaults to
            `()`.
        run_dir: str, training run to load. Defaults to
            `"runs/captioning"`.
        shapes: int, also caption this many fresh procedural scenes,
            printing their true captions. Defaults to `0`.
        num_beams: int, 1 decodes greedily, more runs a beam search of that
            width. Defaults to `1`.
        attention_plot: str, PNG file of the first image's attention per
            word; empty for none. Defaults to `""`.
    """

    images: tuple[str, ...] = dataclasses.field(
        default=(), metadata={"positional": True}
    )
    run_dir: str = "runs/captioning"
    shapes: int = 0
    num_beams: int = 1
    attention_plot: str = ""

    def __post_init__(self):
        super().__post_init__()
        require_non_negative(self, "shapes")
        require_positive_integers(self, "num_beams")
        if not self.images and not self.shapes:
            raise ValueError(
                "Received no images and `shapes=0`; pass image files or "
                "--shapes N."
            )


def generate(config: GenerateConfig) -> list[tuple[str, str, float, str]]:
    """Captions the configured files and fresh scenes; plots the attention.

    Args:
        config: `GenerateConfig`.

    Returns:
        list of `(name, caption, log-probability, true caption or "")`.
    """
    restored = restore(APP, config.run_dir)
    model, tokenizer = restored.model, restored.assets["tokenizer"]
    size = restored.model_config.image_size
    names, batches, truths = [], [], []
    if config.images:
        batches.append(load_images(config.images, size))
        names += list(config.images)
        truths += [""] * len(config.images)
    if config.shapes:
        images, captions = data.shapes_batch(
            config.seed, (2,), config.shapes, size)
        batches.append(images)
        names += [f"shapes[{i}]" for i in range(config.shapes)]
        truths += captions
    images = np.concatenate(batches)
    captions, tokens, log_probs, alignments = caption_images(
        model, tokenizer, images, restored.train_config.max_words,
        config.num_beams)
    if config.attention_plot:
        plot_attention(images[0], generated_words(tokens[0], tokenizer),
                       alignments[0], config.attention_plot)
    return [(name, caption, float(lp), truth) for name, caption, lp, truth
            in zip(names, captions, log_probs, truths)]


def build_parser():
    """The command line of `python -m apps.captioning.generate`."""
    return config_parser(
        APP.command("generate"),
        "Caption images with a trained captioner.",
        GenerateConfig,
    )


def main(argv=None) -> None:
    """Parses the command line and prints one caption per image."""
    parser = build_parser()
    with cli_errors(parser.prog):
        (config,) = parse_configs(parser, argv, GenerateConfig)
        seed_everything(config.seed)
        results = generate(config)
    for name, caption, log_prob, truth in results:
        extra = f"   (true: {truth})" if truth else ""
        print(f"{name}\t{caption}\tlog p = {log_prob:.2f}{extra}")
    if config.attention_plot:
        print(f"Wrote {config.attention_plot}")


if __name__ == "__main__":
    main()
