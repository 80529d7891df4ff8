"""Tests for apps/language_model/config.py: the tokenizer of a run directory."""

import json

import pytest

from apps.language_model import config as lm_config
from apps.language_model.data import VOCABULARY_FILE
from apps.language_model.model import ModelConfig
from datasets.vocabulary import build_tokenizer, save_tokenizer

WORDS = "the cat sat\non the mat\n"


def _assets(run_dir, dataset):
    train_config = lm_config.TrainConfig(run_dir=str(run_dir), dataset=dataset)
    return lm_config.load_assets(run_dir, ModelConfig(), train_config)


def test_the_level_comes_from_the_vocabulary_file(tmp_path):
    save_tokenizer(tmp_path / VOCABULARY_FILE, build_tokenizer(WORDS, "word"))
    # A word-level file restores at word level whatever the dataset says.
    tokenizer = _assets(tmp_path, "python_docs")["tokenizer"]
    assert tokenizer.level == "word"
    assert tokenizer.decode(tokenizer.encode("the cat\nsat")) == "the cat\nsat"
    save_tokenizer(tmp_path / VOCABULARY_FILE, build_tokenizer(WORDS, "char"))
    assert _assets(tmp_path, "ptb")["tokenizer"].level == "char"


@pytest.mark.parametrize("dataset, level", [("ptb", "word"),
                                            ("tinyshakespeare", "char")])
def test_an_older_bare_list_vocabulary_takes_the_corpus_level(
        tmp_path, dataset, level):
    vocabulary = build_tokenizer(WORDS, level).vocabulary
    (tmp_path / VOCABULARY_FILE).write_text(json.dumps(vocabulary))
    tokenizer = _assets(tmp_path, dataset)["tokenizer"]
    assert tokenizer.level == level
    assert tokenizer.vocabulary == vocabulary


def test_a_run_without_vocabulary_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=VOCABULARY_FILE):
        _assets(tmp_path, "python_docs")
