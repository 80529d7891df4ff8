import json

import numpy as np
import pytest

from apps.captioning import train
from saved_models.run_directory import read_checkpoint_state
from tests.apps.captioning.conftest import TINY_MODEL, tiny_train_config


def test_two_steps_change_weights_and_resume(tmp_path):
    config = tiny_train_config(tmp_path)
    model = train.train(TINY_MODEL, config, verbose=0)
    assert read_checkpoint_state(tmp_path)["epoch"] == 1
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["model"]["units"] == TINY_MODEL.units
    assert (tmp_path / train.VOCABULARY_FILE).is_file()
    before = [np.array(w) for w in model.get_weights()]
    fresh, *_ = train.restore_model(tmp_path)
    for a, b in zip(before, fresh.get_weights()):
        np.testing.assert_array_equal(a, b)
    resumed = train.train(TINY_MODEL, tiny_train_config(tmp_path, epochs=2),
                          verbose=0)
    assert read_checkpoint_state(tmp_path)["epoch"] == 2
    assert np.isfinite(resumed.history.history["loss"]).all()
    changed = [not np.array_equal(a, b)
               for a, b in zip(before, resumed.get_weights())]
    assert sum(changed) > len(changed) // 2


def test_resume_with_other_model_flags_is_refused(tiny_run):
    other = TINY_MODEL.__class__(**{**TINY_MODEL.__dict__, "units": 8})
    with pytest.raises(ValueError, match="same model flags"):
        train.train(other, tiny_train_config(tiny_run), verbose=0)


def test_cosine_schedule_spans_every_epoch_and_constant_is_a_float():
    config = train.TrainConfig(epochs=4, learning_rate=0.01,
                               schedule="cosine")
    schedule = train.learning_rate(config, steps_per_epoch=25)
    assert float(schedule(0)) == pytest.approx(0.01)
    assert float(schedule(50)) == pytest.approx(
        0.01 * (train.FINAL_FRACTION + (1 - train.FINAL_FRACTION) / 2))
    assert float(schedule(100)) == pytest.approx(0.01 * train.FINAL_FRACTION)
    constant = train.TrainConfig(learning_rate=0.01)
    assert train.learning_rate(constant, 25) == 0.01


def test_config_validation():
    with pytest.raises(ValueError, match="schedule"):
        train.TrainConfig(schedule="step")
    with pytest.raises(ValueError, match="dataset"):
        train.TrainConfig(dataset="imagenet")
    with pytest.raises(ValueError, match="data_dir"):
        train.TrainConfig(dataset="flickr8k")


def test_help_works_without_data(capsys):
    with pytest.raises(SystemExit):
        train.main(["--help"])
    assert "--dataset" in capsys.readouterr().out


def test_trains_on_flickr8k_layout(tmp_path):
    import gzip
    import zipfile

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
    config = tiny_train_config(tmp_path / "run", dataset="flickr8k",
                               data_dir=str(data_dir), batch_size=2,
                               validation_examples=1)
    model = train.train(TINY_MODEL, config, verbose=0)
    vocabulary = json.loads((tmp_path / "run" / "vocabulary.json").read_text())
    assert vocabulary[:4] == ["<pad>", "<unk>", "<start>", "<end>"]
    assert {"dog", "number", "some", "0"} <= set(vocabulary)
    assert "3" not in vocabulary  # dev captions stay out of the vocabulary
    assert np.isfinite(model.history.history["val_loss"]).all()
