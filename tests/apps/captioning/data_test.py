import json

import numpy as np

from apps.captioning import data
from datasets.vocabulary import save_tokenizer


def test_shapes_tokenizer_covers_every_caption():
    tokenizer = data.shapes_tokenizer()
    assert tokenizer.vocabulary[:4] == ["<pad>", "<unk>", "<start>", "<end>"]
    _, captions = data.shapes_batch(0, (0,), 50, 16)
    ids = data.encode_captions(captions, tokenizer, 12)
    assert (ids != tokenizer.unk_id).all()
    assert [tokenizer.decode(row) for row in ids] == captions


def test_encode_captions_cuts_and_pads():
    tokenizer = data.caption_tokenizer(["a dog runs", "a dog"])
    ids = data.encode_captions(["A dog runs fast.", "a"], tokenizer, 3)
    words = tokenizer.index
    assert ids.shape == (2, 5)
    np.testing.assert_array_equal(ids[0], [2, words["a"], words["dog"],
                                           words["runs"], 3])
    np.testing.assert_array_equal(ids[1], [2, words["a"], 3, 0, 0])
    assert tokenizer.decode([2, words["dog"], 1, 3, 5]) == "dog <unk>"


def test_reads_its_own_file_and_an_older_runs_bare_list(tmp_path):
    tokenizer = data.caption_tokenizer(["a dog runs", "a dog"])
    save_tokenizer(tmp_path / "new.json", tokenizer)
    (tmp_path / "old.json").write_text(json.dumps(tokenizer.vocabulary))
    for name in ("new.json", "old.json"):
        read = data.read_tokenizer(tmp_path / name)
        assert read.vocabulary == tokenizer.vocabulary
        assert (read.start_id, read.end_id) == (2, 3)
        assert read.encode("A dog!").tolist() == tokenizer.encode(
            "a dog").tolist()


def test_shapes_batch_is_reproducible():
    a, ca = data.shapes_batch(1, (1, 0, 0), 3, 16)
    b, cb = data.shapes_batch(1, (1, 0, 0), 3, 16)
    np.testing.assert_array_equal(a, b)
    assert ca == cb and a.dtype == np.float32 and a.max() <= 1.0


def test_epoch_scenes_differ_by_epoch_and_resume_alike():
    tokenizer = data.shapes_tokenizer()
    first = data.EpochScenes(0, 0, 2, 3, 16, tokenizer, 12)
    first.on_epoch_end()
    resumed = data.EpochScenes(0, 1, 2, 3, 16, tokenizer, 12)
    (images, inputs), targets = resumed[1]
    np.testing.assert_array_equal(first[1][0][0], images)
    assert images.shape == (3, 16, 16, 3) and inputs.shape == (3, 13)
    np.testing.assert_array_equal(inputs[:, 1:], targets[:, :-1])
    assert not np.array_equal(data.EpochScenes(0, 0, 2, 3, 16, tokenizer,
                                               12)[1][0][0], images)
