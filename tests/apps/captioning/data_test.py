import numpy as np

from apps.captioning import data


def test_shapes_vocabulary_covers_every_caption():
    vocabulary = data.shapes_vocabulary()
    assert vocabulary[:4] == ["<pad>", "<unk>", "<start>", "<end>"]
    _, captions = data.shapes_batch(0, (0,), 50, 16)
    ids = data.encode_captions(captions, vocabulary, 12)
    assert (ids != 1).all()  # no <unk>
    assert [data.decode_tokens(row, vocabulary) for row in ids] == captions


def test_encode_captions_cuts_and_pads():
    vocabulary = data.caption_vocabulary(["a dog runs", "a dog"])
    ids = data.encode_captions(["a dog runs fast", "a"], vocabulary, 3)
    words = {w: i for i, w in enumerate(vocabulary)}
    assert ids.shape == (2, 5)
    np.testing.assert_array_equal(ids[0], [2, words["a"], words["dog"],
                                           words["runs"], 3])
    np.testing.assert_array_equal(ids[1], [2, words["a"], 3, 0, 0])
    assert data.decode_tokens([2, words["dog"], 1, 3, 5], vocabulary) == (
        "dog <unk>")


def test_shapes_batch_is_reproducible():
    a, ca = data.shapes_batch(1, (1, 0, 0), 3, 16)
    b, cb = data.shapes_batch(1, (1, 0, 0), 3, 16)
    np.testing.assert_array_equal(a, b)
    assert ca == cb and a.dtype == np.float32 and a.max() <= 1.0
