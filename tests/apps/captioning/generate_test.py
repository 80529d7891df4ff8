import numpy as np
import pytest

from apps.captioning import generate
from apps.captioning.config import APP
from apps.captioning.decoding import caption_images
from apps.framework import restore


def test_captions_files_and_plots_attention(tiny_run, tmp_path, capsys):
    import tensorflow as tf

    image = tmp_path / "scene.png"
    image.write_bytes(tf.io.encode_png(
        np.full((20, 30, 3), 200, "uint8")).numpy())
    plot = tmp_path / "attention.png"
    generate.main(["--run_dir", str(tiny_run), str(image), "--shapes", "2",
                   "--num_beams", "2", "--attention_plot", str(plot)])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(str(image))
    assert "(true: a " in lines[1]
    assert lines[-1] == f"Wrote {plot}"
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_caption_images_shapes(tiny_run):
    restored = restore(APP, tiny_run)
    max_words = restored.train_config.max_words
    images = np.random.rand(3, 16, 16, 3).astype("float32")
    captions, tokens, log_probs, alignments = caption_images(
        restored.model, restored.assets["tokenizer"], images, max_words)
    assert len(captions) == 3
    assert tokens.shape == (3, max_words + 2)
    assert log_probs.shape == (3,) and (log_probs <= 0).all()
    assert alignments.shape == (3, max_words + 1, 16)


def test_needs_images():
    with pytest.raises(ValueError, match="--shapes N"):
        generate.GenerateConfig()


def test_an_undecodable_file_is_named(tiny_run, tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"x" * 40)
    with pytest.raises(ValueError, match="bad.png.*not a decodable"):
        generate.load_images([bad], 16)
