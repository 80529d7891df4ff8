"""Tests for apps/language_model/data.py: windows and BPTT streams."""

import dataclasses

import numpy as np
import pytest

from apps.language_model import data
from tests.apps.language_model.conftest import TINY_CORPUS


def test_the_run_tokenizer_is_written_once_and_splits_start_with_it(tmp_path):
    tokenizer = data.prepare_tokenizer(tmp_path, TINY_CORPUS, 8)
    assert tokenizer.vocabulary == ["<pad>", "<unk>", "\n", " ", "o", "e",
                                    "h", "r"]
    ids = data.encode_split(tokenizer, "the")
    assert ids.tolist() == [2, 1, 6, 5]  # start, <unk> ("t" was cut), h, e
    # A resumed run reads the file; another corpus does not rebuild it.
    again = data.prepare_tokenizer(
        tmp_path, dataclasses.replace(TINY_CORPUS, train="xyz\n"))
    assert again.vocabulary == tokenizer.vocabulary


def test_random_windows_are_shifted_by_one():
    ids = np.arange(100, dtype="int32")
    inputs, targets = data.random_windows(ids, 5, 10, np.random.default_rng(0))
    assert inputs.shape == targets.shape == (5, 10)
    np.testing.assert_array_equal(inputs + 1, targets)
    with pytest.raises(ValueError, match="sequence_length"):
        data.random_windows(ids[:5], 1, 10, np.random.default_rng(0))


def test_stream_batches_continue_each_row():
    ids = np.arange(103, dtype="int32")
    inputs, targets = data.stream_batches(ids, 4, 5, first=0, count=3)
    assert inputs.shape == (12, 5)
    first, second = inputs[:4], inputs[4:8]
    np.testing.assert_array_equal(first[:, -1] + 1, second[:, 0])
    np.testing.assert_array_equal(first + 1, targets[:4])
    assert data.batches_per_pass(ids, 4, 5) == 4
    wrapped, _ = data.stream_batches(ids, 4, 5, first=4, count=1)
    np.testing.assert_array_equal(wrapped, first)


def test_eval_windows_cover_the_stream_without_overlap():
    inputs, targets = data.eval_windows(np.arange(130, dtype="int32"), 64)
    assert inputs.shape == (2, 64)
    assert inputs[1, 0] == 64 and targets[1, -1] == 128
