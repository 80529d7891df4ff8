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

Every reader returns `list[(image_name, [captions])]` in file order, the
captions normalised by `normalize_caption`; the `tf.data` pipelines
decode, resize, cache and prefetch. Files that are missing, truncated or
corrupt (captions, split lists, JSON, zips, images) stop with a one-line
error naming the file (`datasets.files`).
"""

import os
import pathlib

import numpy as np

from datasets import files, shapes
from datasets.tokenizers import normalize

FLICKR8K_CAPTIONS = "Flickr8k.token.txt.gz"
FLICKR8K_SPLITS = {
    "train": "Flickr_8k.trainImages.txt",
    "dev": "Flickr_8k.devImages.txt",
    "test": "Flickr_8k.testImages.txt",
}
FLICKR8K_IMAGES = "images_128px.zip"
# What to do about a bad file of a caption data set.
FIX = ("replace it with a good copy of the data set and pass --data_dir "
       "(see ../shared/data/README.md)")
# Leading bytes of the image formats `tf.io.decode_image` reads.
IMAGE_SIGNATURES = {
    b"\xff\xd8\xff": "JPEG",
    b"\x89PNG\r\n\x1a\n": "PNG",
    b"GIF87a": "GIF",
    b"GIF89a": "GIF",
    b"BM": "BMP",
}
PNG_END = b"IEND\xaeB`\x82"  # the last chunk of a PNG, with its CRC


def normalize_caption(text: str) -> str:
    """Lower-cases and keeps words only: `"A dog ."` -> `"a dog"`.

    The `"lower_words"` normalisation of `datasets.tokenizers`.
    """
    return normalize(text, "lower_words")


def read_flickr8k_captions(path: os.PathLike) -> dict[str, list[str]]:
    """Reads `Flickr8k.token.txt[.gz]` into `{image_name: [captions]}`.

    Raises:
        FileNotFoundError: if the file is missing.
        files.CorruptFileError: if it is truncated or not UTF-8, or on a
            line without `#` and a tab, naming the line.
    """
    captions: dict[str, list[str]] = {}
    lines = files.read_text(path, FIX).split("\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        key, sep, text = line.partition("\t")
        name = key.split("#")[0]
        if not sep or "#" not in key:
            raise files.CorruptFileError(
                f"datasets: {path}:{number}: expected "
                f"'<image>#<n>\\t<caption>', received {line[:80]!r}; {FIX}."
            )
        captions.setdefault(name, []).append(normalize_caption(text))
    return captions


def read_split_list(path: os.PathLike) -> list[str]:
    """Image names of a split list, one per line."""
    lines = files.read_text(path, FIX).split("\n")
    return [line.strip() for line in lines if line.strip()]


def load_flickr8k(data_dir: os.PathLike, split: str) -> list:
    """`[(image_name, [captions])]` of one Flickr8k split.

    Args:
        data_dir: folder with the captions file and split lists.
        split: `"train"`, `"dev"` or `"test"`.

    Raises:
        ValueError: for another split.
        FileNotFoundError: when a file is missing, naming it.
        files.CorruptFileError: when one is truncated or corrupt.
    """
    if split not in FLICKR8K_SPLITS:
        raise ValueError(
            f"Received `split={split!r}`; expected one of "
            f"{sorted(FLICKR8K_SPLITS)}."
        )
    data_dir = pathlib.Path(data_dir)
    for name in (FLICKR8K_CAPTIONS, FLICKR8K_SPLITS[split]):
        files.require_file(
            data_dir / name, "pass --data_dir pointing to a Flickr8k folder "
            "(see ../shared/data/README.md)")
    captions = read_flickr8k_captions(data_dir / FLICKR8K_CAPTIONS)
    names = read_split_list(data_dir / FLICKR8K_SPLITS[split])
    return [(name, captions[name]) for name in names if name in captions]


def read_coco_captions(path: os.PathLike) -> list:
    """`[(file_name, [captions])]` from a COCO captions JSON file.

    Raises:
        FileNotFoundError: if the file is missing.
        files.CorruptFileError: when it is not JSON, or `images` or
            `annotations` or one of their keys is missing.
    """
    document = files.read_json(path, FIX)
    try:
        by_id = {image["id"]: (image["file_name"], [])
                 for image in document["images"]}
        for annotation in document["annotations"]:
            entry = by_id.get(annotation["image_id"])
            if entry is not None:
                entry[1].append(normalize_caption(annotation["caption"]))
    except (KeyError, TypeError, AttributeError):
        raise files.CorruptFileError(
            f"datasets: {path} is not a COCO captions file (expected "
            "{\"images\": [{\"id\", \"file_name\"}], \"annotations\": "
            "[{\"image_id\", \"caption\"}]}); " + FIX + "."
        ) from None
    return [entry for entry in by_id.values() if entry[1]]


def check_image(data: bytes, where: str) -> bytes:
    """Returns `data` if it looks like a whole JPEG, PNG, GIF or BMP image.

    Cheap checks that catch empty, truncated and foreign files (an HTML
    error page, say) before they reach `tf.io.decode_image` in a pipeline:
    the format's leading bytes, and for JPEG an end-of-image marker after
    the last start-of-scan (scan data cannot contain one), for PNG its
    final `IEND` chunk.

    Args:
        data: the file's bytes.
        where: str, the file (or `zip:member`) for the message.

    Raises:
        files.CorruptFileError: naming `where`.
    """
    kind = next((k for s, k in IMAGE_SIGNATURES.items()
                 if data.startswith(s)), None)
    problem = None
    if kind is None:
        problem = f"not a JPEG, PNG, GIF or BMP image (starts {data[:8]!r})"
    elif kind == "JPEG" and not (
            data.rfind(b"\xff\xd9") > data.rfind(b"\xff\xda") >= 0):
        problem = "a truncated JPEG (no end-of-image marker after its data)"
    elif kind == "PNG" and PNG_END not in data:
        problem = "a truncated PNG (no IEND chunk)"
    if problem:
        raise files.CorruptFileError(f"datasets: {where} is {problem}; {FIX}.")
    return data


def read_image_bytes(source: os.PathLike, names: list[str]) -> list[bytes]:
    """Encoded bytes of `names` from a folder or a zip of images.

    In a zip, a name matches any member ending in `/<name>` (or equal).
    Every image passes `check_image`.

    Raises:
        FileNotFoundError: naming the first image (or the zip) not found.
        files.CorruptFileError: naming a corrupt zip or image.
    """
    from tqdm import tqdm

    source = pathlib.Path(source)
    if source.is_dir():
        return [check_image(files.read_bytes(source / name, FIX),
                            str(source / name))
                for name in tqdm(names, desc="reading images", unit="img")]
    with files.open_zip(source, FIX) as archive:
        members = {m.rsplit("/", 1)[-1]: m for m in archive.namelist()}
        result = []
        for name in tqdm(names, desc=f"reading {source.name}", unit="img"):
            if name not in members:
                raise FileNotFoundError(
                    f"datasets: {name} is not in {source}; {FIX}.")
            data = files.read_member(archive, members[name], FIX)
            result.append(check_image(data, f"{source}:{members[name]}"))
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
