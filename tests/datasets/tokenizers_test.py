"""Tests for datasets/tokenizers.py: the levels; Python and graph agree."""

import subprocess
import sys

import numpy as np
import pytest

from datasets import tokenizers
from datasets.tokenizers import GraphTokenizer, Tokenizer
from datasets.vocabulary import build_tokenizer

CHAR = build_tokenizer("hello world\n床前明月光 The cat", "char")
WORD = build_tokenizer("the cat sat\non the mat\n", "word")
SUBWORD = Tokenizer(
    ["<pad>", "<unk>", "<eos>", "c", "a", "t", "s", "h", "e", "光", "##a",
     "##t", "##s", "##h", "##e", "##光", "cat", "the", "##at", "sat"],
    "subword")
CAPTION = build_tokenizer(
    ["A dog runs.", "a Cat's hat", "a dog"], "word",
    special_tokens={"start": "<start>", "end": "<end>"},
    normalization="lower_words")
CAPTION_CHARS = build_tokenizer(
    "a dog's hat", "char", normalization="lower_words")
TOKENIZERS = {"char": CHAR, "word": WORD, "subword": SUBWORD,
              "caption": CAPTION, "caption_chars": CAPTION_CHARS}
TEXTS = [
    "hello world", "", "héllo\nworld 床前明月光 z", "\n\n", "光",
    "the cats sat\non  the hat\n", "a\u3000b\xa0c\x1cd\te\u2028f",
    "The Cat's cats' HAT, a'b'c!", "caaat thesat 光光 x" + "a" * 120,
    "<eos> <unk> <start> ##at",
]
BAD_BYTES = [b"h\xc3\x28 \xff\xfe ok", b"\xe2\x82", b"the \xed\xa0\x80cat"]


def test_char_level_ids_unknowns_and_invalid_bytes():
    assert CHAR.vocabulary[:3] == ["<pad>", "<unk>", "\n"]
    assert CHAR.start_id == 2 and CHAR.unk_id == 1 and CHAR.pad_id == 0
    ids = CHAR.encode("hé床")
    assert ids.tolist() == [CHAR.index["h"], 1, CHAR.index["床"]]
    assert CHAR.decode(ids) == "h\ufffd床"
    assert CHAR.encode(b"h\xff").tolist() == [CHAR.index["h"], 1]
    for text in ["hello world\n床前明月光", "", "\n"]:
        assert CHAR.decode(CHAR.encode(text)) == text
    assert CHAR.encode("").dtype == np.int32


def test_word_level_line_breaks_and_printing():
    assert WORD.vocabulary == [
        "<pad>", "<unk>", "<eos>", "the", "cat", "mat", "on", "sat"]
    assert WORD.start_id == 2
    assert WORD.split("the cat\u3000sat\x1cx\n") == [
        "the", "cat", "sat\x1cx", "<eos>"]  # U+001C is not White_Space
    text = "the cat sat\non the mat"
    assert WORD.decode(WORD.encode(text)) == text
    assert WORD.decode(WORD.encode("the dog\n\n")) == "the <unk>\n\n"
    assert WORD.decode([0, 2, 3, 0, 2, 2, 4]) == "\nthe\n\ncat"


def test_subword_pieces_unknowns_and_printing():
    assert SUBWORD.split("cats thesat\nhe 光光") == [
        "cat", "##s", "the", "##s", "##at", "<eos>", "h", "##e", "光",
        "##光"]
    assert SUBWORD.split("cax " + "a" * 101) == ["<unk>", "<unk>"]
    assert SUBWORD.split("a" * 100) == ["a"] + ["##a"] * 99  # 100 bytes
    ids = SUBWORD.encode("cats sat\nthe cat")
    assert SUBWORD.decode(ids) == "cats sat\nthe cat"
    assert SUBWORD.decode(SUBWORD.encode("cat dog")) == "cat <unk>"


def test_lower_words_matches_the_captioner():
    assert tokenizers.normalize("A Dog's ball , RED.\n", "lower_words") == (
        "a dog's ball red")
    assert CAPTION.vocabulary == [
        "<pad>", "<unk>", "<start>", "<end>", "a", "dog", "cat's", "hat",
        "runs"]
    assert "line_break" not in CAPTION.special_tokens
    ids = CAPTION.encode("A DOG, a cow!")
    assert ids.tolist() == [4, 5, 4, 1]
    end, start = CAPTION.end_id, CAPTION.start_id
    assert CAPTION.decode([start, 4, 5, 0, end, 7]) == "a dog"
    assert CAPTION_CHARS.decode(CAPTION_CHARS.encode("A  Dog!")) == "a dog"


def test_special_tokens_are_configurable():
    tokenizer = build_tokenizer(
        "hi there\nyou", "word", special_tokens={"separator": "<sep>"})
    assert tokenizer.vocabulary[:4] == ["<pad>", "<unk>", "<eos>", "<sep>"]
    assert tokenizer.token_id("separator") == 3
    assert tokenizer.decode([4, 3, 5]) == "hi there"  # markers print nothing
    with pytest.raises(ValueError, match="role='end'"):
        tokenizer.token_id("end")


def test_unsampled_ids_keep_the_word_level_unk():
    assert CHAR.unsampled_ids == (0, 1)
    assert WORD.unsampled_ids == (0,)


@pytest.mark.parametrize("args, match", [
    ((["a", "b"], "char"), r"expected \['<pad>', '<unk>'\] first"),
    ((["<pad>", "<unk>", "a"], "char"), "lacks the start token '\\\\n'"),
    ((["<pad>", "<unk>", "\n", "a", "a"], "char"), "repeats"),
    ((["<pad>", "<unk>", "\n"], "byte"), "level='byte'"),
    ((["<pad>", "<unk>", "\n"], "char", None, "upper"), "normalization"),
    ((["<pad>", "<unk>", "\n"], "char", {"line_break": "\n"}), "line_break"),
    ((["<pad>", "<unk>", "a b"], "word", {"start": "a b"}), "whitespace"),
    ((["<pad>", "<unk>"], "word", {"start": None}), "'start' token"),
])
def test_bad_tokenizers_raise(args, match):
    with pytest.raises(ValueError, match=match):
        Tokenizer(*args)


def test_importing_needs_no_tensorflow():
    code = ("import sys, datasets.tokenizers, datasets.vocabulary; "
            "assert 'tensorflow' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def _graph_ids(graph, texts):
    import tensorflow as tf

    return graph.tokenize(tf.constant(texts)).to_list()


@pytest.mark.parametrize("name", sorted(TOKENIZERS))
def test_graph_matches_python(name):
    tf = pytest.importorskip("tensorflow")
    pytest.importorskip("tensorflow_text")
    python = TOKENIZERS[name]
    graph = GraphTokenizer(python)
    texts = [t.encode("utf-8") for t in TEXTS] + BAD_BYTES
    ids = _graph_ids(graph, texts)
    for row, text in zip(ids, texts):
        assert row == python.encode(text).tolist(), text
    # Printing: the tokenized texts, then random ids (every token, ends).
    rng = np.random.default_rng(0)
    width = max(len(row) for row in ids)
    dense = [row + [0] * (width - len(row)) for row in ids]
    dense += rng.integers(0, python.vocabulary_size, (20, width)).tolist()
    decoded = graph.detokenize(tf.constant(dense, tf.int32)).numpy()
    assert [t.decode("utf-8") for t in decoded] == [
        python.decode(row) for row in dense]


def test_graph_tables_save_with_a_model(tmp_path):
    tf = pytest.importorskip("tensorflow")
    pytest.importorskip("tensorflow_text")
    graph = GraphTokenizer(SUBWORD)
    module = tf.Module()
    module.tables = graph.tables
    module.tokenize = tf.function(
        lambda texts: graph.tokenize(texts).to_tensor(-1),
        input_signature=[tf.TensorSpec([None], tf.string)])
    tf.saved_model.save(module, str(tmp_path / "model"))
    loaded = tf.saved_model.load(str(tmp_path / "model"))
    got = loaded.tokenize(tf.constant(["cats sat", "the"])).numpy()
    assert got.tolist() == [[16, 12, 19], [17, -1, -1]]
