"""Encoded images of a serving request, checked and decoded in the graph.

`make_image_fn` turns a string vector of encoded JPEG or PNG images into
pixels and one error text per image, so that one bad image never fails
the request of its neighbours. Each image passes, in order:

1. byte checks on all images at once: empty, longer than
   `max_image_bytes`, neither JPEG (`FF D8 FF`) nor PNG (the signature
   followed by a 13-byte `IHDR` chunk, PNG 1.2 section 5);
2. its size, read from the header alone (JPEG SOF through
   `tf.io.extract_jpeg_shape`, PNG IHDR width and height), against
   `max_image_pixels`, and the request's running total against
   `max_request_pixels` (images past the total are not decoded);
3. decoding (`tf.io.decode_image`) and resizing.

TensorFlow graphs have no `try`/`except`: reading a JPEG header and
decoding run each image through a `tf.data` pipeline with `ignore_errors()`
(`map_ignoring_errors`), so a header or body TensorFlow cannot read
(truncated, corrupt) drops out of that pipeline and gets its error, while
the others are answered. These are core TensorFlow ops, so TF Serving runs
them (no `tf.py_function`). Only the images a pipeline reads are copied
into it, one at a time: a request of 32 images of 16 megapixels, past its
pixel total after two, takes about a second on two CPU cores.
"""

from saved_models.request_checks import at_most_per_request

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_IHDR = b"\x00\x00\x00\x0dIHDR"  # length 13, then the chunk type
PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"  # the last chunk, with its CRC
JPEG_SOI = b"\xff\xd8\xff"  # start-of-image marker, then a marker
JPEG_EOI = b"\xff\xd9"  # end-of-image marker

NOT_AN_IMAGE = "not a JPEG or PNG image"
UNDECODABLE = "not a decodable JPEG or PNG image"


def map_ignoring_errors(fn, elements, wanted, output_spec):
    """`fn` on each wanted element; an element whose `fn` fails is dropped.

    The in-graph `try: fn(x) except: fail`: the indices of the wanted
    elements go through `tf.data.Dataset.map(fn).ignore_errors()` (in
    parallel), and the results are scattered back to their positions.

    Args:
        fn: callable `element -> tensor` of `output_spec`.
        elements: tensor `(n, ...)`.
        wanted: bool `(n,)`, the elements to run `fn` on.
        output_spec: `tf.TensorSpec` of one result (a static shape).

    Returns:
        `(results (n, *output_spec.shape), ok bool (n,))`: zeros and `False`
        where an element was not wanted or `fn` failed on it.

    Example:

    >>> values, ok = map_ignoring_errors(
    ...     lambda b: tf.io.decode_png(b)[0, 0], tf.constant([png, b"x"]),
    ...     tf.constant([True, True]), tf.TensorSpec([3], tf.uint8))
    >>> ok.numpy()
    array([ True, False])
    """
    import tensorflow as tf

    count = tf.shape(elements)[0]
    # Only the wanted elements are copied out of `elements`, one at a time.
    results = (
        tf.data.Dataset.from_tensor_slices(
            tf.boolean_mask(tf.range(count), wanted))
        .map(lambda i: (i, fn(tf.gather(elements, i))),
             num_parallel_calls=tf.data.AUTOTUNE, deterministic=False)
        .ignore_errors()
    )
    # A first row that always succeeds, so the batch is never empty.
    sentinel = tf.data.Dataset.from_tensors(
        (tf.constant(-1), tf.zeros(output_spec.shape, output_spec.dtype))
    )
    index, values = (
        sentinel.concatenate(results)
        .batch(tf.cast(count, tf.int64) + 1)
        .get_single_element()
    )
    index, values = index[1:, None], values[1:]  # (k, 1), (k, ...)
    shape = tf.concat([[count], output_spec.shape], axis=0)
    ok = tf.scatter_nd(index, tf.ones_like(index[:, 0]), [count]) > 0
    return tf.scatter_nd(index, values, shape), ok


def first_error(checks, count):
    """Per element, the message of its first failed check, else `""`.

    Args:
        checks: list of `(failed bool (n,), message)` in priority order;
            `message` a string scalar or `(n,)` tensor.
        count: scalar int, `n`.
    """
    import tensorflow as tf

    error = tf.fill([count], "")
    for failed, message in reversed(checks):
        error = tf.where(failed, message, error)
    return error


def png_sizes(images):
    """int64 `(n, 2)` `(height, width)` read from each string's PNG IHDR.

    Bytes 16 to 24 of a PNG are the big-endian uint32 width and height
    (PNG 1.2 section 11.2.2); a shorter string reads zeros.
    """
    import tensorflow as tf

    header = tf.strings.join(
        [tf.strings.substr(images, 0, 24), b"\0" * 24])  # >= 24 bytes
    raw = tf.io.decode_raw(tf.strings.substr(header, 16, 8), tf.uint8)
    raw = tf.reshape(tf.cast(raw, tf.int64), (-1, 2, 4))  # (n, [w, h], 4)
    width_height = tf.reduce_sum(raw * [2 ** 24, 2 ** 16, 2 ** 8, 1], axis=2)
    return tf.reverse(width_height, axis=[1])


def jpeg_size(image_bytes):
    """int64 `(height, width)` from a JPEG's SOF; an op error if unreadable."""
    import tensorflow as tf

    return tf.cast(tf.io.extract_jpeg_shape(image_bytes)[:2], tf.int64)


def make_image_fn(image_size: int, max_images: int, max_image_bytes: int,
                  max_image_pixels: int, max_request_pixels: int):
    """Builds `images (n,) string -> (pixels, errors)` for a serving graph.

    Args:
        image_size: int, side of the square float images returned.
        max_images: int, most images per request; more fail the request
            with INVALID_ARGUMENT and a message saying so.
        max_image_bytes: int, longest encoded image; longer ones get an
            error unread.
        max_image_pixels: int, largest `height * width` per image (from its
            header, before decoding).
        max_request_pixels: int, largest total `height * width` decoded per
            request, adding images in request order.

    Returns:
        A function of a string tensor `(n,)` returning `(pixels float32
        (n, image_size, image_size, 3) in [0, 1], errors string (n,))`:
        `""` for a decoded image, else what was wrong (its pixels are 0).
    """
    import tensorflow as tf

    def decode(image_bytes):
        image = tf.io.decode_image(
            image_bytes, channels=3, expand_animations=False
        )
        image = tf.image.resize(tf.cast(image, tf.float32),
                                (image_size, image_size))
        return tf.round(image) / 255.0  # as `datasets.captions.decode_image`

    def images_fn(images):
        images = at_most_per_request(
            tf.reshape(images, [-1]), max_images, "images")  # (n,)
        count = tf.shape(images)[0]
        length = tf.strings.length(images)

        def last(size):  # the last `size` bytes (all of a shorter string)
            return tf.strings.substr(
                images, tf.maximum(length - size, 0), tf.fill([count], size))

        head = tf.strings.substr(images, 0, 16)  # shorter strings stay short
        is_png = tf.equal(head, PNG_SIGNATURE + PNG_IHDR)
        is_jpeg = tf.equal(tf.strings.substr(head, 0, 3), JPEG_SOI)
        too_long = length > max_image_bytes
        readable = (is_png | is_jpeg) & ~too_long
        jpeg, has_jpeg_size = map_ignoring_errors(
            jpeg_size, images, is_jpeg & readable,
            tf.TensorSpec([2], tf.int64))
        size = tf.where(is_png[:, None], png_sizes(images), jpeg)
        # PNG sides are at most 2 ** 31 - 1: a bad one cannot overflow.
        size = tf.minimum(size, 2 ** 31 - 1)
        # A PNG's IHDR chunk ends at byte 33.
        has_size = readable & tf.where(is_png, length >= 33, has_jpeg_size)
        pixels = size[:, 0] * size[:, 1]  # (n,) int64
        fits = has_size & (pixels >= 1) & (pixels <= max_image_pixels)
        total = tf.cumsum(tf.where(fits, pixels, tf.zeros_like(pixels)))
        over_total = fits & (total > max_request_pixels)
        decoded, ok = map_ignoring_errors(
            decode, images, fits & ~over_total,
            tf.TensorSpec([image_size, image_size, 3], tf.float32))
        truncated = tf.where(
            is_png,
            tf.not_equal(last(len(PNG_IEND)), PNG_IEND),
            tf.not_equal(last(len(JPEG_EOI)), JPEG_EOI),
        )
        errors = first_error([
            (tf.equal(length, 0), "empty image"),
            (too_long, f"image longer than {max_image_bytes} bytes; at most "
             f"{max_image_bytes}"),
            (~readable, NOT_AN_IMAGE),
            (~has_size, f"{UNDECODABLE} (corrupt header)"),
            (pixels > max_image_pixels, tf.strings.join([
                "image too large: ", tf.strings.as_string(pixels),
                f" pixels; at most {max_image_pixels} per image"])),
            (pixels < 1, "image has no pixels (width or height 0)"),
            (over_total, f"not decoded: the request's images exceed "
             f"{max_request_pixels} pixels in total; send this one in "
             "another request"),
            (~ok & truncated, tf.where(
                is_png, f"{UNDECODABLE} (truncated: no IEND chunk at its end)",
                f"{UNDECODABLE} (truncated: no EOI marker at its end)")),
            (~ok, f"{UNDECODABLE} (corrupt data)"),
        ], count)
        return decoded, errors

    return images_fn
