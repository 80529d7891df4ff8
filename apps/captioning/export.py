"""Exports the captioner as a SavedModel: image bytes in, caption out.

Signatures (run with only `tensorflow` installed):

- `serving_default(images)`: string vector of encoded JPEG or PNG images,
  any size (resized in the graph). Returns `caption` (string vector) and
  `error` (string vector, `""` for a good image).
- `attend(images)`: the same decoding, returning `tokens` (string
  `(batch, max_words + 1)`, `""` after `<end>`), `attention` (float32
  `(batch, max_words + 1, grid, grid)`, the weights used to predict each
  token) and `error`.

Bad images never fail the batch and never allocate unboundedly: the header
is checked before decoding, and an image with an error gets caption `""`:

- empty string -> `"empty image"`;
- neither JPEG nor PNG magic bytes -> `"not a JPEG or PNG image"`;
- more than `MAX_PIXELS` pixels according to its header (JPEG SOF via
  `tf.io.extract_jpeg_shape`, PNG IHDR) -> `"image too large ..."`.

A JPEG whose header is valid but whose data is corrupt fails the request
with TensorFlow's `InvalidArgumentError` (a clear error, not a crash).

Example:

```
python -m apps.captioning.export --run_dir runs/captioning
```
"""

import argparse
import math

import keras

from apps.captioning import decoding
from apps.captioning.model import attention_model
from saved_models.export import export_versioned, require_tensorflow_backend

MAX_PIXELS = 16_000_000  # 4000 x 4000; larger images are refused
MAX_BYTES = 64 * 2 ** 20  # longer request strings are refused unread
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"


def _header_check(image_bytes):
    """`(error, ok)` for one encoded image, reading only its header."""
    import tensorflow as tf

    length = tf.strings.length(image_bytes)
    head = tf.strings.substr(
        tf.strings.join([image_bytes, tf.constant(b"\0" * 24)]), 0, 24
    )
    is_png = tf.equal(tf.strings.substr(head, 0, 8), PNG_MAGIC)
    is_jpeg = tf.equal(tf.strings.substr(head, 0, 3), JPEG_MAGIC)
    ihdr = tf.cast(tf.io.decode_raw(tf.strings.substr(head, 16, 8), tf.uint8),
                   tf.int64)  # big-endian width, height
    png_w = ihdr[0] * 2 ** 24 + ihdr[1] * 2 ** 16 + ihdr[2] * 2 ** 8 + ihdr[3]
    png_h = ihdr[4] * 2 ** 24 + ihdr[5] * 2 ** 16 + ihdr[6] * 2 ** 8 + ihdr[7]

    def jpeg_pixels():
        shape = tf.cast(tf.io.extract_jpeg_shape(image_bytes), tf.int64)
        return shape[0] * shape[1]

    pixels = tf.cond(
        is_jpeg, jpeg_pixels,
        lambda: tf.where(is_png, png_w * png_h, tf.constant(0, tf.int64)),
    )
    error = tf.case(
        [
            (tf.equal(length, 0), lambda: tf.constant("empty image")),
            (length > MAX_BYTES,
             lambda: tf.constant(f"image longer than {MAX_BYTES} bytes")),
            (tf.logical_not(tf.logical_or(is_png, is_jpeg)),
             lambda: tf.constant("not a JPEG or PNG image")),
            (tf.logical_or(pixels > MAX_PIXELS, pixels < 1),
             lambda: tf.strings.join([
                 "image too large or empty: ",
                 tf.strings.as_string(pixels),
                 f" pixels; at most {MAX_PIXELS}"])),
        ],
        default=lambda: tf.constant(""),
    )
    return error


def make_image_fn(image_size: int):
    """`images (batch,) string -> (float (batch, s, s, 3), errors (batch,))`."""
    import tensorflow as tf

    def prepare(image_bytes):
        error = _header_check(image_bytes)

        def decode():
            image = tf.io.decode_image(
                image_bytes, channels=3, expand_animations=False
            )
            image = tf.image.resize(tf.cast(image, tf.float32),
                                    (image_size, image_size))
            return tf.round(image) / 255.0

        image = tf.cond(
            tf.equal(error, ""), decode,
            lambda: tf.zeros((image_size, image_size, 3)),
        )
        image.set_shape((image_size, image_size, 3))
        return image, error

    def images_fn(images):
        images = tf.reshape(images, [-1])
        return tf.map_fn(
            prepare, images,
            fn_output_signature=(
                tf.TensorSpec((image_size, image_size, 3), tf.float32),
                tf.TensorSpec((), tf.string),
            ),
        )

    return images_fn


def make_serving_fns(model, vocabulary, image_size, max_words, num_beams):
    """The functions behind `serving_default` and `attend`."""
    import tensorflow as tf

    images_fn = make_image_fn(image_size)
    attention = attention_model(model)
    words = tf.constant(vocabulary)
    start_id, end_id = vocabulary.index("<start>"), vocabulary.index("<end>")
    sampler = decoding.make_sampler(num_beams)
    grid = math.isqrt(model.get_layer("encoder").output.shape[1])

    def run(images):
        pixels, errors = images_fn(images)
        batch = tf.shape(pixels)[0]
        # An empty batch gets one blank row: some CPU kernels mishandle 0.
        blank = tf.zeros((tf.maximum(1 - batch, 0), image_size,
                          image_size, 3))
        pixels = tf.concat([pixels, blank], axis=0)
        tokens = decoding.decode(
            model, pixels, max_words + 1, start_id, end_id, sampler
        )[:batch]  # (batch, max_words + 2)
        pixels = pixels[:batch]
        generated = tokens[:, 1:]
        before_end = tf.equal(
            tf.cumsum(tf.cast(tf.equal(generated, end_id), tf.int32),
                      axis=1, exclusive=True), 0)
        kept = before_end & tf.not_equal(generated, 0)
        text = tf.where(kept, tf.gather(words, generated), "")
        failed = tf.not_equal(errors, "")
        text = tf.where(failed[:, None], "", text)
        return pixels, tokens, text, errors, failed

    def serve(images):
        _, _, text, errors, _ = run(images)
        speech = tf.where(
            tf.logical_or(tf.equal(text, "<end>"), tf.equal(text, "")),
            "", text)
        caption = tf.strings.strip(tf.strings.regex_replace(
            tf.strings.reduce_join(speech, axis=1, separator=" "), " +", " "))
        return {"caption": caption, "error": errors}

    def attend(images):
        pixels, tokens, text, errors, failed = run(images)
        batch = tf.shape(pixels)[0]
        pad = tf.maximum(1 - batch, 0)  # as in `run`: never score 0 rows
        _, alignments = decoding.score(
            attention,
            tf.concat([pixels, tf.zeros((pad, image_size, image_size, 3))],
                      axis=0),
            tf.concat([tokens, tf.zeros((pad, max_words + 2), tf.int32)],
                      axis=0),
        )
        alignments = alignments[:batch]
        maps = tf.reshape(alignments, (tf.shape(alignments)[0],
                                       tf.shape(alignments)[1], grid, grid))
        maps = tf.where(failed[:, None, None, None], 0.0, maps)
        return {"tokens": text, "attention": maps, "error": errors}

    return serve, attend


def export_model(model, vocabulary, model_config, max_words, model_dir,
                 num_beams: int = 3, version=None):
    """Exports `serving_default` and `attend` to `<model_dir>/<version>/`.

    Args:
        model: the trained captioner.
        vocabulary: list of str, the run's vocabulary.
        model_config: its `ModelConfig`.
        max_words: int, most words per caption.
        model_dir: e.g. `"saved_models/captioning"`.
        num_beams: int, beam width of the serving decoder (1 = greedy).
            Defaults to `3`.
        version: int or `None` for the next free version.

    Returns:
        `pathlib.Path` of the new version folder.
    """
    require_tensorflow_backend()
    import tensorflow as tf

    serve, attend = make_serving_fns(
        model, vocabulary, model_config.image_size, max_words, num_beams
    )
    spec = [tf.TensorSpec([None], tf.string, name="images")]
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serving_default", serve, input_signature=spec)
    archive.add_endpoint("attend", attend, input_signature=spec)
    warmup_png = tf.io.encode_png(
        tf.fill((model_config.image_size, model_config.image_size, 3),
                tf.constant(128, tf.uint8))).numpy()
    return export_versioned(
        archive, model_dir, version,
        warmup_requests=[{"images": [warmup_png]}],
    )


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m apps.captioning.export`."""
    parser = argparse.ArgumentParser(
        prog="python -m apps.captioning.export",
        description="Export a trained captioner as a versioned SavedModel "
        "(image bytes -> caption; `attend` adds attention maps).",
    )
    parser.add_argument("--run_dir", default="runs/captioning",
                        help="training run to export (default: %(default)s)")
    parser.add_argument("--model_dir", default="saved_models/captioning",
                        help="versioned export folder (default: %(default)s)")
    parser.add_argument("--num_beams", type=int, default=3,
                        help="beam width in the graph, 1 = greedy "
                        "(default: %(default)s)")
    parser.add_argument("--version", type=int, default=None,
                        help="version number (default: next free)")
    parser.add_argument("--seed", type=int, default=0,
                        help="random seed (default: %(default)s)")
    return parser


def main(argv=None) -> None:
    """Parses the command line and exports."""
    args = build_parser().parse_args(argv)
    require_tensorflow_backend()
    keras.utils.set_random_seed(args.seed)
    from apps.captioning.train import restore_model

    model, vocabulary, model_config, train_config = restore_model(args.run_dir)
    path = export_model(model, vocabulary, model_config,
                        train_config.max_words, args.model_dir,
                        args.num_beams, args.version)
    print(f"Exported {path}")


if __name__ == "__main__":
    main()
