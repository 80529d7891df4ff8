import gzip
import json
import zipfile

import keras
import numpy as np
import pytest

from apps.captioning import data, train
from apps.captioning.config import TrainConfig
from apps.captioning.model import build_model
from apps.framework.schedules import FINAL_FRACTION
from tests.apps.captioning.conftest import TINY_MODEL, tiny_train_config


def test_two_steps_change_weights(tmp_path):
    keras.utils.set_random_seed(0)
    initial = build_model(TINY_MODEL, data.shapes_tokenizer().vocabulary_size)
    before = [np.array(w) for w in initial.get_weights()]
    keras.utils.set_random_seed(0)
    model = train.train(TINY_MODEL, tiny_train_config(tmp_path), verbose=0)
    assert np.isfinite(model.history.history["loss"]).all()
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["model"]["fine_tune_backbone"] is False
    assert saved["train"]["clipnorm"] == 5.0
    saved_tokens = json.loads((tmp_path / data.VOCABULARY_FILE).read_text())
    assert saved_tokens["level"] == "word"
    assert saved_tokens["tokens"] == data.shapes_tokenizer().vocabulary
    changed = [not np.array_equal(a, b)
               for a, b in zip(before, model.get_weights())]
    assert sum(changed) > len(changed) // 2


def test_resume_with_other_model_flags_is_refused(tiny_run):
    other = TINY_MODEL.__class__(**{**TINY_MODEL.__dict__, "units": 8})
    with pytest.raises(ValueError, match="same model flags"):
        train.train(other, tiny_train_config(tiny_run), verbose=0)


def test_config_validation():
    with pytest.raises(ValueError, match="dataset"):
        TrainConfig(dataset="imagenet")
    with pytest.raises(ValueError, match="data_dir"):
        TrainConfig(dataset="flickr8k")
    with pytest.raises(ValueError, match="max_words"):
        TrainConfig(max_words=0)
    with pytest.raises(ValueError, match="max_vocabulary=4"):
        TrainConfig(max_vocabulary=4)


def test_trains_on_flickr8k_layout_with_a_schedule_over_its_passes(tmp_path):
    import tensorflow as tf

    data_dir = tmp_path / "flickr8k"
    data_dir.mkdir()
    names = [f"{i}.jpg" for i in range(4)]
    with zipfile.ZipFile(data_dir / "images_128px.zip", "w") as archive:
        for i, name in enumerate(names):
            image = np.full((20, 24, 3), 60 * i, "uint8")
            archive.writestr(f"images_128px/{name}",
                             tf.io.encode_jpeg(image).numpy())
    with gzip.open(data_dir / "Flickr8k.token.txt.gz", "wt") as handle:
        for i, name in enumerate(names):
            handle.write(f"{name}#0\tA dog number {i} .\n")
            handle.write(f"{name}#1\tSome dog .\n")
    (data_dir / "Flickr_8k.trainImages.txt").write_text("\n".join(names[:3]))
    (data_dir / "Flickr_8k.devImages.txt").write_text(names[3])
    # 3 training images in batches of 2: 2 steps per pass, not the 100 of
    # `steps_per_epoch`, so the cosine ends on the last step.
    config = tiny_train_config(
        tmp_path / "run", dataset="flickr8k", data_dir=str(data_dir),
        batch_size=2, validation_examples=1, steps_per_epoch=100,
        schedule="cosine", learning_rate=0.01)
    model = train.train(TINY_MODEL, config, verbose=0)
    vocabulary = json.loads(
        (tmp_path / "run" / "vocabulary.json").read_text())["tokens"]
    assert vocabulary[:4] == ["<pad>", "<unk>", "<start>", "<end>"]
    assert {"dog", "number", "some", "0"} <= set(vocabulary)
    assert "3" not in vocabulary  # dev captions stay out of the vocabulary
    assert np.isfinite(model.history.history["val_loss"]).all()
    assert int(model.optimizer.iterations) == 2
    assert float(model.optimizer.learning_rate) == pytest.approx(
        0.01 * FINAL_FRACTION)
