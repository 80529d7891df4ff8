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

import dataclasses
import time

import numpy as np
import pandas

from apps.captioning import data
from apps.captioning.config import APP
from apps.captioning.decoding import caption_images
from apps.framework import BaseRunConfig
from apps.framework import cli_errors
from apps.framework import config_parser
from apps.framework import parse_configs
from apps.framework import restore
from apps.framework import seed_everything
from apps.framework.flags import require_choice
from apps.framework.flags import require_positive_integers
from datasets import shapes

SPLITS = ("dev", "test")


def corpus_bleu(hypotheses: list[str], references: list[list[str]]) -> dict:
    """`{"bleu_1": ..., "bleu_4": ...}` (0-100) with sacrebleu.

    Args:
        hypotheses: one caption per image.
        references: per image, its reference captions (any number).

    Raises:
        RuntimeError: when sacrebleu is missing, saying how to install it.
    """
    try:
        from sacrebleu.metrics import BLEU
    except ImportError as error:
        raise RuntimeError(
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


def evaluate_images(model, tokenizer, images, references, max_words,
                    num_beams=1, batch_size=64) -> dict:
    """Captions float images in batches and scores them.

    Args:
        model: the trained captioner.
        tokenizer: the run's `Tokenizer`.
        images: float `(n, size, size, 3)` in [0, 1].
        references: per image, its reference captions.
        max_words: int, most words per caption.
        num_beams: int, 1 decodes greedily, else the beam width.
            Defaults to `1`.
        batch_size: int, images per decoding batch. Defaults to `64`.

    Returns:
        dict with `exact` (a fraction) and `bleu_1` .. `bleu_4` (0-100).
    """
    hypotheses = []
    for start in range(0, len(images), batch_size):
        captions, *_ = caption_images(
            model, tokenizer, images[start:start + batch_size], max_words,
            num_beams)
        hypotheses += captions
    scores = {"exact": exact_accuracy(hypotheses, references)}
    scores.update(corpus_bleu(hypotheses, references))
    return scores


def evaluation_images(restored, split: str, examples: int):
    """`(float images (n, s, s, 3), references)` to score a run on.

    Drawn shapes are fresh scenes from `seed + 1` (never trained on), each
    with both of its true captions; a real dataset gives the first
    `examples` images of `split` with their reference captions.
    """
    train_config = restored.train_config
    size = restored.model_config.image_size
    if train_config.dataset == "shapes":
        images, captions = data.shapes_batch(
            train_config.seed + 1, (3,), examples, size)
        return images, [list(shapes.true_captions(c)) for c in captions]
    from datasets.captions import decode_image

    encoded, references = data.real_examples(
        train_config.dataset, train_config.data_dir, split)
    encoded, references = encoded[:examples], references[:examples]
    images = np.stack([np.asarray(decode_image(b, size)) for b in encoded])
    return images.astype("float32") / 255.0, references


@dataclasses.dataclass(frozen=True)
class EvaluateConfig(BaseRunConfig):
    """What to score.

    Args:
        run_dir: str, training run to load. Defaults to
            `"runs/captioning"`.
        split: str, `"dev"` or `"test"` split of a real dataset (drawn
            shapes are always fresh scenes). Defaults to `"test"`.
        examples: int, images scored; real splits are cut to it.
            Defaults to `500`.
        num_beams: int, 1 decodes greedily, more runs a beam search of that
            width. Defaults to `1`.
    """

    run_dir: str = "runs/captioning"
    split: str = "test"
    examples: int = 500
    num_beams: int = 1

    def __post_init__(self):
        super().__post_init__()
        require_choice(self, "split", SPLITS)
        require_positive_integers(self, ("examples", "num_beams"))


def evaluate(config: EvaluateConfig) -> dict:
    """Restores the run and scores it (see `evaluate_images`).

    Returns:
        dict with `images`, `num_beams`, `seconds`, `exact` (a fraction)
        and `bleu_1` .. `bleu_4` (0-100).
    """
    restored = restore(APP, config.run_dir)
    images, references = evaluation_images(
        restored, config.split, config.examples)
    start = time.perf_counter()
    scores = evaluate_images(
        restored.model, restored.assets["tokenizer"], images, references,
        restored.train_config.max_words, config.num_beams)
    return {"images": len(images), "num_beams": config.num_beams,
            "seconds": time.perf_counter() - start, **scores}


def build_parser():
    """The command line of `python -m apps.captioning.evaluate`."""
    return config_parser(
        APP.command("evaluate"),
        "BLEU-1..4 and exact-caption accuracy of a trained captioner.",
        EvaluateConfig,
    )


def main(argv=None) -> None:
    """Parses the command line and prints a one-row table of scores."""
    parser = build_parser()
    with cli_errors(parser.prog):
        (config,) = parse_configs(parser, argv, EvaluateConfig)
        seed_everything(config.seed)
        scores = evaluate(config)
    table = pandas.DataFrame([{**scores, "exact": 100 * scores["exact"]}])
    print(table.to_string(index=False, float_format="{:.2f}".format))


if __name__ == "__main__":
    main()
