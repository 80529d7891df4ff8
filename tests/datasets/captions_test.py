import gzip
import json
import zipfile

import numpy as np
import pytest

from datasets import captions, files
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


def _jpeg():
    import tensorflow as tf

    return tf.io.encode_jpeg(np.full((8, 8, 3), 90, "uint8")).numpy()


def test_check_image_catches_truncated_and_foreign_files():
    jpeg, png = _jpeg(), _png((1, 2, 3))
    assert captions.check_image(jpeg + b"trailer", "x.jpg").startswith(jpeg)
    assert captions.check_image(png, "x.png") == png
    for data, problem in [
        (jpeg[: len(jpeg) // 2], "x is a truncated JPEG"),
        (png[:-12], "x is a truncated PNG"),
        (b"<html>404</html>", "x is not a JPEG, PNG, GIF or BMP image"),
        (b"", "x is not a JPEG"),
    ]:
        with pytest.raises(files.CorruptFileError, match=problem):
            captions.check_image(data, "x")


def test_bad_images_in_a_folder_or_zip_name_the_file(tmp_path):
    jpeg = _jpeg()
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.jpg").write_bytes(jpeg[:-30])
    with pytest.raises(files.CorruptFileError) as error:
        captions.read_image_bytes(tmp_path / "images", ["a.jpg"])
    assert f"{tmp_path / 'images' / 'a.jpg'} is a truncated JPEG" in str(
        error.value)
    with pytest.raises(FileNotFoundError, match="b.jpg not found"):
        captions.read_image_bytes(tmp_path / "images", ["b.jpg"])
    path = tmp_path / "images.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("images/a.jpg", jpeg)
    data = path.read_bytes()
    damaged = bytearray(data)
    damaged[data.index(jpeg) + len(jpeg) // 2] ^= 0xFF
    path.write_bytes(bytes(damaged))
    with pytest.raises(files.CorruptFileError,
                       match=f"{path}:images/a.jpg is damaged"):
        captions.read_image_bytes(path, ["a.jpg"])
    path.write_bytes(data[:-40])  # the zip's directory is at its end
    with pytest.raises(files.CorruptFileError,
                       match=f"{path} is not a valid zip file"):
        captions.read_image_bytes(path, ["a.jpg"])


def test_truncated_caption_files_name_the_file(tmp_path):
    data = gzip.compress(b"1.jpg#0\tA dog\n" * 100, mtime=0)
    path = tmp_path / captions.FLICKR8K_CAPTIONS
    path.write_bytes(data[: len(data) // 2])
    (tmp_path / captions.FLICKR8K_SPLITS["dev"]).write_text("1.jpg\n")
    with pytest.raises(files.CorruptFileError, match=f"{path} is not a valid"):
        captions.load_flickr8k(tmp_path, "dev")
    path = tmp_path / "captions.json"
    for content, match in [
        ('{"images": [{"id": 7, "file_name": "a.jpg"}], "annota',
         "is not valid JSON"),
        ('{"images": [{"id": 7, "file_name": "a.jpg"}], '
         '"annotations": [{"image_id": 7}]}', "is not a COCO captions file"),
        ('[1, 2]', "is not a COCO captions file"),
    ]:
        path.write_text(content)
        with pytest.raises(files.CorruptFileError, match=match) as error:
            captions.read_coco_captions(path)
        assert str(path) in str(error.value)
