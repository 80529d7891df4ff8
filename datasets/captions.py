"""Image-caption data: Flickr8k, COCO-format JSON and procedural shapes.

Formats read here:

- Flickr8k (Hodosh et al. 2013): `Flickr8k.token.txt[.gz]`, one caption a
  line, `<image>.jpg#<n>\\t<caption>` (five per image); split lists
  `Flickr_8k.{train,dev,test}Images.txt`, one file name a line; images in a
  folder or a zip (`images_128px.zip` holds `images_128px/<image>.jpg`).
- COCO captions (Chen et al. 2015, `captions_<split>2014.json`):
  `{"images": [{"id", "file_name"}, ...], "annotations": [{"image_id",
  "caption"}, ...]}`; images in a folder named by the caller.
- Procedural shapes (`datasets.shapes`): drawn on the fly, one caption each.

Every reader returns `list[(image_name, [captions])]` in file order; the
`tf.data` pipelines decode, resize, cache and prefetch.
"""

import gzip
import json
import os
import pathlib
import re
import zipfile

import numpy as np

from datasets import shapes

FLICKR8K_CAPTIONS = "Flickr8k.token.txt.gz"
FLICKR8K_SPLITS = {
    "train": "Flickr_8k.trainImages.txt",
    "dev": "Flickr_8k.devImages.txt",
    "test": "Flickr_8k.testImages.txt",
}
FLICKR8K_IMAGES = "images_128px.zip"

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def normalize_caption(text: str) -> str:
    """Lower-cases and keeps words only: `"A dog ."` -> `"a dog"`."""
    return " ".join(_WORD.findall(text.lower()))


def _open_text(path: pathlib.Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def read_flickr8k_captions(path: os.PathLike) -> dict[str, list[str]]:
    """Reads `Flickr8k.token.txt[.gz]` into `{image_name: [captions]}`.

    Raises:
        ValueError: on a line without `#` and a tab, naming the line.
    """
    captions: dict[str, list[str]] = {}
    with _open_text(pathlib.Path(path)) as handle:
        for number, line in enumerate(handle, 1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            key, sep, text = line.partition("\t")
            name = key.split("#")[0]
            if not sep or "#" not in key:
                raise ValueError(
                    f"{path}:{number}: expected '<image>#<n>\\t<caption>', "
                    f"received {line[:80]!r}."
                )
            captions.setdefault(name, []).append(normalize_caption(text))
    return captions


def read_split_list(path: os.PathLike) -> list[str]:
    """Image names of a split list, one per line."""
    with open(path, encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip()]


def load_flickr8k(data_dir: os.PathLike, split: str) -> list:
    """`[(image_name, [captions])]` of one Flickr8k split.

    Args:
        data_dir: folder with the captions file and split lists.
        split: `"train"`, `"dev"` or `"test"`.

    Raises:
        ValueError: for another split.
        FileNotFoundError: when a file is missing, naming it.
    """
    if split not in FLICKR8K_SPLITS:
        raise ValueError(
            f"Received `split={split!r}`; expected one of "
            f"{sorted(FLICKR8K_SPLITS)}."
        )
    data_dir = pathlib.Path(data_dir)
    for name in (FLICKR8K_CAPTIONS, FLICKR8K_SPLITS[split]):
        if not (data_dir / name).is_file():
            raise FileNotFoundError(
                f"Missing {data_dir / name}; pass --data_dir pointing to a "
                "Flickr8k folder (see ../shared/data/README.md)."
            )
    captions = read_flickr8k_captions(data_dir / FLICKR8K_CAPTIONS)
    names = read_split_list(data_dir / FLICKR8K_SPLITS[split])
    return [(name, captions[name]) for name in names if name in captions]


def read_coco_captions(path: os.PathLike) -> list:
    """`[(file_name, [captions])]` from a COCO captions JSON file.

    Raises:
        ValueError: when `images` or `annotations` is missing.
    """
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    if "images" not in document or "annotations" not in document:
        raise ValueError(
            f"{path} is not a COCO captions file: expected the keys "
            "'images' and 'annotations'."
        )
    by_id = {image["id"]: (image["file_name"], []) for image in document["images"]}
    for annotation in document["annotations"]:
        entry = by_id.get(annotation["image_id"])
        if entry is not None:
            entry[1].append(normalize_caption(annotation["caption"]))
    return [entry for entry in by_id.values() if entry[1]]


def read_image_bytes(source: os.PathLike, names: list[str]) -> list[bytes]:
    """Encoded bytes of `names` from a folder or a zip of images.

    In a zip, a name matches any member ending in `/<name>` (or equal).

    Raises:
        FileNotFoundError: naming the first image not found.
    """
    from tqdm import tqdm

    source = pathlib.Path(source)
    if source.is_dir():
        return [(source / name).read_bytes() for name in tqdm(
            names, desc="reading images", unit="img")]
    with zipfile.ZipFile(source) as archive:
        members = {m.rsplit("/", 1)[-1]: m for m in archive.namelist()}
        result = []
        for name in tqdm(names, desc=f"reading {source.name}", unit="img"):
            if name not in members:
                raise FileNotFoundError(f"{name} is not in {source}.")
            result.append(archive.read(members[name]))
        return result


def procedural_examples(
    rng: np.random.Generator, count: int, image_size: int = 64
):
    """`count` shape scenes: uint8 images and `[[caption]]` (one each)."""
    images, captions = shapes.draw_examples(rng, count, image_size)
    return images, [[caption] for caption in captions]


def decode_image(image_bytes, image_size: int):
    """Decodes JPEG/PNG bytes to uint8 `(size, size, 3)`."""
    import tensorflow as tf

    image = tf.io.decode_image(
        image_bytes, channels=3, expand_animations=False
    )
    image = tf.image.resize(image, (image_size, image_size))
    image.set_shape((image_size, image_size, 3))
    return tf.cast(tf.round(image), "uint8")


def encoded_image_dataset(
    images: list[bytes],
    token_ids: list[np.ndarray],
    image_size: int,
    batch_size: int,
    shuffle_seed: int | None = None,
    references: int = 5,
):
    """`tf.data` of `((image, tokens), targets)` from encoded images.

    Images are decoded and resized once and cached (uint8); each pass pairs
    every image with one of its captions drawn at random. With
    `shuffle_seed` the images are reshuffled each epoch.

    Args:
        images: encoded image bytes.
        token_ids: per image, int `(captions, length + 1)` rows of
            `<start> words <end> <pad>...`; cycled or cut to `references`.
        image_size: int, side after resizing.
        batch_size: int.
        shuffle_seed: optional int; `None` keeps the order and always
            takes the first caption.
        references: int, captions kept per image. Defaults to `5`.
    """
    import tensorflow as tf

    stacked = np.stack([
        np.resize(np.asarray(ids, "int32"), (references, ids.shape[1]))
        for ids in token_ids
    ])  # (images, references, length + 1)
    decoded = tf.data.Dataset.from_tensor_slices(list(images)).map(
        lambda b: decode_image(b, image_size),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
    dataset = tf.data.Dataset.zip(
        decoded, tf.data.Dataset.from_tensor_slices(stacked)
    ).cache()
    if shuffle_seed is not None:
        dataset = dataset.shuffle(
            len(images), seed=shuffle_seed, reshuffle_each_iteration=True
        )

    def pick(image, refs):
        index = 0
        if shuffle_seed is not None:
            index = tf.random.uniform((), 0, references, dtype="int32")
        return image, refs[index]

    dataset = dataset.map(pick).batch(batch_size).map(
        lambda image, tokens: (
            (tf.cast(image, "float32") / 255.0, tokens[:, :-1]),
            tokens[:, 1:],
        )
    )
    return dataset.prefetch(tf.data.AUTOTUNE)


def array_image_dataset(
    images: np.ndarray, token_ids: np.ndarray, batch_size: int
):
    """`tf.data` of `((image, tokens), targets)` from uint8 image arrays."""
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices(
        (images, np.asarray(token_ids, "int32"))
    ).batch(batch_size)
    dataset = dataset.map(
        lambda image, tokens: (
            (tf.cast(image, "float32") / 255.0, tokens[:, :-1]),
            tokens[:, 1:],
        )
    )
    return dataset.prefetch(tf.data.AUTOTUNE)
