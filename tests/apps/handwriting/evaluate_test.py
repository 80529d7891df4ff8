import numpy as np

from apps.handwriting import data
from apps.handwriting import evaluate
from rnn_layers import MixtureDensityLoss


def test_nll_per_point_matches_the_keras_loss(tiny_run, restored):
    row = evaluate.evaluate(str(tiny_run), 0)
    assert (row["network"], row["dataset"], row["lines"]) == (
        "synthesis", "hershey", 4)
    _, lines = data.load_split(restored.train_config)
    lines = data.normalized(lines, restored.assets["stats"],
                            restored.train_config.clip, 0, False)
    (inputs, targets, weights), = data.length_sorted_batches(
        lines, 1, None, restored.assets["alphabet"], 6, True)
    loss = MixtureDensityLoss(restored.model_config.num_mixtures)
    expected = float(loss(targets, restored.model(inputs),
                          sample_weight=weights))
    assert row["points"] == int(weights.sum())
    np.testing.assert_allclose(row["nll_per_point"], expected, rtol=1e-5)
    np.testing.assert_allclose(row["nll_per_line"],
                               expected * row["points"] / 4, rtol=1e-5)
    np.testing.assert_allclose(
        row["nll_raw_per_point"] - row["nll_per_point"],
        np.log(np.prod(restored.assets["stats"].std)), rtol=1e-6)


def test_cli_prints_a_table(tiny_run, capsys):
    evaluate.main(["--run_dir", str(tiny_run), "--num_lines", "2"])
    header, values = capsys.readouterr().out.strip().splitlines()
    assert header.split()[:6] == ["network", "dataset", "epoch", "step",
                                  "lines", "points"]
    assert values.split()[:5] == ["synthesis", "hershey", "1", "2", "2"]
