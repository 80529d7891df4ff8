"""Tests for apps/chatbot/decoding.py: exact answers, beam against greedy."""

import dataclasses

import numpy as np
import pytest

from apps.chatbot import data
from apps.chatbot.config import APP, TrainConfig
from apps.chatbot.decoding import DecodingConfig, Responder, make_sampler
from apps.chatbot.model import ModelConfig, build_model
from apps.framework import restore
from datasets.vocabulary import build_tokenizer
from rnn_layers import BeamSampler, GreedySampler, TopPSampler


def responder(run, **decoding):
    restored = restore(APP, run.run_dir)
    return Responder(restored.model, restored.assets["tokenizer"],
                     restored.train_config, DecodingConfig(**decoding))


@pytest.mark.parametrize("num_beams", [1, 3])
def test_overfit_english_model_answers_its_pairs_exactly(
        english_run, num_beams):
    bot = responder(english_run, num_beams=num_beams)
    contexts = [context for context, _ in english_run.pairs]
    assert bot.reply(contexts) == [reply for _, reply in english_run.pairs]
    assert bot.reply(["What is your name?"]) == ["I am a bot."]


@pytest.mark.parametrize("num_beams", [1, 3])
def test_overfit_chinese_model_answers_its_pairs_exactly(
        chinese_run, num_beams):
    bot = responder(chinese_run, num_beams=num_beams)
    assert bot.tokenizer.level == "char"
    contexts = [context for context, _ in chinese_run.pairs]
    assert bot.reply(contexts) == [reply for _, reply in chinese_run.pairs]
    assert bot.reply(["你好吗？"])  # a context of one turn it never saw


def untrained_bot():
    """`(texts, tokenizer, model, train_config)` of a tiny untrained bot,
    built under the test's seed."""
    texts = ["a b c d", "b c a", "d d a b", "c"]
    tokenizer = build_tokenizer(texts, "word",
                                special_tokens=data.SPECIAL_TOKENS)
    model = build_model(ModelConfig(embedding_dim=4, encoder_units=3,
                                    units=6, dropout=0.0),
                        tokenizer.vocabulary_size)
    return texts, tokenizer, model, TrainConfig(max_context_tokens=8,
                                                max_reply_tokens=5)


def test_beam_log_probability_is_at_least_greedy():
    texts, tokenizer, model, train_config = untrained_bot()
    scores = {}
    for num_beams in (1, 2, 4):
        bot = Responder(model, tokenizer, train_config, DecodingConfig(
            num_beams=num_beams, length_penalty=0.0, no_repeat_ngram_size=0))
        _, scores[num_beams] = bot.reply_ids(texts, return_scores=True)
    assert np.all(scores[2] >= scores[1] - 1e-5)
    assert np.all(scores[4] >= scores[2] - 1e-5)
    assert np.any(scores[4] > scores[1] + 1e-3)  # the search found better


def test_best_of_samples_answers_the_likeliest_of_its_draws():
    texts, tokenizer, model, train_config = untrained_bot()

    def sampled(seed, num_samples):
        bot = Responder(model, tokenizer, train_config, DecodingConfig(
            sampling="top_p", top_p=1.0, num_samples=num_samples,
            length_penalty=0.0), seed=seed)
        return bot.reply_ids(texts, return_scores=True)

    best, best_scores = sampled(1, 4)  # sample i from seed 1 * 4 + i
    singles = [sampled(seed, 1) for seed in range(4, 8)]
    scores = np.stack([s for _, s in singles])  # (4, batch)
    np.testing.assert_allclose(best_scores, scores.max(axis=0), rtol=1e-5)
    for row, pick in enumerate(scores.argmax(axis=0)):
        np.testing.assert_array_equal(best[row], singles[pick][0][row])
    assert not all(np.array_equal(singles[0][0], s[0]) for s in singles[1:])
    consensus = Responder(model, tokenizer, train_config, DecodingConfig(
        sampling="top_p", top_p=1.0, num_samples=4, ranking="consensus"),
        seed=1).reply_ids(texts)
    for row in range(len(texts)):
        assert any(np.array_equal(consensus[row], single[0][row])
                   for single in singles)


def test_sampler_of_each_decoding_config():
    assert isinstance(make_sampler(DecodingConfig(num_beams=1)),
                      GreedySampler)
    beam = make_sampler(DecodingConfig(num_beams=3, length_penalty=0.6))
    assert isinstance(beam, BeamSampler)
    assert (beam.num_beams, beam.length_penalty,
            beam.no_repeat_ngram_size) == (3, 0.6, 3)
    nucleus = make_sampler(DecodingConfig(sampling="top_p", top_p=0.8))
    assert isinstance(nucleus, TopPSampler) and nucleus.p == 0.8


@pytest.mark.parametrize("field, value, message", [
    ("sampling", "topk", "sampling='topk'"),
    ("num_beams", 0, "num_beams=0"),
    ("num_samples", 0, "num_samples=0"),
    ("ranking", "bleu", "ranking='bleu'"),
    ("top_p", 1.5, "top_p=1.5"),
    ("temperature", 0.0, "temperature=0.0"),
])
def test_bad_decoding_settings_name_the_field(field, value, message):
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(DecodingConfig(), **{field: value})


def test_empty_message_is_refused_with_its_number(english_run):
    bot = responder(english_run)
    with pytest.raises(ValueError, match="empty message \\(number 2"):
        bot.reply(["Hello", " \n "])
    assert bot.reply([]) == []
