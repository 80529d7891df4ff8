"""Captions as token ids, and the training data of each dataset.

A caption becomes `[<start>, w_1, ..., w_n, <end>, <pad>, ...]` of length
`max_words + 2`; words past `max_words` are cut. The vocabulary is a
`datasets.vocabulary` list (`<pad>` = 0, `<unk>` = 1) plus `<start>` and
`<end>`, saved as `vocabulary.json` in the run directory.

Datasets (`--dataset`): `shapes` (procedural, `datasets.shapes`, drawn
afresh from `(seed, epoch)`), `flickr8k` (`--data_dir` with the captions,
split lists and `images_128px.zip`) and `coco` (`--data_dir` with
`captions_train2014.json`, `captions_val2014.json` and the image folders
`train2014/`, `val2014/`).
"""

import os
import pathlib

import numpy as np

from datasets import captions as caption_data
from datasets import shapes
from datasets.vocabulary import UNK, build_vocabulary

START = "<start>"
END = "<end>"
DATASETS = ("shapes", "flickr8k", "coco")


def shapes_vocabulary() -> list[str]:
    """The fixed vocabulary of the procedural captions."""
    words = ["a", *shapes.SIZES, *shapes.COLOURS, *shapes.SHAPES]
    for relation in shapes.RELATIONS.values():
        words.extend(relation.split())
    return caption_vocabulary([" ".join(words)])


def caption_vocabulary(
    captions: list[str], max_size: int | None = None, min_count: int = 1
) -> list[str]:
    """`<pad>`, `<unk>`, `<start>`, `<end>`, then words by count."""
    counts = build_vocabulary(
        (w for c in captions for w in c.split()),
        max_size=None if max_size is None else max_size - 2,
        min_count=min_count,
    )
    return counts[:2] + [START, END] + [
        w for w in counts[2:] if w not in (START, END)
    ]


def encode_captions(
    captions: list[str], vocabulary: list[str], max_words: int
) -> np.ndarray:
    """int32 `(len(captions), max_words + 2)` token ids, as described above."""
    index = {word: i for i, word in enumerate(vocabulary)}
    unk = index[UNK]
    ids = np.zeros((len(captions), max_words + 2), "int32")
    for row, caption in enumerate(captions):
        words = caption.split()[:max_words]
        tokens = [index[START]] + [index.get(w, unk) for w in words]
        tokens.append(index[END])
        ids[row, : len(tokens)] = tokens
    return ids


def decode_tokens(ids, vocabulary: list[str]) -> str:
    """Words of one row of ids up to `<end>`, without special tokens."""
    words = []
    for i in np.asarray(ids).tolist():
        word = vocabulary[i]
        if word == END:
            break
        if word not in (START, "<pad>"):
            words.append(word)
    return " ".join(words)


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
