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


def test_nltk34_bleu_matches_nltk_3_4():
    # Each pair scored by NLTK 3.4's own `sentence_bleu` with its method 7
    # (the version PLATO's metrics pin), weights (1, 0, 0, 0) and
    # (0.5, 0.5, 0, 0).
    expected = {
        ("i ' m sorry .", "oh , i ' m so sorry to hear that ."):
            (0.351393, 0.265628),
        ("what do you mean ?", "i mean the party on friday ."):
            (0.367225, 0.284604),
        ("that ' s a good idea .", "that sounds like a good idea to me ."):
            (0.691836, 0.501968),
        ("the cat sat", "the cat sat down"): (0.955375, 0.872134),
    }
    for (reply, reference), scores in expected.items():
        for order, score in zip((1, 2), scores):
            assert evaluate.sentence_bleu(
                [reply], [reference], order, "word",
                nltk34=True) == pytest.approx(score, abs=1e-6)
    # Today's method 4 smooths an unmatched bigram far less.
    assert evaluate.sentence_bleu(
        ["what do you mean ?"], ["i mean the party on friday ."], 2,
        "word") == pytest.approx(0.198347, abs=1e-6)
    # NLTK 3.4 divides by ln(1) for a one-token reply; PLATO scores it 0.
    assert evaluate.sentence_bleu(["yes"], ["yes ."], 2, "word",
                                  nltk34=True) == 0.0


def test_evaluate_compares_greedy_and_beam(english_run, capsys):
    evaluate.main(["--run_dir", english_run.run_dir, "--split", "train",
                   "--num_beams", "2", "--csv",
                   f"{english_run.run_dir}/scores.csv"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "decoding", "perplexity", "bleu_1", "bleu_2", "sentence_bleu_1",
        "sentence_bleu_2", "nltk34_bleu_1", "nltk34_bleu_2", "distinct_1",
        "distinct_2", "mean_length", "examples"]
    greedy, beam, reference = (line.split() for line in lines[1:])
    assert greedy[0] == "greedy" and beam[:2] == ["beam", "2"]
    assert 1.0 <= float(greedy[1]) < 1.1  # it learnt the pairs by heart
    assert greedy[2:4] == ["1.0000"] * 2 == beam[3:5]
    # NLTK's smoothing 7, today's and 3.4's, gives more than 1 to a short
    # exact match.
    assert min(float(x) for x in greedy[4:8] + beam[5:9]) >= 1.0
    assert reference[0] == "reference" and reference[2:8] == ["NaN"] * 6
    assert greedy[8:11] == reference[8:11]  # its replies are the references
    assert greedy[-1] == "5"
