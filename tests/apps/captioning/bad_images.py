"""Encoded images, good and broken, for the serving tests."""

import struct
import zlib

import numpy as np


def png(height, width, seed=0) -> bytes:
    """A random RGB PNG."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 255, (height, width, 3), dtype="uint8")
    return tf.io.encode_png(pixels).numpy()


def jpeg(height, width, seed=0) -> bytes:
    """A random RGB JPEG."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 255, (height, width, 3), dtype="uint8")
    return tf.io.encode_jpeg(pixels).numpy()


def png_header(width, height, body=b"\0" * 64) -> bytes:
    """A PNG signature and valid IHDR chunk claiming `width x height`."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr
            + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr)) + body)


def truncated(image: bytes) -> bytes:
    """The first half of an encoded image."""
    return image[: len(image) // 2]


def corrupt_png_body(image: bytes) -> bytes:
    """A PNG whose IDAT data is scrambled; header and IEND stay valid."""
    start = image.find(b"IDAT") + 4
    scrambled = bytes(b ^ 0x5A for b in image[start + 4:-16])
    return image[: start + 4] + scrambled + image[-16:]


def garbage_after_png_signature(seed=0) -> bytes:
    """The PNG signature followed by random bytes."""
    rng = np.random.default_rng(seed)
    return b"\x89PNG\r\n\x1a\n" + rng.integers(0, 255, 100, "uint8").tobytes()


def corrupt_jpeg_header(seed=0) -> bytes:
    """A JPEG start-of-image marker followed by random bytes."""
    rng = np.random.default_rng(seed)
    return b"\xff\xd8\xff" + rng.integers(0, 255, 100, "uint8").tobytes()


def huge_jpeg() -> bytes:
    """An 8 x 8 JPEG whose SOF header claims 5000 x 10000 pixels."""
    small = jpeg(8, 8)
    sof = small.find(b"\xff\xc0")
    return small[: sof + 5] + struct.pack(">HH", 5000, 10000) + small[sof + 9:]
