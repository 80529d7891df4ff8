"""Scores a trained captioner: corpus BLEU-1..4 and exact-caption accuracy.

BLEU is sacrebleu's corpus BLEU (Post 2018) against all references of each
image, cumulative up to n-gram order 1..4, on lower-cased word captions
(`datasets.captions.normalize_caption`). Exact-caption accuracy is the
fraction of images whose caption equals one of its references; on the
procedural shapes (two true captions each: the objects can be named in
either order, `datasets.shapes.true_captions`) it is the headline number.

Example:

```
python -m apps.captioning.evaluate --run_dir runs/captioning --examples 500
python -m apps.captioning.evaluate --run_dir runs/flickr8k --split test
```
"""

import argparse
import time

import keras
import numpy as np

from apps.captioning import data
from apps.captioning.generate import caption_images
from datasets import shapes


def corpus_bleu(hypotheses: list[str], references: list[list[str]]) -> dict:
    """`{"bleu_1": ..., "bleu_4": ...}` (0-100) with sacrebleu.

    Args:
        hypotheses: one caption per image.
        references: per image, its reference captions (any number).

    Raises:
        ImportError: when sacrebleu is missing, saying how to install it.
    """
    try:
        from sacrebleu.metrics import BLEU
    except ImportError as error:
        raise ImportError(
            "BLEU needs sacrebleu: `pip install sacrebleu`."
        ) from error
    width = max(len(refs) for refs in references)
    streams = [[refs[i] if i < len(refs) else None for refs in references]
               for i in range(width)]
    return {
        f"bleu_{n}": BLEU(max_ngram_order=n).corpus_score(
            hypotheses, streams).score
        for n in (1, 2, 3, 4)
    }


def exact_accuracy(hypotheses: list[str], references: list[list[str]]):
    """Fraction of hypotheses equal to one of their references."""
    hits = [h in refs for h, refs in zip(hypotheses, references)]
    return float(np.mean(hits)) if hits else 0.0


def evaluate_images(model, vocabulary, images, references, max_words,
                    num_beams=1, batch_size=64) -> dict:
    """Captions float images in batches and scores them."""
    hypotheses = []
    for start in range(0, len(images), batch_size):
        captions, *_ = caption_images(
            model, vocabulary, images[start:start + batch_size], max_words,
            num_beams)
        hypotheses += captions
    scores = {"exact": exact_accuracy(hypotheses, references)}
    scores.update(corpus_bleu(hypotheses, references))
    return scores


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m apps.captioning.evaluate`."""
    parser = argparse.ArgumentParser(
        prog="python -m apps.captioning.evaluate",
        description="BLEU-1..4 and exact-caption accuracy of a captioner.",
    )
    parser.add_argument("--run_dir", default="runs/captioning",
                        help="training run (default: %(default)s)")
    parser.add_argument("--split", default="test",
                        help="dev or test split of a real dataset "
                        "(default: %(default)s)")
    parser.add_argument("--examples", type=int, default=500,
                        help="images scored; procedural scenes are fresh, "
                        "real splits are cut (default: %(default)s)")
    parser.add_argument("--num_beams", type=int, default=1,
                        help="1 = greedy, else beam width (default: 1)")
    parser.add_argument("--seed", type=int, default=0,
                        help="random seed (default: %(default)s)")
    return parser


def main(argv=None) -> None:
    """Parses the command line and prints the scores."""
    args = build_parser().parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    from apps.captioning.train import restore_model
    from datasets.captions import decode_image

    model, vocabulary, model_config, train_config = restore_model(args.run_dir)
    size = model_config.image_size
    if train_config.dataset == "shapes":
        images, captions = data.shapes_batch(
            train_config.seed + 1, (3,), args.examples, size)
        references = [list(shapes.true_captions(c)) for c in captions]
    else:
        encoded, references = data.real_examples(
            train_config.dataset, train_config.data_dir, args.split)
        encoded, references = (encoded[: args.examples],
                               references[: args.examples])
        images = np.stack([np.asarray(decode_image(b, size))
                           for b in encoded]).astype("float32") / 255.0
    start = time.time()
    scores = evaluate_images(model, vocabulary, images, references,
                             train_config.max_words, args.num_beams)
    print(f"{len(images)} images, num_beams={args.num_beams}, "
          f"{time.time() - start:.1f} s")
    for name, value in scores.items():
        print(f"{name}\t{value if name != 'exact' else 100 * value:.2f}")


if __name__ == "__main__":
    main()
