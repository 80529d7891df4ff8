"""Tests for apps/language_model/tokenizer.py: Python and graph agree."""

import pytest

from apps.language_model.tokenizer import Tokenizer
from datasets.vocabulary import build_vocabulary

CHAR_VOCAB = build_vocabulary("hello world\n床前明月光")
WORD_VOCAB = build_vocabulary("the cat sat <eos> on the mat <eos>".split())
TEXTS = ["hello world", "", "héllo\nworld 床前明月光 z", "\n\n", "光"]


def test_char_round_trip_and_unknowns():
    tokenizer = Tokenizer(CHAR_VOCAB, "char")
    for text in ["hello world\n床前明月光", "", "\n"]:
        assert tokenizer.decode(tokenizer.encode(text)) == text
    ids = tokenizer.encode("hé")
    assert ids.tolist() == [tokenizer.index["h"], tokenizer.unk_id]
    assert tokenizer.decode(ids) == "h\ufffd"
    assert tokenizer.start_id == tokenizer.index["\n"]


def test_word_round_trip_with_eos_and_unk():
    tokenizer = Tokenizer(WORD_VOCAB, "word")
    text = "the cat sat\non the mat"
    assert tokenizer.decode(tokenizer.encode(text)) == text
    assert tokenizer.decode(tokenizer.encode("the dog\n")) == "the <unk>\n"
    assert tokenizer.start_id == tokenizer.index["<eos>"]


def test_unsampled_ids_keep_the_word_level_unk():
    assert Tokenizer(CHAR_VOCAB, "char").unsampled_ids == (0, 1)
    assert Tokenizer(WORD_VOCAB, "word").unsampled_ids == (0,)


def test_vocabulary_must_have_reserved_and_start_tokens():
    with pytest.raises(ValueError, match="expected"):
        Tokenizer(["a", "b"], "char")
    with pytest.raises(ValueError, match="start token"):
        Tokenizer(["<pad>", "<unk>", "a"], "char")
    with pytest.raises(ValueError, match="level"):
        Tokenizer(CHAR_VOCAB, "byte")


@pytest.mark.parametrize("level, vocabulary, texts", [
    ("char", CHAR_VOCAB, TEXTS),
    ("word", WORD_VOCAB, ["the cat  sat\non the mat", "", "dog cat\n\n", "\n"]),
])
def test_graph_tokenizer_matches_python(level, vocabulary, texts):
    tf = pytest.importorskip("tensorflow")
    pytest.importorskip("tensorflow_text")
    from apps.language_model.tokenizer import GraphTokenizer

    python = Tokenizer(vocabulary, level)
    graph = GraphTokenizer(vocabulary, level)
    ids = graph.tokenize(tf.constant(texts))
    for row, text in zip(ids.to_list(), texts):
        assert row == python.encode(text).tolist(), text
    dense = ids.to_tensor(0)
    decoded = [t.decode() for t in graph.detokenize(dense).numpy()]
    assert decoded == [python.decode(r) for r in dense.numpy()]
    # Invalid UTF-8 decodes to U+FFFD, then <unk>; nothing fails.
    bad = graph.tokenize(tf.constant([b"h\xc3\x28"])).to_list()[0]
    assert python.unk_id in bad
