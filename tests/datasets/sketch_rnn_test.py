import numpy as np
import pytest

from datasets import sketch_rnn
from datasets.files import CorruptFileError
from tests.datasets.conftest import shared_dir


def test_reads_splits_of_a_small_file(tmp_path):
    drawings = np.empty(2, dtype=object)
    drawings[0] = np.array([[1, 2, 0], [3, 4, 1]], np.int16)
    drawings[1] = np.array([[0, 1, 1]], np.int16)
    path = tmp_path / "tiny.npz"
    np.savez(path, train=drawings, valid=drawings[:1], test=drawings[1:])
    train, valid, test = sketch_rnn.load_sketches(path)
    assert [d.tolist() for d in train] == [[[1, 2, 0], [3, 4, 1]], [[0, 1, 1]]]
    assert len(valid) == len(test) == 1


def test_missing_split_is_an_error(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, train=np.zeros((1, 3)))
    with pytest.raises(CorruptFileError, match="lacks the splits"):
        sketch_rnn.load_sketches(path)


def test_real_sheep():
    folder = shared_dir("sketch_rnn", "aaron_sheep.npz")
    train, valid, test = sketch_rnn.load_sketches(folder / "aaron_sheep.npz")
    assert (len(train), len(valid), len(test)) == (7400, 300, 300)
    assert train[0].shape[1] == 3
