"""Tests for apps/language_model/poetry.py: format checks and acrostics."""

import keras
import pytest

from apps.language_model import poetry
from apps.language_model.model import ModelConfig, build_model
from datasets.tokenizers import Tokenizer
from datasets import tang_poetry
from datasets.vocabulary import build_vocabulary

QUATRAIN = "床前明月光，疑是地上霜。举头望明月，低头思故乡。"
REGULATED = "国破山河在，城春草木深。感时花溅泪，恨别鸟惊心。" \
    "烽火连三月，家书抵万金。白头搔更短，浑欲不胜簪。"
SEVEN = "朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过万重山。"


def test_well_formed_poems_pass():
    assert tang_poetry.check_poem(QUATRAIN) == []
    assert tang_poetry.check_poem(REGULATED, line_length=5, num_lines=8) == []
    assert tang_poetry.check_poem(SEVEN + "\n", line_length=7) == []
    assert poetry.pass_rate([QUATRAIN, SEVEN, "床前"]) == pytest.approx(2 / 3)


@pytest.mark.parametrize("poem, problem", [
    ("床前明月光，疑是地上霜。举头望明月，", "3 lines"),
    ("床前明月光，疑是地上霜。举头望明月，低头思故乡乡。", "line 4 has 6"),
    ("床前明月光，疑是地上霜，举头望明月，低头思故乡。", "line 2 ends"),
    ("床前明月光，疑是地上霜。举头望明月，低头思故乡", 'ends with ""'),
    ("床前明 光，疑是地上霜。举头望明月，低头思故乡。", "spaces"),
])
def test_malformed_poems_are_reported(poem, problem):
    assert any(problem in p for p in tang_poetry.check_poem(poem))
    assert tang_poetry.check_poem(QUATRAIN, line_length=7)  # wrong length asked


def test_acrostic_poem_has_the_heads_and_the_format():
    vocabulary = build_vocabulary((QUATRAIN + SEVEN + "春夏秋冬\n"))
    tokenizer = Tokenizer(vocabulary, "char")
    keras.utils.set_random_seed(0)
    model = build_model(ModelConfig(vocabulary_size=len(vocabulary),
                                    embedding_dim=4, units=8, num_layers=1))
    for length in (5, 7):
        poem = poetry.acrostic_poem(model, tokenizer, "春夏秋冬", length,
                                    temperature=1.5, seed=3)
        assert tang_poetry.check_poem(poem, line_length=length, num_lines=4) == []
        assert [line[0] for line, _ in tang_poetry.split_lines(poem)] == list(
            "春夏秋冬")


def test_acrostic_arguments_are_checked():
    tokenizer = Tokenizer(build_vocabulary(QUATRAIN + "\n"), "char")
    with pytest.raises(ValueError, match="line_length"):
        poetry.acrostic_layout("床前", 6, tokenizer)
    with pytest.raises(ValueError, match="not in the model's vocabulary"):
        poetry.acrostic_layout("春", 5, tokenizer)
    with pytest.raises(ValueError, match="heads"):
        poetry.acrostic_layout("", 5, tokenizer)


def _untrained_quatrain_model():
    vocabulary = build_vocabulary(QUATRAIN + "\n")
    keras.utils.set_random_seed(0)
    model = build_model(ModelConfig(vocabulary_size=len(vocabulary),
                                    embedding_dim=4, units=8, num_layers=1))
    return Tokenizer(vocabulary, "char"), model


def test_sample_poems_stop_at_the_line_break():
    tokenizer, model = _untrained_quatrain_model()
    poems = poetry.sample_poems(model, tokenizer, 3, max_chars=12,
                                sampler="random", seed=1)
    assert len(poems) == 3
    assert len(set(poems)) == 3  # one seed per poem, not three copies
    assert all("\n" not in p and len(p) <= 12 for p in poems)
    assert 0.0 <= poetry.pass_rate(poems) <= 1.0


def test_end_after_lines_ends_each_poem_at_the_asked_line_count():
    tokenizer, model = _untrained_quatrain_model()
    logits = model.get_layer("logits")
    kernel, bias = logits.get_weights()
    bias[tokenizer.start_id] = 50.0  # the model would end every poem at once
    bias[tokenizer.index["。"]] = 3.0  # and writes full stops often
    logits.set_weights([kernel, bias])
    assert set(poetry.sample_poems(model, tokenizer, 4, 40, "random")) == {""}
    for num_lines in (4, 8):
        poems = poetry.sample_poems(model, tokenizer, 6, 200, "random",
                                    seed=2, num_lines=num_lines)
        assert all(p.endswith("。") and p.count("。") == num_lines // 2
                   for p in poems), poems
    with pytest.raises(ValueError, match="num_lines"):
        poetry.end_after_lines(tokenizer, 6)
