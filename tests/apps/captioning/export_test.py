"""Exported captioner: answers in a fresh process, survives bad images."""

import json
import os
import struct
import subprocess
import sys
import zlib

import keras
import numpy as np
import pytest

from apps.captioning import export
from apps.captioning.generate import caption_images
from apps.captioning.train import restore_model

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="export needs KERAS_BACKEND=tensorflow",
)

FRESH_PROCESS = r"""
import json, sys
import tensorflow as tf
model = tf.saved_model.load(sys.argv[1])
images = [open(p, "rb").read() for p in sys.argv[2:]]
out = model.signatures["serving_default"](images=tf.constant(images))
att = model.signatures["attend"](images=tf.constant(images[:1]))
print(json.dumps({
    "caption": [c.decode() for c in out["caption"].numpy()],
    "error": [e.decode() for e in out["error"].numpy()],
    "attention": list(att["attention"].shape),
    "modules": sorted(m for m in sys.modules if m.split(".")[0] in
                      ("apps", "datasets", "rnn_layers", "saved_models")),
}))
"""


def _png_header(width, height):
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr
            + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr)) + b"\0" * 64)


def _huge_jpeg():
    import tensorflow as tf

    jpeg = tf.io.encode_jpeg(np.zeros((8, 8, 3), "uint8")).numpy()
    sof = jpeg.find(b"\xff\xc0")
    return jpeg[: sof + 5] + struct.pack(">HH", 5000, 10000) + jpeg[sof + 9:]


@pytest.fixture(scope="module")
def exported(tiny_run, tmp_path_factory):
    model, vocabulary, model_config, train_config = restore_model(tiny_run)
    folder = tmp_path_factory.mktemp("export") / "captioning"
    path = export.export_model(model, vocabulary, model_config,
                               train_config.max_words, folder, num_beams=1)
    return path, model, vocabulary, train_config


def test_fresh_process_matches_keras(exported, tmp_path):
    import tensorflow as tf

    path, model, vocabulary, train_config = exported
    assert path.name == "1"
    assert (path / "assets.extra" / "tf_serving_warmup_requests").is_file()
    rng = np.random.default_rng(0)
    files = []
    for i, (h, w) in enumerate([(16, 16), (40, 23)]):
        image = rng.integers(0, 255, (h, w, 3), dtype="uint8")
        files.append(tmp_path / f"{i}.png")
        files[-1].write_bytes(tf.io.encode_png(image).numpy())
    files.append(tmp_path / "2.jpg")
    files[-1].write_bytes(tf.io.encode_jpeg(
        rng.integers(0, 255, (30, 30, 3), dtype="uint8")).numpy())
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, str(path), *map(str, files)],
        capture_output=True, text=True, timeout=120, env=env, check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["modules"] == []
    assert answer["error"] == ["", "", ""]
    assert answer["attention"] == [1, train_config.max_words + 1, 4, 4]
    from apps.captioning.generate import load_images

    expected, *_ = caption_images(model, vocabulary,
                                  load_images(files[:1], 16),
                                  train_config.max_words)
    assert answer["caption"][0] == expected[0]


def test_bad_images_get_errors_not_crashes(exported):
    import tensorflow as tf

    path = exported[0]
    served = tf.saved_model.load(str(path)).signatures["serving_default"]
    good = tf.io.encode_png(np.zeros((9, 9, 3), "uint8")).numpy()
    out = served(images=tf.constant(
        [good, b"", b"GIF89a not allowed", _png_header(10000, 5000),
         _huge_jpeg()]))
    errors = [e.decode() for e in out["error"].numpy()]
    assert errors[0] == ""
    assert errors[1] == "empty image"
    assert errors[2] == "not a JPEG or PNG image"
    assert "50000000 pixels" in errors[3] and "50000000 pixels" in errors[4]
    assert [c.decode() for c in out["caption"].numpy()[1:]] == [""] * 4
    empty = served(images=tf.constant([], tf.string))
    assert empty["caption"].shape == (0,)
    attend = tf.saved_model.load(str(path)).signatures["attend"]
    assert attend(images=tf.constant([], tf.string))["attention"].shape[0] == 0


def test_export_cli(tiny_run, tmp_path):
    export.main(["--run_dir", str(tiny_run), "--model_dir",
                 str(tmp_path / "m"), "--num_beams", "2"])
    assert (tmp_path / "m" / "1" / "saved_model.pb").is_file()
