"""TensorFlow graph pieces of the handwriting SavedModel.

Everything here is `tf` ops, traced into the exported signatures, so a
server needs neither Keras nor this repository:

- `encode_text`: UTF-8 strings to the run's character ids, with a
  per-item error for an empty-after-limit, too long or unknown character;
- `check_priming`: priming strokes in data units to normalised ones (and
  downsampled like the training lines, `downsample_strokes`), with a
  per-item error for NaN or infinite values and bad lengths;
- `svg_documents`: stroke-3 points to one SVG document per item, like
  `datasets.strokes.strokes_to_svg` (absolute `M`/`L` path commands in a
  `viewBox` around the points), so `datasets.strokes.svg_to_strokes` reads
  them back.

Per-item errors are strings, `""` when the item is fine; a failed item is
written as no points.
"""

import numpy as np

# Coordinates in the SVG path: digits after the decimal point.
SVG_PRECISION = 2


def _tf():
    import tensorflow as tf

    return tf


def encode_text(text, alphabet: str, max_characters: int):
    """Character ids of a string vector, and an error per item.

    Args:
        text: string `(batch,)`.
        alphabet: str, the run's alphabet (id `k + 1` for character `k`).
        max_characters: int, the most characters an item may have; longer
            items (counted in bytes first, so a huge string costs nothing)
            get an error and no ids.

    Returns:
        `(ids, lengths, error)`: int32 `(batch, U)` (`0` padding), int32
        `(batch,)` and string `(batch,)`.
    """
    tf = _tf()
    codes = np.array([ord(c) for c in alphabet], np.int64)
    table = np.full(int(codes.max()) + 2, -1, np.int32)
    table[codes] = np.arange(1, len(alphabet) + 1, dtype=np.int32)
    table = tf.constant(table)
    size = tf.shape(table, out_type=tf.int32)[0]

    too_long = tf.logical_or(
        tf.strings.length(text) > 4 * max_characters,
        tf.strings.length(text, unit="UTF8_CHAR") > max_characters,
    )
    text = tf.where(too_long, tf.constant(""), text)
    chars = tf.strings.unicode_decode(text, "UTF-8", errors="replace",
                                      replacement_char=0xFFFD)
    points = chars.to_tensor(default_value=0)  # (batch, U) code points
    present = tf.sequence_mask(chars.row_lengths(), tf.shape(points)[1])
    ids = tf.where(points < size,
                   tf.gather(table, tf.minimum(points, size - 1)), -1)
    unknown = tf.logical_and(present, ids < 0)
    has_unknown = tf.reduce_any(unknown, axis=1)
    # One more column, so that a batch of empty texts (U = 0) has one to
    # take the argmax over.
    first = tf.argmax(tf.pad(tf.cast(unknown, tf.int32), [[0, 0], [0, 1]]),
                      axis=1, output_type=tf.int32)
    first = tf.gather(tf.pad(points, [[0, 0], [0, 1]]), first, batch_dims=1)
    first = tf.strings.unicode_encode(first[:, None], "UTF-8")
    error = tf.where(
        too_long,
        tf.constant(f"text longer than {max_characters} characters; split "
                    "it into lines"),
        tf.where(
            has_unknown,
            tf.strings.join([
                "character '", first, "' is outside the model's alphabet "
                f"{alphabet!r}"]),
            tf.constant(""),
        ),
    )
    ok = tf.equal(error, "")
    ids = tf.where(tf.logical_and(present, ok[:, None]), ids, 0)
    lengths = tf.where(ok, tf.cast(chars.row_lengths(), tf.int32), 0)
    return ids, lengths, error


def downsample_strokes(strokes, lengths, factor: int):
    """`datasets.strokes.downsample` of each item of a padded batch.

    Args:
        strokes: float32 `(batch, P, 3)` stroke-3.
        lengths: int32 `(batch,)`, valid points per item (in `0..P`).
        factor: positive int; `1` returns the inputs.

    Returns:
        `(strokes, lengths)`: float32 `(batch, P, 3)` with each item's kept
        points first and zeros after, and int32 `(batch,)`.
    """
    if factor == 1:
        return strokes, lengths
    tf = _tf()
    batch, points = tf.shape(strokes)[0], tf.shape(strokes)[1]
    position = tf.range(points)[None, :] + tf.zeros([batch, 1], tf.int32)
    valid = position < lengths[:, None]
    pen_up = strokes[..., 2] > 0.5
    starts = tf.concat([tf.ones([batch, 1], tf.bool), pen_up[:, :-1]],
                       1)[:, :points]  # no column for zero points
    # Where each point's stroke starts: the smallest position of its stroke.
    stroke = tf.cumsum(tf.cast(starts, tf.int32), axis=1) - 1
    segment = tf.range(batch)[:, None] * points + stroke
    first = tf.math.unsorted_segment_min(
        tf.reshape(position, [-1]), tf.reshape(segment, [-1]),
        batch * points)
    within = position - tf.gather(first, segment)
    last = tf.equal(position, lengths[:, None] - 1)
    keep = tf.logical_and(valid, pen_up | last | tf.equal(within % factor, 0))
    absolute = tf.cumsum(strokes[..., :2], axis=1)
    target = tf.cumsum(tf.cast(keep, tf.int32), axis=1) - 1
    index = tf.stack([tf.broadcast_to(tf.range(batch)[:, None],
                                      [batch, points]), target], -1)
    kept = tf.scatter_nd(
        tf.boolean_mask(index, keep),
        tf.boolean_mask(tf.concat([absolute, strokes[..., 2:]], -1), keep),
        tf.shape(strokes))
    new_lengths = tf.reduce_sum(tf.cast(keep, tf.int32), axis=1)
    offsets = kept[..., :2] - tf.pad(kept[:, :-1, :2], [[0, 0], [1, 0], [0, 0]])
    inside = tf.sequence_mask(new_lengths, points)[..., None]
    return tf.where(inside, tf.concat([offsets, kept[..., 2:]], -1),
                    0.0), new_lengths


def check_priming(strokes, lengths, std, clip: float, max_points: int,
                  downsample: int = 1):
    """Normalised priming strokes and an error per item.

    Args:
        strokes: float32 `(batch, P, 3)` stroke-3 in data units.
        lengths: int32 `(batch,)`, valid points per item.
        std: `(std_x, std_y)` of the run's `NormalizationStats`.
        clip: float, the training clip in standard deviations.
        max_points: int, the most priming points an item may have (before
            downsampling).
        downsample: int, the run's `--downsample`. Defaults to `1`.

    Returns:
        `(strokes, lengths, error)`: normalised float32 `(batch, P, 3)`
        (zeros for failed items), int32 `(batch,)` (points after
        downsampling) and string `(batch,)`.
    """
    tf = _tf()
    points = tf.shape(strokes)[1]
    valid = tf.sequence_mask(tf.clip_by_value(lengths, 0, points), points)
    finite = tf.reduce_all(
        tf.logical_or(tf.math.is_finite(strokes), ~valid[:, :, None]),
        axis=[1, 2])
    bad_length = tf.logical_or(lengths < 0, lengths > points)
    error = tf.where(
        bad_length,
        tf.constant("priming_lengths outside 0..the priming points sent"),
        tf.where(
            lengths > max_points,
            tf.constant(f"priming longer than {max_points} points"),
            tf.where(finite, tf.constant(""), tf.constant(
                "priming strokes hold NaN or infinite values")),
        ),
    )
    ok = tf.equal(error, "")
    keep = tf.logical_and(valid, ok[:, None])[:, :, None]
    strokes, lengths = downsample_strokes(
        tf.where(keep, strokes, 0.0), tf.where(ok, lengths, 0), downsample)
    scale = tf.constant([std[0], std[1], 1.0], tf.float32)
    normal = tf.clip_by_value(strokes / scale, -clip, clip)
    normal = tf.concat([normal[..., :2], tf.cast(
        normal[..., 2:] > 0.5, tf.float32)], axis=-1)
    return normal, lengths, error


def _format(values):
    tf = _tf()
    text = tf.strings.as_string(values, precision=SVG_PRECISION)
    return tf.strings.regex_replace(text, r"\.?0+$", "")


def svg_documents(strokes, lengths, stroke_width: float):
    """One SVG document per item drawing its stroke-3 points.

    Args:
        strokes: float32 `(batch, N, 3)` stroke-3 in data units.
        lengths: int32 `(batch,)`, valid points per item.
        stroke_width: float, the pen width in data units.

    Returns:
        string `(batch,)`; an item with no points is an empty drawing.
    """
    tf = _tf()
    batch, steps = tf.shape(strokes)[0], tf.shape(strokes)[1]
    valid = tf.sequence_mask(lengths, steps)  # (batch, N)
    xy = tf.cumsum(strokes[..., :2], axis=1)  # absolute points
    lifted = tf.concat([tf.ones([batch, 1]), strokes[:, :-1, 2]],
                       axis=1)[:, :steps]  # the pen before each point
    command = tf.where(lifted > 0.5, "M", "L")
    coords = _format(xy)  # (batch, N, 2)
    tokens = tf.strings.join([" ", command, coords[..., 0], " ",
                              coords[..., 1]])
    path = tf.strings.reduce_join(tf.where(valid, tokens, ""), axis=1)
    path = tf.strings.regex_replace(path, "^ ", "")
    pad = 2.0 * stroke_width
    big = tf.constant(np.float32(3e38))
    low = tf.reduce_min(tf.where(valid[..., None], xy, big), axis=1)
    high = tf.reduce_max(tf.where(valid[..., None], xy, -big), axis=1)
    empty = tf.logical_not(tf.reduce_any(valid, axis=1))[:, None]
    low = tf.where(empty, 0.0, low) - pad  # (batch, 2)
    size = tf.where(empty, pad, high - low) + pad
    low_text, size_text = _format(low), _format(size)
    return tf.strings.join([
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="',
        low_text[:, 0], " ", low_text[:, 1], " ", size_text[:, 0], " ",
        size_text[:, 1], '" width="', size_text[:, 0], '" height="',
        size_text[:, 1], '"><path d="', path,
        f'" fill="none" stroke="black" stroke-width="{stroke_width:.3g}" '
        'stroke-linecap="round" stroke-linejoin="round"/></svg>',
    ])
