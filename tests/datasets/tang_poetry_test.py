"""Tests for datasets/tang_poetry.py: whole poems, both scripts."""

import gzip
import json

import pytest

from datasets import files, tang_poetry
from datasets.text import load_corpus
from tests.datasets.conftest import shared_dir

POEMS = [
    {"title": "静夜思", "author": "李白",
     "paragraphs": ["床前明月光，疑是地上霜。", "举头望明月，低头思故乡。"]},
    {"title": "空", "author": "?", "paragraphs": []},
]
FREE_VERSE = {"title": "古风", "author": "?",
              "paragraphs": ["大雅久不作，吾衰竟谁陈。", "王风委蔓草。"]}


def test_reads_local_file_keeps_poems_whole(tmp_path):
    with gzip.open(tmp_path / "tang_poems.simplified.json.gz", "wt",
                   encoding="utf-8") as handle:
        json.dump(POEMS * 30, handle, ensure_ascii=False)
    poems = tang_poetry.load_tang_poems(tmp_path, "simplified")
    assert len(poems) == 30  # the empty poem is dropped
    text = tang_poetry.poems_to_text(poems[:2])
    assert text == "床前明月光，疑是地上霜。举头望明月，低头思故乡。\n" * 2
    train, validation, test = tang_poetry.split_poems(poems)
    assert len(train) + len(validation) + len(test) == 30


def test_missing_file_and_bad_script(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        tang_poetry.load_tang_poems(tmp_path, "traditional")
    assert str(tmp_path / "tang_poems.json.gz") in str(error.value)
    with pytest.raises(ValueError, match="script"):
        tang_poetry.load_tang_poems(tmp_path, "latin")


def test_real_corpus_splits_whole_poems():
    folder = shared_dir("tang_poetry", "tang_poems.simplified.json.gz")
    corpus = load_corpus("tang_poetry", folder, script="simplified")
    lines = [corpus.train.count("\n"), corpus.validation.count("\n"),
             corpus.test.count("\n")]
    assert sum(lines) == 57_607 - 4  # four poems have no text
    assert 0.04 < lines[1] / sum(lines) < 0.06
    assert corpus.train.startswith("秦川雄帝宅，函谷壮皇居。")


def test_regular_poems_keep_quatrains_and_regulated_verse(tmp_path):
    quatrain = POEMS[0]
    regulated = {"paragraphs": quatrain["paragraphs"] * 2}
    kept = tang_poetry.regular_poems([quatrain, FREE_VERSE, regulated])
    assert kept == [quatrain, regulated]
    with gzip.open(tmp_path / "tang_poems.simplified.json.gz", "wt",
                   encoding="utf-8") as handle:
        json.dump([quatrain, FREE_VERSE] * 40, handle, ensure_ascii=False)
    everything = load_corpus("tang_poetry", tmp_path)
    regular = load_corpus("tang_poetry", tmp_path, poems="regular")
    text = everything.train + everything.validation + everything.test
    assert "大雅" in text
    regular_text = regular.train + regular.validation + regular.test
    assert regular_text == tang_poetry.poems_to_text([quatrain] * 40)
    with pytest.raises(ValueError, match="poems"):
        load_corpus("tang_poetry", tmp_path, poems="modern")


def test_real_corpus_regular_share():
    folder = shared_dir("tang_poetry", "tang_poems.simplified.json.gz")
    poems = tang_poetry.load_tang_poems(folder, "simplified")
    assert len(tang_poetry.regular_poems(poems)) == 36_907


@pytest.mark.parametrize("content, match", [
    (None, "not a valid gzip file"),  # truncated
    ([{"paragraphs": "one string"}], "not a JSON list of poems"),
    ({"title": "x"}, "not a JSON list of poems"),
])
def test_bad_file_names_it(tmp_path, content, match):
    path = tmp_path / "tang_poems.simplified.json.gz"
    data = gzip.compress(
        json.dumps(POEMS if content is None else content).encode(), mtime=0)
    path.write_bytes(data[:30] if content is None else data)
    with pytest.raises(files.CorruptFileError, match=match) as error:
        tang_poetry.load_tang_poems(tmp_path)
    assert str(path) in str(error.value)
    assert "chinese-poetry" in str(error.value)
