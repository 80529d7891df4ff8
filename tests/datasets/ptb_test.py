"""Tests for datasets/ptb.py: Mikolov's PTB splits, `<eos>` per line."""

import collections
import gzip

import pytest

from datasets import files, ptb
from tests.datasets.conftest import shared_dir


def test_tokenize_words_appends_eos_per_line():
    assert ptb.tokenize_words(" a b \n c\n") == ["a", "b", "<eos>", "c", "<eos>"]


def test_real_splits_match_published_counts():
    folder = shared_dir("ptb", "ptb.train.txt.gz")
    train, valid, test = ptb.load_ptb(folder, download=False)
    counts = [len(ptb.tokenize_words(t)) for t in (train, valid, test)]
    assert counts == [929_589, 73_760, 82_430]
    vocabulary = collections.Counter(ptb.tokenize_words(train))
    assert len(vocabulary) == 10_000 and "<unk>" in vocabulary


def test_missing_split_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="ptb.train.txt"):
        ptb.load_ptb(tmp_path, download=False)


def test_truncated_split_names_the_file(tmp_path):
    for split in ptb.SPLITS:
        data = gzip.compress(b"a b\nc\n" * 200, mtime=0)
        (tmp_path / f"ptb.{split}.txt.gz").write_bytes(data)
    assert ptb.load_ptb(tmp_path)[2] == "a b\nc\n" * 200
    path = tmp_path / "ptb.valid.txt.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(files.CorruptFileError) as error:
        ptb.load_ptb(tmp_path)
    assert str(error.value).startswith(
        f"datasets: {path} is not a valid gzip file (truncated")


def test_plain_split_next_to_missing_gzip(tmp_path):
    for split in ptb.SPLITS:
        (tmp_path / f"ptb.{split}.txt").write_text("x y\n")
    assert ptb.load_ptb(tmp_path) == ("x y\n",) * 3
