"""Tests for apps/chatbot/evaluate.py: BLEU, distinct-n, perplexity."""

import pytest

from apps.chatbot import evaluate


def test_bleu_and_distinct_on_known_sentences():
    replies, references = ["the cat sat", "a dog"], ["the cat sat down",
                                                     "a dog"]
    # 5 of 5 unigrams match; brevity penalty exp(1 - 6 / 5).
    assert evaluate.bleu(replies, references, 1, "word") == pytest.approx(
        0.8187, abs=1e-4)
    assert evaluate.bleu(replies, references, 2, "word") == pytest.approx(
        0.8187, abs=1e-4)
    # NLTK's smoothing 7 (the DailyDialog literature's) and its brevity
    # penalty give the short reply more than corpus BLEU does.
    assert evaluate.sentence_bleu(
        ["the cat sat"], ["the cat sat down"], 1, "word") == pytest.approx(
            0.9554, abs=1e-4)
    assert evaluate.sentence_bleu(
        replies, ["The cat sat down", "a cat"], 2, "word") == pytest.approx(
            0.6497, abs=1e-4)
    assert evaluate.sentence_bleu(["x"], [""], 1, "word") == 0.0
    assert evaluate.distinct(["a b a b", "a b"], 1, "word") == 2 / 6
    assert evaluate.distinct(["a b a b", "a b"], 2, "word") == 2 / 4
    assert evaluate.distinct(["你好你好"], 1, "char") == 2 / 4
    assert evaluate.distinct([""], 2, "word") == 0.0


def test_evaluate_compares_greedy_and_beam(english_run, capsys):
    evaluate.main(["--run_dir", english_run.run_dir, "--split", "train",
                   "--num_beams", "2", "--csv",
                   f"{english_run.run_dir}/scores.csv"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "decoding", "perplexity", "bleu_1", "bleu_2", "sentence_bleu_1",
        "sentence_bleu_2", "distinct_1", "distinct_2", "mean_length",
        "examples"]
    greedy, beam, reference = (line.split() for line in lines[1:])
    assert greedy[0] == "greedy" and beam[:2] == ["beam", "2"]
    assert 1.0 <= float(greedy[1]) < 1.1  # it learnt the pairs by heart
    assert greedy[2:4] == ["1.0000"] * 2 == beam[3:5]
    # NLTK's smoothing 7 gives more than 1 to a short exact match.
    assert min(float(x) for x in greedy[4:6] + beam[5:7]) >= 1.0
    assert reference[0] == "reference" and reference[2:6] == ["NaN"] * 4
    assert greedy[6:9] == reference[6:9]  # its replies are the references
    assert greedy[-1] == "5"
