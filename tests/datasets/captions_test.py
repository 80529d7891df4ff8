import gzip
import json
import zipfile

import numpy as np
import pytest

from datasets import captions
from tests.datasets.conftest import shared_dir


def _png(color):
    import tensorflow as tf

    image = np.zeros((10, 14, 3), "uint8")
    image[:] = color
    return tf.io.encode_png(image).numpy()


def test_normalize_caption():
    assert captions.normalize_caption("A dog's ball , red .") == (
        "a dog's ball red")


def test_read_flickr8k_and_splits(tmp_path):
    with gzip.open(tmp_path / captions.FLICKR8K_CAPTIONS, "wt") as handle:
        handle.write("1.jpg#0\tA Dog .\n1.jpg#1\tA dog runs\n2.jpg#0\tCat\n")
    (tmp_path / captions.FLICKR8K_SPLITS["train"]).write_text("2.jpg\n1.jpg\n")
    assert captions.load_flickr8k(tmp_path, "train") == [
        ("2.jpg", ["cat"]), ("1.jpg", ["a dog", "a dog runs"])]
    with pytest.raises(FileNotFoundError, match="testImages"):
        captions.load_flickr8k(tmp_path, "test")
    with pytest.raises(ValueError, match="split"):
        captions.load_flickr8k(tmp_path, "val")
    bad = tmp_path / "bad.txt"
    bad.write_text("no tab here\n")
    with pytest.raises(ValueError, match="bad.txt:1"):
        captions.read_flickr8k_captions(bad)


def test_read_coco_captions(tmp_path):
    path = tmp_path / "captions.json"
    path.write_text(json.dumps({
        "images": [{"id": 7, "file_name": "a.jpg"},
                   {"id": 8, "file_name": "b.jpg"}],
        "annotations": [{"image_id": 7, "caption": "A Man."},
                        {"image_id": 7, "caption": "a person"}],
    }))
    assert captions.read_coco_captions(path) == [
        ("a.jpg", ["a man", "a person"])]
    path.write_text("{}")
    with pytest.raises(ValueError, match="COCO"):
        captions.read_coco_captions(path)


def test_read_image_bytes_from_zip_and_pipeline(tmp_path):
    blobs = [_png((255, 0, 0)), _png((0, 0, 255))]
    with zipfile.ZipFile(tmp_path / "images.zip", "w") as archive:
        archive.writestr("images/x.png", blobs[0])
        archive.writestr("images/y.png", blobs[1])
    read = captions.read_image_bytes(tmp_path / "images.zip", ["y.png", "x.png"])
    assert read == blobs[::-1]
    with pytest.raises(FileNotFoundError, match="z.png"):
        captions.read_image_bytes(tmp_path / "images.zip", ["z.png"])
    ids = [np.array([[2, 5, 3, 0]]), np.array([[2, 6, 7, 3], [2, 8, 3, 0]])]
    dataset = captions.encoded_image_dataset(read, ids, 8, batch_size=2)
    (images, inputs), targets = next(iter(dataset))
    assert images.shape == (2, 8, 8, 3)
    np.testing.assert_allclose(images[0, 0, 0], [0, 0, 1])
    np.testing.assert_array_equal(inputs, [[2, 5, 3], [2, 6, 7]])
    np.testing.assert_array_equal(targets, [[5, 3, 0], [6, 7, 3]])


def test_flickr8k_real_data():
    folder = shared_dir("flickr8k", captions.FLICKR8K_CAPTIONS)
    test = captions.load_flickr8k(folder, "test")
    assert len(test) == 1000
    assert all(len(refs) == 5 for _, refs in test)
    blobs = captions.read_image_bytes(
        folder / captions.FLICKR8K_IMAGES, [test[0][0]])
    assert blobs[0][:3] == b"\xff\xd8\xff"
