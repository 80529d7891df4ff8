"""Tests for datasets/dialogues.py: corpora as (context -> reply) pairs."""

import gzip

import pytest

from datasets import dialogues
from datasets.files import CorruptFileError
from tests.datasets.conftest import shared_dir


def test_turns_join_and_split_on_line_breaks():
    assert dialogues.clean_turn(" Hi,\n\tthere  ") == "Hi, there"
    context = dialogues.join_turns(["Hi", "How\nare you?"])
    assert context == "Hi\nHow are you?"
    assert dialogues.split_turns(context + "\n \n") == ["Hi", "How are you?"]


def test_pairs_keep_the_last_turns_as_context():
    talk = [["a", "b", "c", "d"], ["x"]]
    assert dialogues.dialogue_pairs(talk) == [
        ("a", "b"), ("b", "c"), ("c", "d")]
    assert dialogues.dialogue_pairs(talk, context_turns=2) == [
        ("a", "b"), ("a\nb", "c"), ("b\nc", "d")]
    with pytest.raises(ValueError, match="context_turns=0"):
        dialogues.dialogue_pairs(talk, context_turns=0)


def test_hashed_split_is_a_stable_partition():
    talk = [["hello", str(i)] for i in range(400)]
    parts = [dialogues.split_dialogues(talk, s) for s in dialogues.SPLITS]
    assert sorted(map(tuple, sum(parts, []))) == sorted(map(tuple, talk))
    assert [len(p) for p in parts] == [364, 19, 17]
    assert dialogues.split_dialogues(talk[::-1], "test") == parts[2][::-1]
    with pytest.raises(ValueError, match="split='dev'"):
        dialogues.split_dialogues(talk, "dev")


def test_dailydialog_reads_plain_and_gzip_files(tmp_path):
    line = "Say , Jim , beers ? __eou__ Sure . __eou__  __eou__ Ok __eou__\n"
    (tmp_path / "dialogues_validation.txt").write_text(line * 2)
    with gzip.open(tmp_path / "dialogues_test.txt.gz", "wt") as handle:
        handle.write(line + "\n")
    expected = [["Say , Jim , beers ?", "Sure .", "Ok"]]
    assert dialogues.read_dailydialog(tmp_path, "validation") == expected * 2
    assert dialogues.read_dailydialog(tmp_path, "test") == expected
    with pytest.raises(FileNotFoundError, match="dialogues_train.txt"):
        dialogues.read_dailydialog(tmp_path, "train")
    with pytest.raises(ValueError, match="split='dev'"):
        dialogues.read_dailydialog(tmp_path, "dev")


def test_real_dailydialog_has_the_published_counts():
    folder = shared_dir("dailydialog", "dialogues_test.txt.gz")
    counts = {}
    for split in dialogues.DAILYDIALOG_SPLITS:
        talk = dialogues.read_dailydialog(folder, split)
        counts[split] = (len(talk), len(dialogues.dialogue_pairs(talk)))
    assert counts == {"train": (11_118, 76_053),
                      "validation": (1_000, 7_069), "test": (1_000, 6_740)}


def _write_cornell(folder, lines, conversations, encoding="iso-8859-1"):
    (folder / "movie_lines.txt").write_bytes(
        "\n".join(lines).encode(encoding))
    (folder / "movie_conversations.txt").write_text(
        "\n".join(conversations))


def test_cornell_joins_lines_into_conversations(tmp_path):
    sep = " +++$+++ "
    _write_cornell(tmp_path, [
        sep.join(["L1", "u0", "m0", "BIANCA", "They do not!"]),
        sep.join(["L2", "u2", "m0", "CAMERON", "They do to!"]),
        sep.join(["L3", "u0", "m0", "BIANCA", "Caf\xe9?"]),
    ], [
        sep.join(["u0", "u2", "m0", "['L1', 'L2', 'L3']"]),
        sep.join(["u0", "u2", "m0", "['L2']"]),
    ])
    assert dialogues.read_cornell(tmp_path) == [
        ["They do not!", "They do to!", "Café?"], ["They do to!"]]
    _write_cornell(tmp_path, [sep.join(["L1", "u0", "m0", "B", "Hi"])],
                   [sep.join(["u0", "u2", "m0", "['L9']"])], "utf-8")
    with pytest.raises(CorruptFileError, match="names line 'L9'"):
        dialogues.read_cornell(tmp_path)
    _write_cornell(tmp_path, ["L1 +++$+++ Hi"], [])
    with pytest.raises(CorruptFileError, match="line 1 has 2 fields"):
        dialogues.read_cornell(tmp_path)
    with pytest.raises(FileNotFoundError, match="movie_lines.txt"):
        dialogues.read_cornell(tmp_path / "none")


def test_parallel_file_is_source_tab_target(tmp_path):
    path = tmp_path / "en-zh.txt"
    path.write_text("Hi.\t你好。\tCC-BY\n\nThank you !\t谢谢！\n",
                    encoding="utf-8")
    assert dialogues.read_parallel(path) == [
        ("Hi.", "你好。"), ("Thank you !", "谢谢！")]
    path.write_text("Hi.\t你好。\nno tab here\n", encoding="utf-8")
    with pytest.raises(CorruptFileError, match="line 2 is not"):
        dialogues.read_parallel(path)


def test_chatterbot_corpus_in_english_and_chinese():
    pytest.importorskip("chatterbot_corpus")
    pytest.importorskip("yaml")
    assert {"english", "chinese"} <= set(dialogues.chatterbot_languages())
    english = dialogues.read_chatterbot("english")
    chinese = dialogues.read_chatterbot("chinese")
    assert (len(english), len(dialogues.dialogue_pairs(english))) == (
        2025, 2306)
    assert (len(chinese), len(dialogues.dialogue_pairs(chinese))) == (
        467, 552)
    assert chinese[0][0] == "什么是ai"
    with pytest.raises(ValueError, match="language='klingon'"):
        dialogues.read_chatterbot("klingon")
