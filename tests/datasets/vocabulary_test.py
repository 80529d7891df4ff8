"""Tests for datasets/vocabulary.py."""

import pytest

from datasets import vocabulary


def test_build_orders_by_count_then_token():
    assert vocabulary.build_vocabulary("abracadabra") == [
        "<pad>", "<unk>", "a", "b", "r", "c", "d"]
    assert vocabulary.build_vocabulary("abracadabra", max_size=4) == [
        "<pad>", "<unk>", "a", "b"]
    assert vocabulary.build_vocabulary("aab", min_count=2) == [
        "<pad>", "<unk>", "a"]
    with pytest.raises(ValueError, match="max_size"):
        vocabulary.build_vocabulary("ab", max_size=2)


def test_save_load_round_trip_keeps_line_breaks(tmp_path):
    vocab = vocabulary.build_vocabulary("a\nb é\n中")
    vocabulary.save_vocabulary(tmp_path / "v.json", vocab)
    assert vocabulary.load_vocabulary(tmp_path / "v.json") == vocab
    (tmp_path / "bad.json").write_text('["a", "b"]')
    with pytest.raises(ValueError, match="does not start"):
        vocabulary.load_vocabulary(tmp_path / "bad.json")
