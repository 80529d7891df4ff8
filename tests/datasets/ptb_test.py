"""Tests for datasets/ptb.py: Mikolov's PTB splits, `<eos>` per line."""

import collections

import pytest

from datasets import ptb
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
