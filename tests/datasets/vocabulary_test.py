"""Tests for datasets/vocabulary.py: building, format-1 and format-2 files."""

import json

import pytest

from datasets import files, vocabulary
from datasets.tokenizers import Tokenizer
from datasets.vocabulary import build_tokenizer, load_tokenizer, save_tokenizer

CHAR = build_tokenizer("hello world\n床前明月光", "char")
CAPTION = build_tokenizer(
    ["A dog runs.", "a Cat's hat", "a dog"], "word",
    special_tokens={"start": "<start>", "end": "<end>"},
    normalization="lower_words")
TOKENIZERS = {
    "char": CHAR,
    "word": build_tokenizer("the cat sat\non the mat\n", "word"),
    "subword": Tokenizer(["<pad>", "<unk>", "<eos>", "c", "##a", "##t"],
                         "subword"),
    "caption": CAPTION,
}


def test_build_orders_by_count_then_token():
    assert vocabulary.build_vocabulary("abracadabra") == [
        "<pad>", "<unk>", "a", "b", "r", "c", "d"]
    assert vocabulary.build_vocabulary("abracadabra", max_size=4) == [
        "<pad>", "<unk>", "a", "b"]
    assert vocabulary.build_vocabulary("aab", min_count=2) == [
        "<pad>", "<unk>", "a"]
    assert vocabulary.build_vocabulary("abb", reserved=("<pad>", "a")) == [
        "<pad>", "a", "b"]
    with pytest.raises(ValueError, match="max_size"):
        vocabulary.build_vocabulary("ab", max_size=2)


def test_format_1_round_trip_keeps_line_breaks(tmp_path):
    vocab = vocabulary.build_vocabulary("a\nb é\n中")
    vocabulary.save_vocabulary(tmp_path / "v.json", vocab)
    assert vocabulary.load_vocabulary(tmp_path / "v.json") == vocab
    for content in ('["a", "b"]', '{"a": 1}', '["<pad>", "<unk>", 3]'):
        (tmp_path / "bad.json").write_text(content)
        with pytest.raises(files.CorruptFileError, match="bad.json is not a"):
            vocabulary.load_vocabulary(tmp_path / "bad.json")
    (tmp_path / "bad.json").write_text('["<pad>", "<u')
    with pytest.raises(files.CorruptFileError, match="not valid JSON"):
        vocabulary.load_vocabulary(tmp_path / "bad.json")


def test_build_tokenizer_reserves_special_tokens_first():
    assert build_tokenizer("abracadabra\n", "char").vocabulary == [
        "<pad>", "<unk>", "\n", "a", "b", "r", "c", "d"]
    assert build_tokenizer("b a a\n", "word", max_size=4).vocabulary == [
        "<pad>", "<unk>", "<eos>", "a"]
    # The captioner's vocabulary: <pad>, <unk>, <start>, <end>, then words.
    assert CAPTION.vocabulary == [
        "<pad>", "<unk>", "<start>", "<end>", "a", "dog", "cat's", "hat",
        "runs"]


def test_char_vocabulary_never_holds_the_replacement_character():
    tokenizer = build_tokenizer(b"ab\xff\xff\xff", "char")
    assert "\ufffd" not in tokenizer.vocabulary
    assert tokenizer.encode("\ufffd").tolist() == [1]


def test_subword_vocabulary_learnt_from_text():
    pytest.importorskip("tensorflow_text")
    text = "the cat sat on the mat\nthe cats sat\n" * 20
    tokenizer = build_tokenizer(text, "subword", max_size=40)
    assert tokenizer.vocabulary == [
        "<pad>", "<unk>", "<eos>", "a", "c", "e", "h", "m", "n", "o", "s",
        "t", "the", "sat", "cat", "cats", "mat", "on", "##a", "##c", "##e",
        "##h", "##m", "##n", "##o", "##s", "##t"]
    assert tokenizer.split("mats sat hat") == [
        "mat", "##s", "sat", "h", "##a", "##t"]
    assert tokenizer.decode(tokenizer.encode(text)) == text.rstrip("\n") + "\n"
    with pytest.raises(ValueError, match="max_size=None"):
        build_tokenizer(text, "subword")


def test_cut_wordpieces_keeps_characters():
    learnt = ["<pad>", "<unk>", "a", "b", "ab", "aab", "##a", "##b"]
    assert vocabulary._cut_wordpieces(learnt, 7, ("<pad>", "<unk>")) == [
        "<pad>", "<unk>", "a", "b", "ab", "##a", "##b"]


@pytest.mark.parametrize("name", sorted(TOKENIZERS))
def test_save_and_load_round_trip(tmp_path, name):
    tokenizer = TOKENIZERS[name]
    path = tmp_path / "vocabulary.json"
    save_tokenizer(path, tokenizer)
    assert [p.name for p in tmp_path.iterdir()] == ["vocabulary.json"]
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"] == 2 and document["tokens"] == (
        tokenizer.vocabulary)
    loaded = load_tokenizer(path)
    assert (loaded.vocabulary, loaded.level, loaded.special_tokens,
            loaded.normalization) == (
        tokenizer.vocabulary, tokenizer.level, tokenizer.special_tokens,
        tokenizer.normalization)
    assert load_tokenizer(path, level=tokenizer.level).level == tokenizer.level


def test_saved_file_records_switched_off_roles(tmp_path):
    save_tokenizer(tmp_path / "v.json", CAPTION)
    roles = json.loads((tmp_path / "v.json").read_text())["special_tokens"]
    assert roles == {"pad": "<pad>", "unk": "<unk>", "start": "<start>",
                     "end": "<end>"}
    save_tokenizer(tmp_path / "v.json", Tokenizer(
        ["<pad>", "<unk>", "<eos>"], "word", {"line_break": None}))
    roles = json.loads((tmp_path / "v.json").read_text())["special_tokens"]
    assert roles["line_break"] is None
    loaded = load_tokenizer(tmp_path / "v.json")
    assert "line_break" not in loaded.special_tokens


def test_format_1_list_needs_the_level(tmp_path):
    path = tmp_path / "vocabulary.json"
    path.write_text(json.dumps(["<pad>", "<unk>", "<start>", "<end>", "a"]))
    with pytest.raises(ValueError, match="pass `level`"):
        load_tokenizer(path)
    tokenizer = load_tokenizer(
        path, "word", {"start": "<start>", "end": "<end>"}, "lower_words")
    assert tokenizer.encode("A!").tolist() == [4] and tokenizer.end_id == 3
    path.write_text(json.dumps(["<pad>", "<unk>", "a", "\n"]))
    assert load_tokenizer(path, "char").start_id == 3


def test_load_rejects_disagreeing_arguments_and_bad_files(tmp_path):
    path = tmp_path / "vocabulary.json"
    save_tokenizer(path, CHAR)
    with pytest.raises(ValueError, match="has level='char', but 'word'"):
        load_tokenizer(path, level="word")
    with pytest.raises(ValueError, match=r"special_tokens\['start'\]='\\n'"):
        load_tokenizer(path, special_tokens={"start": "<s>"})
    for content, match in [
        ('{"format": 2, "level": "char", "tok', "not valid JSON"),
        ('{"format": 3}', "not a vocabulary file"),
        ('{"format": 2, "level": "char", "tokens": ["a"]}',
         "no \"special_tokens\""),
        ('{"format": 2, "level": "char", "special_tokens": {}, '
         '"tokens": ["a"]}', "not a valid vocabulary"),
        ('["<pad>", "<unk>", 3]', "not a list of strings"),
    ]:
        path.write_text(content)
        with pytest.raises(files.CorruptFileError, match=match) as error:
            load_tokenizer(path, level="char")
        assert str(path) in str(error.value)
        assert "\n" not in str(error.value)
    with pytest.raises(FileNotFoundError, match="missing.json not found"):
        load_tokenizer(tmp_path / "missing.json")
