"""Captions image files with a trained captioner; draws attention maps.

Example:

```
python -m apps.captioning.generate --run_dir runs/captioning \\
    photo.jpg other.png --num_beams 3 --attention_plot attention.png
python -m apps.captioning.generate --run_dir runs/captioning --shapes 4
```
"""

import argparse
import math
import os

import keras
import numpy as np

from apps.captioning import data, decoding
from apps.captioning.model import attention_model


def load_images(paths: list[os.PathLike], image_size: int) -> np.ndarray:
    """Reads JPEG/PNG files into float32 `(n, size, size, 3)` in [0, 1]."""
    from datasets.captions import decode_image

    decoded = []
    for path in paths:
        with open(path, "rb") as handle:
            decoded.append(np.asarray(decode_image(handle.read(),
                                                       image_size)))
    return np.stack(decoded).astype("float32") / 255.0


def caption_images(model, vocabulary, images, max_words: int,
                   num_beams: int = 1):
    """Captions a batch of images.

    Returns:
        `(captions list[str], tokens int (n, max_words + 2), log_probs (n,),
        alignments (n, max_words + 1, L))`.
    """
    tokens = decoding.decode(
        model, images, max_words + 1, vocabulary.index(data.START),
        vocabulary.index(data.END), decoding.make_sampler(num_beams),
    )
    tokens = keras.ops.convert_to_numpy(tokens)
    log_probs, alignments = decoding.score(
        attention_model(model), images, tokens
    )
    captions = [data.decode_tokens(row, vocabulary) for row in tokens]
    return (captions, tokens,
            keras.ops.convert_to_numpy(keras.ops.sum(log_probs, axis=1)),
            keras.ops.convert_to_numpy(alignments))


def plot_attention(image, words: list[str], alignments, path) -> None:
    """Saves the image, then one panel per word with its attention map.

    Args:
        image: float `(size, size, 3)` in [0, 1].
        words: the generated words (with `<end>` if generated).
        alignments: `(>= len(words), L)` attention weights, `L` a square.
        path: PNG file to write.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = math.isqrt(alignments.shape[-1])
    words = list(words)[: len(alignments)]  # no <end> after max_words
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


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m apps.captioning.generate`."""
    parser = argparse.ArgumentParser(
        prog="python -m apps.captioning.generate",
        description="Caption images with a trained captioner.",
    )
    parser.add_argument("images", nargs="*", help="JPEG or PNG files")
    parser.add_argument("--run_dir", default="runs/captioning",
                        help="training run (default: %(default)s)")
    parser.add_argument("--shapes", type=int, default=0,
                        help="also caption this many fresh procedural "
                        "scenes, printing their true captions (default: 0)")
    parser.add_argument("--num_beams", type=int, default=1,
                        help="1 = greedy, else beam width (default: 1)")
    parser.add_argument("--attention_plot", default="",
                        help="PNG of the first image's attention per word")
    parser.add_argument("--seed", type=int, default=0,
                        help="random seed (default: %(default)s)")
    return parser


def main(argv=None) -> None:
    """Parses the command line and prints one caption per image."""
    args = build_parser().parse_args(argv)
    if not args.images and not args.shapes:
        raise SystemExit("Pass image files or --shapes N.")
    if args.num_beams < 1:
        raise SystemExit(
            f"Received `--num_beams {args.num_beams}`; expected >= 1.")
    keras.utils.set_random_seed(args.seed)
    from apps.captioning.train import restore_model

    model, vocabulary, model_config, train_config = restore_model(args.run_dir)
    size = model_config.image_size
    names, batches, truths = [], [], []
    if args.images:
        batches.append(load_images(args.images, size))
        names += list(args.images)
        truths += [""] * len(args.images)
    if args.shapes:
        images, captions = data.shapes_batch(
            args.seed, (2,), args.shapes, size)
        batches.append(images)
        names += [f"shapes[{i}]" for i in range(args.shapes)]
        truths += captions
    images = np.concatenate(batches)
    captions, _, log_probs, alignments = caption_images(
        model, vocabulary, images, train_config.max_words, args.num_beams)
    for name, caption, truth, lp in zip(names, captions, truths, log_probs):
        extra = f"   (true: {truth})" if truth else ""
        print(f"{name}\t{caption}\tlog p = {lp:.2f}{extra}")
    if args.attention_plot:
        words = captions[0].split() + [data.END]
        plot_attention(images[0], words, alignments[0], args.attention_plot)
        print(f"Wrote {args.attention_plot}")


if __name__ == "__main__":
    main()
