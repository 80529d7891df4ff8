"""Exports the captioner as a SavedModel: image bytes in, caption out.

Signatures (run with only `tensorflow` installed):

- `serving_default(images)`: string vector of encoded JPEG or PNG images,
  any size (resized in the graph). Returns `caption` (string vector) and
  `error` (string vector, `""` for a good image).
- `attend(images)`: the same decoding, returning `tokens` (string
  `(batch, max_words + 1)`, `""` after `<end>`), `attention` (float32
  `(batch, max_words + 1, grid, grid)`, the weights used to predict each
  token) and `error`.

Bounds of one request (constants of this module):

- `MAX_IMAGES = 64` images per request; a longer request fails as a whole
  with INVALID_ARGUMENT "a request holds at most 64 images; split it ...";
- `MAX_IMAGE_BYTES = 64 MiB` per encoded image;
- `MAX_IMAGE_PIXELS = 16,000,000` (4000 x 4000) per image, read from its
  header before any decoding;
- `MAX_REQUEST_PIXELS = 32,000,000` decoded pixels per request, adding the
  images in request order (two images of the largest size; 64 images of
  700 x 700).

Bad images never fail the request: each gets caption `""` and an `error`
(checked in this order, `apps/captioning/image_bytes.py`), while the
others are captioned:

- empty string -> `"empty image"`;
- longer than `MAX_IMAGE_BYTES` -> `"image longer than ... bytes ..."`
  (unread);
- neither JPEG (`FF D8 FF`) nor PNG (signature and `IHDR` chunk) ->
  `"not a JPEG or PNG image"`;
- a header TensorFlow cannot read -> `"not a decodable JPEG or PNG image
  (corrupt header)"`;
- more than `MAX_IMAGE_PIXELS` -> `"image too large: N pixels; at most
  ..."`; a width or height of 0 -> `"image has no pixels ..."`;
- past `MAX_REQUEST_PIXELS` in total -> `"not decoded: the request's images
  exceed ... pixels in total; ..."`;
- a body that does not decode -> `"not a decodable JPEG or PNG image
  (truncated: ...)"` when it lacks its end marker (PNG `IEND`, JPEG EOI),
  else `"... (corrupt data)"`.

`reference_requests(restored)` gives the answers of the Python path
(`apps.captioning.decoding.caption_images`, any backend) to both
signatures, which a TensorFlow export of the same run must equal
(`tests/apps/jax_parity_test.py`).

Example:

```
python -m apps.captioning.export --run_dir runs/captioning --num_beams 3
```
"""

import dataclasses
import math
import pathlib

import keras
import numpy as np

from apps.captioning import data
from apps.captioning import decoding
from apps.captioning.config import APP
from apps.captioning.config import CONTRACT_PNG
from apps.captioning.image_bytes import make_image_fn
from apps.captioning.model import attention_model
from apps.framework import BaseExportConfig
from apps.framework import Restored
from apps.framework import export_command
from apps.framework.flags import require_positive_integers
from datasets.tokenizers import GraphTokenizer
from saved_models.export import export_versioned, require_tensorflow_backend

MAX_IMAGES = 64
MAX_IMAGE_BYTES = 64 * 2 ** 20
MAX_IMAGE_PIXELS = 16_000_000
MAX_REQUEST_PIXELS = 32_000_000
DEFAULT_NUM_BEAMS = 3


def make_serving_fns(model, graph_tokenizer, image_size, max_words,
                     num_beams):
    """The functions behind `serving_default` and `attend`.

    Args:
        model: the trained captioner.
        graph_tokenizer: `datasets.tokenizers.GraphTokenizer` of the run's
            tokenizer (its tables tracked by the archive).
        image_size: int, the model's input side.
        max_words: int, most words per caption.
        num_beams: int, beam width (1 = greedy).

    Returns:
        `(serve, attend)`, functions of a string tensor `(batch,)`.
    """
    import tensorflow as tf

    images_fn = make_image_fn(image_size, MAX_IMAGES, MAX_IMAGE_BYTES,
                              MAX_IMAGE_PIXELS, MAX_REQUEST_PIXELS)
    tokenizer = graph_tokenizer.tokenizer
    attention = attention_model(model)
    words = tf.constant(tokenizer.vocabulary)
    decoder = decoding.make_decoder(model, tokenizer, max_words, num_beams)
    grid = math.isqrt(model.get_layer("encoder").output.shape[1])

    def padded(tensor):
        # An empty batch gets one blank row: some CPU kernels mishandle 0.
        blank = tf.zeros(
            tf.concat([[tf.maximum(1 - tf.shape(tensor)[0], 0)],
                       tf.shape(tensor)[1:]], axis=0), tensor.dtype)
        return tf.concat([tensor, blank], axis=0)

    def run(images):
        pixels, errors = images_fn(images)
        batch = tf.shape(pixels)[0]
        tokens = decoding.decode(model, decoder, padded(pixels))[:batch]
        failed = tf.not_equal(errors, "")  # (batch,)
        return pixels, tokens, errors, failed

    def serve(images):
        _, tokens, errors, failed = run(images)
        captions = graph_tokenizer.detokenize(tokens)
        return {"caption": tf.where(failed, "", captions), "error": errors}

    def attend(images):
        pixels, tokens, errors, failed = run(images)
        batch = tf.shape(pixels)[0]
        generated = tokens[:, 1:]  # (batch, max_words + 1)
        # Each generated token up to and with `<end>`, then "".
        before_end = tf.equal(tf.cumsum(
            tf.cast(tf.equal(generated, tokenizer.end_id), tf.int32),
            axis=1, exclusive=True), 0)
        kept = before_end & tf.not_equal(generated, tokenizer.pad_id)
        kept &= ~failed[:, None]
        text = tf.where(kept, tf.gather(words, generated), "")
        _, alignments = decoding.score(
            attention, padded(pixels), padded(tokens))
        alignments = alignments[:batch]  # (batch, max_words + 1, L)
        maps = tf.reshape(alignments, (batch, max_words + 1, grid, grid))
        maps = tf.where(failed[:, None, None, None], 0.0, maps)
        return {"tokens": text, "attention": maps, "error": errors}

    return serve, attend


def build_archive(model, tokenizer, image_size, max_words,
                  num_beams=DEFAULT_NUM_BEAMS):
    """An `ExportArchive` with the `serving_default` and `attend` signatures.

    Args:
        model: the trained captioner.
        tokenizer: the run's `datasets.tokenizers.Tokenizer`.
        image_size: int, the model's input side.
        max_words: int, most words per caption.
        num_beams: int, beam width in the graph (1 = greedy).
            Defaults to `DEFAULT_NUM_BEAMS`.

    Returns:
        `keras.export.ExportArchive`, ready for `write_out`.
    """
    import tensorflow as tf

    require_tensorflow_backend()
    graph_tokenizer = GraphTokenizer(tokenizer)
    serve, attend = make_serving_fns(
        model, graph_tokenizer, image_size, max_words, num_beams)
    spec = [tf.TensorSpec([None], tf.string, name="images")]
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.track(graph_tokenizer.tables)
    archive.add_endpoint("serving_default", serve, input_signature=spec)
    archive.add_endpoint("attend", attend, input_signature=spec)
    return archive


def export_restored(
    restored: Restored,
    model_dir: str = "saved_models/captioning",
    version: int | None = None,
    num_beams: int = DEFAULT_NUM_BEAMS,
) -> pathlib.Path:
    """Exports a restored run to `<model_dir>/<version>/` with a warm-up.

    Args:
        restored: the run from `apps.framework.restore`.
        model_dir: str, the model's folder. Defaults to
            `"saved_models/captioning"`.
        version: int or `None` for the next free one. Defaults to `None`.
        num_beams: int, beam width of the serving decoder (1 = greedy).
            Defaults to `DEFAULT_NUM_BEAMS`.

    Returns:
        `pathlib.Path` of the version folder.

    Raises:
        RuntimeError: "export needs KERAS_BACKEND=tensorflow" off TensorFlow.
    """
    require_tensorflow_backend()
    import tensorflow as tf

    size = restored.model_config.image_size
    archive = build_archive(
        restored.model, restored.assets["tokenizer"], size,
        restored.train_config.max_words, num_beams,
    )
    warmup_png = tf.io.encode_png(
        tf.fill((size, size, 3), tf.constant(128, tf.uint8))).numpy()
    return export_versioned(
        archive, model_dir, version,
        warmup_requests=[{"images": [warmup_png]}],
    )


def reference_requests(restored: Restored,
                       num_beams: int = DEFAULT_NUM_BEAMS) -> list[dict]:
    """Answers of `decoding.caption_images` to `serving_default` and
    `attend`, on any backend.

    The images are `CONTRACT_PNG` (grey) and a drawn-shapes picture as PNG.
    The Python path sees the very pixels the graph decodes: they come from
    the serving graph's own `make_image_fn`, run eagerly.

    Args:
        restored: the run from `apps.framework.restore`.
        num_beams: int, the beam width the run is exported with.
            Defaults to `DEFAULT_NUM_BEAMS`.

    Returns:
        list of `{"signature", "inputs", "outputs"}` dicts (see
        `apps.framework.App.reference_function`).
    """
    import tensorflow as tf

    size = restored.model_config.image_size
    max_words = restored.train_config.max_words
    tokenizer = restored.assets["tokenizer"]
    drawn, _ = data.shapes_batch(0, (0,), 1, size)  # (1, size, size, 3)
    images = [CONTRACT_PNG, tf.io.encode_png(
        np.round(drawn[0] * 255).astype("uint8")).numpy()]
    pixels, _ = make_image_fn(size, MAX_IMAGES, MAX_IMAGE_BYTES,
                              MAX_IMAGE_PIXELS, MAX_REQUEST_PIXELS)(
        tf.constant(images))
    captions, tokens, _, alignments = decoding.caption_images(
        restored.model, tokenizer, pixels.numpy(), max_words, num_beams)
    words = [decoding.generated_words(row, tokenizer) for row in tokens]
    grid = math.isqrt(alignments.shape[-1])
    return [
        {"signature": "serving_default", "inputs": {"images": images},
         "outputs": {"caption": captions, "error": [""] * len(images)}},
        {"signature": "attend", "inputs": {"images": images},
         "outputs": {
             "tokens": [row + [""] * (max_words + 1 - len(row))
                        for row in words],
             "attention": alignments.reshape(
                 (len(images), max_words + 1, grid, grid)),
             "error": [""] * len(images)}},
    ]


@dataclasses.dataclass(frozen=True)
class ExportConfig(BaseExportConfig):
    """What to export.

    Args:
        run_dir: str, the training run to export. Defaults to
            `"runs/captioning"`.
        model_dir: str, folder of versioned exports. Defaults to
            `"saved_models/captioning"`.
        num_beams: int, beam width of the serving decoder, 1 for greedy.
            Defaults to `DEFAULT_NUM_BEAMS`.
    """

    run_dir: str = "runs/captioning"
    model_dir: str = "saved_models/captioning"
    num_beams: int = DEFAULT_NUM_BEAMS

    def __post_init__(self):
        super().__post_init__()
        require_positive_integers(self, "num_beams")


build_parser, main = export_command(
    APP,
    "Export a trained captioner as a versioned SavedModel (image bytes "
    "-> caption; `attend` adds attention maps; needs "
    "KERAS_BACKEND=tensorflow).",
    ExportConfig,
)


if __name__ == "__main__":
    main()
