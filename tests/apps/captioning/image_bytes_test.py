"""In-graph image checks: each bad image gets its own error."""

import keras
import numpy as np
import pytest

from apps.captioning import image_bytes
from tests.apps.captioning import bad_images

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="the serving image ops are TensorFlow ops",
)

UNDECODABLE = "not a decodable JPEG or PNG image"


def run(images, size=8, max_images=10, max_image_bytes=10_000,
        max_image_pixels=10_000, max_request_pixels=100_000):
    import tensorflow as tf

    images_fn = tf.function(image_bytes.make_image_fn(
        size, max_images, max_image_bytes, max_image_pixels,
        max_request_pixels))
    pixels, errors = images_fn(tf.constant(images, tf.string))
    return pixels.numpy(), [e.decode() for e in errors.numpy()]


def test_each_broken_image_gets_its_own_error_and_neighbours_decode():
    from datasets.captions import decode_image

    good_png, good_jpeg = bad_images.png(12, 9), bad_images.jpeg(40, 30)
    pixels, errors = run([
        good_png,
        bad_images.truncated(good_jpeg),
        bad_images.truncated(good_png),
        bad_images.corrupt_png_body(good_png),
        bad_images.garbage_after_png_signature(),
        bad_images.corrupt_jpeg_header(),
        b"",
        b"GIF89a not allowed",
        good_jpeg,
    ])
    assert errors == [
        "",
        f"{UNDECODABLE} (truncated: no EOI marker at its end)",
        f"{UNDECODABLE} (truncated: no IEND chunk at its end)",
        f"{UNDECODABLE} (corrupt data)",
        "not a JPEG or PNG image",
        f"{UNDECODABLE} (corrupt header)",
        "empty image",
        "not a JPEG or PNG image",
        "",
    ]
    for row, image in ((0, good_png), (8, good_jpeg)):
        expected = np.asarray(decode_image(image, 8)) / 255.0
        np.testing.assert_allclose(pixels[row], expected, atol=1e-6)
    assert not pixels[1:8].any()


def test_sizes_come_from_headers_before_decoding():
    _, errors = run([
        bad_images.png_header(200, 100), bad_images.huge_jpeg(),
        bad_images.png_header(0, 5), bad_images.png_header(4, 4)[:30],
        b"\x89PNG" + b"\0" * 20_000,
    ])
    assert errors == [
        "image too large: 20000 pixels; at most 10000 per image",
        "image too large: 50000000 pixels; at most 10000 per image",
        "image has no pixels (width or height 0)",
        f"{UNDECODABLE} (corrupt header)",
        "image longer than 10000 bytes; at most 10000",
    ]


def test_total_pixels_are_counted_in_request_order():
    small, large = bad_images.png(10, 10), bad_images.png(20, 20, seed=1)
    pixels, errors = run([small, large, small, b"x"],
                         max_request_pixels=500)
    over = ("not decoded: the request's images exceed 500 pixels in total; "
            "send this one in another request")
    assert errors == ["", "", over, "not a JPEG or PNG image"]
    assert pixels[:2].any(axis=(1, 2, 3)).all() and not pixels[2:].any()


def test_too_many_images_fail_the_request_saying_so():
    import tensorflow as tf

    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="at most 2 images; split it"):
        run([b"", b"", b""], max_images=2)


def test_empty_request():
    pixels, errors = run([])
    assert pixels.shape == (0, 8, 8, 3) and errors == []


def test_map_ignoring_errors_keeps_positions():
    import tensorflow as tf

    good = bad_images.png(3, 3)
    values, ok = image_bytes.map_ignoring_errors(
        lambda b: tf.io.decode_png(b)[0, 0],
        tf.constant([good, b"x", good, good]),
        tf.constant([True, True, False, True]),
        tf.TensorSpec([3], tf.uint8))
    first = tf.io.decode_png(good)[0, 0].numpy()
    np.testing.assert_array_equal(
        values.numpy(), [first, [0, 0, 0], [0, 0, 0], first])
    assert ok.numpy().tolist() == [True, False, False, True]
