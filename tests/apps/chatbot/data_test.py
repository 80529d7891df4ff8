"""Tests for apps/chatbot/data.py: messages and pairs as token ids."""

import numpy as np
import pytest

from apps.chatbot import data
from datasets.vocabulary import build_tokenizer


@pytest.fixture(scope="module")
def tokenizer():
    return build_tokenizer(["hi there", "how are you ?", "fine"], "word",
                           special_tokens=data.SPECIAL_TOKENS)


def words(tokenizer, ids):
    return [tokenizer.vocabulary[i] for i in ids]


def test_special_tokens_and_levels(tokenizer):
    assert tokenizer.vocabulary[:5] == ["<pad>", "<unk>", "<s>", "</s>",
                                        "<sep>"]
    assert data.corpus_level("chatterbot_chinese", "auto") == "char"
    assert data.corpus_level("dailydialog", "auto") == "subword"
    assert data.corpus_level("chatterbot_chinese", "word") == "word"


def test_message_turns_are_joined_by_the_separator(tokenizer):
    ids = data.encode_message(tokenizer, " hi\t there\n\nhow  are you ?\n",
                              max_tokens=16, context_turns=3)
    assert words(tokenizer, ids) == [
        "hi", "there", "<sep>", "how", "are", "you", "?"]
    ids = data.encode_message(tokenizer, "hi\nfine\nhow are you ?", 16, 2)
    assert words(tokenizer, ids) == ["fine", "<sep>", "how", "are", "you",
                                     "?"]
    assert words(tokenizer, data.encode_message(
        tokenizer, "hi\nfine\nhow are you ?", 3, 2)) == ["are", "you", "?"]
    assert data.encode_message(tokenizer, " \n\t\n", 16, 2).tolist() == []
    unknown = data.encode_message(tokenizer, "你好 hi", 16, 2)
    assert words(tokenizer, unknown) == ["<unk>", "hi"]


def test_a_huge_message_keeps_only_its_last_tokens(tokenizer):
    message = "hi there " * 120_000 + "\nhow are you ?"  # over 1 MB
    tail = data.message_tail(message, 4)
    assert len(tail.encode()) == 4 * data.MAX_BYTES_PER_TOKEN
    ids = data.encode_message(tokenizer, message, 4, 2)
    assert words(tokenizer, ids) == ["how", "are", "you", "?"]
    broken = data.message_tail("é" * 64 + "c", 1)  # cut inside a letter
    assert broken == "\ufffd" + "é" * 63 + "c"
    assert data.message_tail(b"hi \xff", 1) == "hi \ufffd"


def test_pairs_become_teacher_forced_arrays(tokenizer):
    inputs, targets = data.encode_pairs(
        tokenizer, [("hi there", "fine"), ("how are you ?\nfine",
                                            "hi there how are you ?"),
                    ("", "ignored")],
        max_context_tokens=8, max_reply_tokens=4, context_turns=2)
    assert inputs["context"].shape == (2, 6)
    start, end = tokenizer.start_id, tokenizer.end_id
    np.testing.assert_array_equal(inputs["reply"], [
        [start, tokenizer.index["fine"], end, 0, 0],  # </s> -> <pad>: unscored
        [start] + [tokenizer.index[w] for w in "hi there how are".split()]])
    np.testing.assert_array_equal(targets[:, :2], [
        [tokenizer.index["fine"], end], [tokenizer.index["hi"],
                                         tokenizer.index["there"]]])
    assert targets[1, -1] == end  # the cut reply still ends
    with pytest.raises(ValueError, match="None of the 1 pairs"):
        data.encode_pairs(tokenizer, [("", "x")], 8, 4, 2)


def test_parallel_corpus_and_unknown_names(tmp_path):
    path = tmp_path / "en-fr.txt"
    path.write_text("".join(f"Hello {i}\tBonjour {i}\n" for i in range(40)),
                    encoding="utf-8")
    pairs = [data.load_pairs("parallel", str(path), split, 2)
             for split in ("train", "validation", "test")]
    assert sum(map(len, pairs)) == 40
    assert ("Hello 0", "Bonjour 0") in sum(pairs, [])
    with pytest.raises(ValueError, match="corpus='ubuntu'"):
        data.load_pairs("ubuntu", "", "train", 2)
    tokenizer = data.build_chat_tokenizer(pairs[0], "char", 0)
    assert "é" not in tokenizer.index and "B" in tokenizer.index
