"""The exported captioner: Keras parity, and bad images that fail alone."""

import keras
import numpy as np
import pytest

from apps.captioning import export
from apps.captioning.config import APP
from apps.captioning.decoding import caption_images
from apps.captioning.generate import load_images
from apps.framework import restore
from tests.apps.captioning import bad_images

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="export needs KERAS_BACKEND=tensorflow",
)


@pytest.fixture(scope="module")
def exported(tiny_run, tmp_path_factory):
    """`(signatures, restored run)` of the tiny run exported with 2 beams."""
    import tensorflow as tf

    restored = restore(APP, tiny_run)
    folder = tmp_path_factory.mktemp("export") / "captioning"
    path = export.export_restored(restored, folder, num_beams=2)
    assert path.name == "1"
    assert (path / "assets.extra" / "tf_serving_warmup_requests").is_file()
    return tf.saved_model.load(str(path)).signatures, restored


def answers(signatures, images, signature="serving_default"):
    import tensorflow as tf

    out = signatures[signature](images=tf.constant(images, tf.string))
    return {key: value.numpy() for key, value in out.items()}


def test_served_captions_and_attention_match_keras(exported, tmp_path):
    signatures, restored = exported
    files = []
    for i, image in enumerate([bad_images.png(16, 16), bad_images.png(40, 23),
                               bad_images.jpeg(30, 30)]):
        files.append(tmp_path / f"{i}.img")
        files[-1].write_bytes(image)
    images = load_images(files, 16)
    max_words = restored.train_config.max_words
    captions, tokens, _, alignments = caption_images(
        restored.model, restored.assets["tokenizer"], images, max_words,
        num_beams=2)
    encoded = [f.read_bytes() for f in files]
    served = answers(signatures, encoded)
    assert [c.decode() for c in served["caption"]] == captions
    assert served["error"].tolist() == [b"", b"", b""]
    attend = answers(signatures, encoded, "attend")
    assert attend["attention"].shape == (3, max_words + 1, 4, 4)
    np.testing.assert_allclose(
        attend["attention"].reshape(alignments.shape), alignments, atol=1e-5)
    words = [" ".join(w.decode() for w in row if w and w != b"<end>")
             for row in attend["tokens"]]
    assert words == captions


def test_a_broken_image_fails_alone_in_both_signatures(exported):
    signatures, _ = exported
    good_png, good_jpeg = bad_images.png(12, 9), bad_images.jpeg(40, 30)
    broken = [
        bad_images.truncated(good_jpeg),
        bad_images.truncated(good_png),
        bad_images.corrupt_png_body(good_png),
        bad_images.garbage_after_png_signature(),
        bad_images.corrupt_jpeg_header(),
    ]
    alone = answers(signatures, [good_png, good_jpeg])
    mixed = answers(signatures, [good_png, *broken, good_jpeg])
    assert mixed["caption"].tolist() == (
        [alone["caption"][0]] + [b""] * 5 + [alone["caption"][1]])
    errors = [e.decode() for e in mixed["error"]]
    assert errors[0] == errors[-1] == ""
    assert errors[3] == "not a decodable JPEG or PNG image (corrupt data)"
    assert errors[4] == "not a JPEG or PNG image"  # was "image too large"
    assert all(e.startswith("not a") for e in errors[1:-1])
    attend = answers(signatures, [good_png, *broken, good_jpeg], "attend")
    assert attend["error"].tolist() == mixed["error"].tolist()
    assert not attend["attention"][1:-1].any()
    assert attend["attention"][0].any() and attend["attention"][-1].any()


def test_bad_images_get_errors_not_crashes(exported):
    signatures, _ = exported
    out = answers(signatures, [
        bad_images.png(9, 9), b"", b"GIF89a not allowed",
        bad_images.png_header(10000, 5000), bad_images.huge_jpeg()])
    errors = [e.decode() for e in out["error"]]
    assert errors[:3] == ["", "empty image", "not a JPEG or PNG image"]
    assert errors[3] == errors[4] == (
        "image too large: 50000000 pixels; at most 16000000 per image")
    assert out["caption"].tolist()[1:] == [b""] * 4
    assert answers(signatures, [])["caption"].shape == (0,)
    assert answers(signatures, [], "attend")["attention"].shape[0] == 0


def test_request_bounds(exported):
    import tensorflow as tf

    signatures, _ = exported
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=f"at most {export.MAX_IMAGES} images"):
        answers(signatures, [b""] * (export.MAX_IMAGES + 1))
    # Three 16-megapixel headers: the third is past the request's total
    # before anything is decoded (the first two fail decoding: no body).
    out = answers(signatures, [bad_images.png_header(4000, 4000)] * 3
                  + [b"\x89PNG" + b"\0" * export.MAX_IMAGE_BYTES])
    errors = [e.decode() for e in out["error"]]
    assert errors[0].startswith("not a decodable")
    assert errors[2] == (
        "not decoded: the request's images exceed 32000000 pixels in total; "
        "send this one in another request")
    assert errors[3] == (
        f"image longer than {export.MAX_IMAGE_BYTES} bytes; at most "
        f"{export.MAX_IMAGE_BYTES}")
