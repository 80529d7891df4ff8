"""Captions as token ids, the run's tokenizer, and each dataset's training data.

A caption becomes `[<start>, w_1, ..., w_n, <end>, <pad>, ...]` of length
`max_words + 2`; words past `max_words` are cut. The tokenizer is a
`datasets.tokenizers.Tokenizer` at word level with the captions'
`"lower_words"` normalisation and the special tokens `CAPTION_TOKENS`
(`<pad>` = 0, `<unk>` = 1, `<start>` = 2, `<end>` = 3, then the words by
count), saved by `datasets.vocabulary.save_tokenizer` as `vocabulary.json`
(`VOCABULARY_FILE`) in the run directory. Runs written before it kept a
bare JSON list of the same tokens there, which `load_tokenizer` reads too.

Datasets (`--dataset`): `shapes` (procedural, `datasets.shapes`, drawn
afresh from `(seed, epoch)`), `flickr8k` (`--data_dir` with the captions,
split lists and `images_128px.zip`) and `coco` (`--data_dir` with
`captions_train2014.json`, `captions_val2014.json` and the image folders
`train2014/`, `val2014/`).
"""

import os
import pathlib

import keras
import numpy as np

from datasets import captions as caption_data
from datasets import shapes
from datasets.tokenizers import Tokenizer
from datasets.vocabulary import build_tokenizer, load_tokenizer

CAPTION_TOKENS = {"pad": "<pad>", "unk": "<unk>", "start": "<start>",
                  "end": "<end>"}
NORMALIZATION = "lower_words"  # as `datasets.captions.normalize_caption`
DATASETS = ("shapes", "flickr8k", "coco")
VOCABULARY_FILE = "vocabulary.json"


def caption_tokenizer(
    captions: list[str], max_size: int | None = None
) -> Tokenizer:
    """A tokenizer of the special tokens, then the captions' words by count.

    Args:
        captions: list of str, the training captions.
        max_size: int or `None`, most tokens, special ones included.
            Defaults to `None` (every word).
    """
    return build_tokenizer(captions, "word", max_size, CAPTION_TOKENS,
                           NORMALIZATION)


def shapes_tokenizer() -> Tokenizer:
    """The fixed tokenizer of the procedural captions."""
    words = ["a", *shapes.SIZES, *shapes.COLOURS, *shapes.SHAPES]
    for relation in shapes.RELATIONS.values():
        words.extend(relation.split())
    return caption_tokenizer([" ".join(words)])


def read_tokenizer(path: os.PathLike) -> Tokenizer:
    """The tokenizer saved at `path` (a format-1 bare list too).

    Raises:
        FileNotFoundError: if the file is missing.
        ValueError: if it is corrupt or not a caption vocabulary.
    """
    return load_tokenizer(path, "word", CAPTION_TOKENS, NORMALIZATION)


def encode_captions(
    captions: list[str], tokenizer: Tokenizer, max_words: int
) -> np.ndarray:
    """int32 `(len(captions), max_words + 2)` token ids, as described above."""
    ids = np.zeros((len(captions), max_words + 2), "int32")
    for row, caption in enumerate(captions):
        words = tokenizer.encode(caption)[:max_words]
        tokens = [tokenizer.start_id, *words.tolist(), tokenizer.end_id]
        ids[row, : len(tokens)] = tokens
    return ids


def shapes_batch(seed: int, key: tuple, batch_size: int, image_size: int):
    """Images float `(batch, s, s, 3)` in [0, 1] and captions, from a key."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))
    images, captions = shapes.draw_examples(rng, batch_size, image_size)
    return images.astype("float32") / 255.0, captions


def real_examples(dataset: str, data_dir: os.PathLike, split: str):
    """`(image_bytes list, [[captions]])` of a Flickr8k or COCO split.

    Args:
        dataset: `"flickr8k"` or `"coco"`.
        data_dir: the dataset folder.
        split: `"train"`, `"dev"` or `"test"` (COCO: train2014 for train,
            val2014 for dev and test).
    """
    data_dir = pathlib.Path(data_dir)
    if dataset == "flickr8k":
        entries = caption_data.load_flickr8k(data_dir, split)
        source = data_dir / caption_data.FLICKR8K_IMAGES
        if not source.exists():
            source = data_dir / "images"
    elif dataset == "coco":
        part = "train2014" if split == "train" else "val2014"
        entries = caption_data.read_coco_captions(
            data_dir / f"captions_{part}.json"
        )
        source = data_dir / part
    else:
        raise ValueError(
            f"Received `dataset={dataset!r}`; expected one of {DATASETS}."
        )
    names = [name for name, _ in entries]
    return caption_data.read_image_bytes(source, names), [
        refs for _, refs in entries
    ]


def training_tokenizer(dataset: str, data_dir: str, max_size: int) -> Tokenizer:
    """A new run's tokenizer: fixed for shapes, else from train captions.

    Args:
        dataset: str, one of `DATASETS`.
        data_dir: str, the real dataset's folder (unused for shapes).
        max_size: int, most words kept, specials included.
    """
    if dataset == "shapes":
        return shapes_tokenizer()
    _, references = real_examples(dataset, data_dir, "train")
    return caption_tokenizer(
        [c for refs in references for c in refs], max_size
    )


class EpochScenes(keras.utils.PyDataset):
    """Batches of fresh shape scenes drawn from `(seed, epoch, batch)`.

    Each batch is drawn on its own (not the whole epoch at once), so the
    first step starts at once and memory stays one batch; a run resumed at
    epoch `e` sees the same scenes as an uninterrupted one.

    Args:
        seed: int, the run's seed.
        epoch: int, the epoch the first pass serves (completed epochs when
            resuming).
        steps_per_epoch: int, batches per epoch.
        batch_size: int, scenes per batch.
        image_size: int, side of the square images.
        tokenizer: the run's `Tokenizer`.
        max_words: int, longest caption in words.
    """

    def __init__(self, seed, epoch, steps_per_epoch, batch_size, image_size,
                 tokenizer, max_words):
        super().__init__()
        self.seed, self.epoch = seed, epoch
        self.steps_per_epoch, self.batch_size = steps_per_epoch, batch_size
        self.image_size, self.max_words = image_size, max_words
        self.tokenizer = tokenizer

    def __len__(self):
        return self.steps_per_epoch

    def __getitem__(self, index):
        images, captions = shapes_batch(
            self.seed, (1, self.epoch, index), self.batch_size,
            self.image_size,
        )
        ids = encode_captions(captions, self.tokenizer, self.max_words)
        return (images, ids[:, :-1]), ids[:, 1:]

    def on_epoch_end(self):
        self.epoch += 1


def shapes_validation(seed: int, count: int, image_size: int,
                      tokenizer: Tokenizer, max_words: int):
    """Held-out scenes `((images, inputs), targets)` scored every epoch."""
    images, captions = shapes_batch(seed, (0,), count, image_size)
    ids = encode_captions(captions, tokenizer, max_words)
    return (images, ids[:, :-1]), ids[:, 1:]


def real_datasets(dataset: str, data_dir: str, image_size: int,
                  tokenizer: Tokenizer, max_words: int, batch_size: int,
                  validation_examples: int, seed: int):
    """`(train, validation)` `tf.data` pipelines of a real dataset.

    `train` reshuffles every epoch (seeded) and pairs each image with one
    of its captions at random; `validation` is the first
    `validation_examples` (rounded to whole batches, at least one) of the
    dev split, or `None` when `validation_examples` is 0.
    """

    def build(split, shuffle_seed):
        images, references = real_examples(dataset, data_dir, split)
        ids = [encode_captions(refs, tokenizer, max_words)
               for refs in references]
        return caption_data.encoded_image_dataset(
            images, ids, image_size, batch_size, shuffle_seed=shuffle_seed
        )

    validation = None
    if validation_examples:
        validation = build("dev", None).take(
            max(1, validation_examples // batch_size)
        )
    return build("train", seed), validation
