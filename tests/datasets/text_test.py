"""Tests for datasets/text.py: embedded corpora, tinyshakespeare, dispatch."""

import pytest

from datasets import files, text
from tests.datasets.conftest import shared_dir


@pytest.mark.parametrize("name", ["python_docs", "python_code"])
def test_embedded_corpora_are_real_deterministic_and_split(name):
    corpus = text.load_embedded(name)
    again = text.load_corpus(name)
    assert corpus == again
    assert corpus.level == "char"
    total = len(corpus.train) + len(corpus.validation) + len(corpus.test)
    assert total > 200_000
    assert len(corpus.train) == int(total * 0.9)
    assert corpus.validation and corpus.test
    if name == "python_docs":
        assert "statement" in corpus.train
    else:
        assert "def " in corpus.train and "import " in corpus.train


def test_split_by_position():
    assert text.split_by_position("abcdefghij", 0.9) == ("abcdefghi", "j", "")
    assert text.split_by_position("abcdefghij" * 2, 0.8, 0.1) == (
        "abcdefghij" + "abcdef", "gh", "ij")
    with pytest.raises(ValueError, match="train_fraction"):
        text.split_by_position("abc", 1.0)


def test_tinyshakespeare_uses_nanogpt_split():
    folder = shared_dir("tinyshakespeare", "input.txt")
    corpus = text.load_corpus("tinyshakespeare", folder, download=False)
    assert (len(corpus.train), len(corpus.validation)) == (1_003_854, 111_540)
    assert corpus.train.startswith("First Citizen:")
    assert corpus.test == "" and corpus.level == "char"


def test_missing_file_says_which_file_to_put_where(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        text.load_tinyshakespeare(tmp_path, download=False)
    message = str(error.value)
    assert str(tmp_path / "input.txt") in message
    assert "karpathy/char-rnn" in message


def test_unknown_corpus():
    with pytest.raises(ValueError, match="expected one of"):
        text.load_corpus("wikitext")


def test_corrupt_text_names_the_file(tmp_path):
    (tmp_path / "input.txt").write_bytes(b"First Citizen:\n\xff\xfe")
    with pytest.raises(files.CorruptFileError) as error:
        text.load_corpus("tinyshakespeare", tmp_path)
    assert str(error.value).startswith(
        f"datasets: {tmp_path / 'input.txt'} is not UTF-8 text (byte 15")
