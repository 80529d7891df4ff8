import pytest

from apps.captioning import evaluate

pytest.importorskip("sacrebleu")


def test_bleu_perfect_and_partial():
    refs = [["a red circle left of a blue square", "a circle"],
            ["a large green square above a small red triangle"]]
    perfect = evaluate.corpus_bleu([r[0] for r in refs], refs)
    assert all(abs(v - 100) < 1e-6 for v in perfect.values())
    partial = evaluate.corpus_bleu(
        ["a red circle left of a green square",
         "a large green square below a small red triangle"], refs)
    assert 0 < partial["bleu_4"] < partial["bleu_1"] < 100


def test_exact_accuracy_uses_every_reference():
    assert evaluate.exact_accuracy(["a", "b"], [["x", "a"], ["c"]]) == 0.5


def test_main_scores_shapes(tiny_run, capsys):
    evaluate.main(["--run_dir", str(tiny_run), "--examples", "4"])
    header, row = capsys.readouterr().out.splitlines()
    assert header.split() == ["images", "num_beams", "seconds", "exact",
                              "bleu_1", "bleu_2", "bleu_3", "bleu_4"]
    assert row.split()[:2] == ["4", "1"]


def test_split_is_checked():
    with pytest.raises(ValueError, match="split"):
        evaluate.EvaluateConfig(split="train")
