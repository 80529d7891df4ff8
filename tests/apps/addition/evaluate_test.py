"""Tests for apps/addition/evaluate.py."""

import numpy as np
import pytest

from apps.addition import evaluate


class _Oracle:
    """Stands in for a perfect model: logits from the true digits."""

    def predict(self, inputs, batch_size=None, verbose=0):
        from apps.addition import data

        a = (inputs[..., 0] * 10 ** np.arange(inputs.shape[1])).sum(-1)
        b = (inputs[..., 1] * 10 ** np.arange(inputs.shape[1])).sum(-1)
        _, targets = data.encode(a, b, inputs.shape[1])
        return np.eye(10)[targets]


def test_score_counts_exact_matches():
    row = evaluate.score(_Oracle(), 5, 50, np.random.default_rng(0))
    assert row == {
        "digits": 5, "examples": 50, "exact_match": 1.0, "digit_accuracy": 1.0
    }


def test_evaluate_rebuilds_from_run_dir(tiny_run, capsys):
    rows = evaluate.evaluate(str(tiny_run), [3, 5], 20, 0)
    assert [row["digits"] for row in rows] == [3, 5]
    assert all(0.0 <= row["exact_match"] <= 1.0 for row in rows)
    evaluate.main(
        ["--run_dir", str(tiny_run), "--num_examples", "5", "--digits", "3"]
    )
    assert "exact match" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        evaluate.main(["--run_dir", str(tiny_run), "--num_examples", "0"])
    assert exit_info.value.code == 2
    assert "Received `num_examples=0`" in capsys.readouterr().err
