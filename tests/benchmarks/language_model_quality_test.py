"""Tests of the wall-clock LM benchmark: schedule, stop, transformer, files."""

import math
import time

import keras
import numpy as np
import pandas
import pytest

from apps.framework import EpochBatches, restore
from apps.language_model import evaluate
from apps.language_model.config import APP
from benchmarks import language_model_quality
from benchmarks.transformer_baseline import TransformerConfig
from benchmarks.transformer_baseline import build_transformer
from benchmarks.wallclock import BudgetClock
from benchmarks.wallclock import TimeDrivenLearningRate
from benchmarks.wallclock import budget_learning_rate
from benchmarks.wallclock import train_within_budget
from datasets.text import TextCorpus

TINY_TRANSFORMER = TransformerConfig(
    vocabulary_size=10, sequence_length=8, num_layers=1, num_heads=2,
    hidden_dim=8, intermediate_dim=16)


def tiny_corpus() -> TextCorpus:
    """About 6 KB of varied lines: 5 KB to train on, 1 KB to validate."""
    rng = np.random.default_rng(0)
    words = ["to", "be", "or", "not", "that", "is", "the", "question",
             "whether", "tis", "nobler", "in", "mind", "suffer"]
    lines = [" ".join(rng.choice(words, size=8)) + "." for _ in range(150)]
    text = "\n".join(lines)
    cut = len(text) * 5 // 6
    return TextCorpus("tinyshakespeare", "char", text[:cut], text[cut:])


def test_learning_rate_warms_up_then_decays_to_zero_at_the_budget():
    def rate(fraction):
        return budget_learning_rate(fraction, 1e-3, warmup_fraction=0.1)

    assert rate(0.0) == 0.0
    assert rate(0.05) == pytest.approx(0.5e-3)
    assert rate(0.1) == pytest.approx(1e-3)
    assert rate(0.55) == pytest.approx(0.5e-3)  # the cosine's midpoint
    decaying = [rate(f) for f in np.linspace(0.1, 1.0, 20)]
    assert all(a > b for a, b in zip(decaying, decaying[1:]))
    assert rate(1.0) == pytest.approx(0.0, abs=1e-12)
    assert rate(1.5) == pytest.approx(0.0, abs=1e-12)


def test_callback_sets_the_rate_from_seconds_after_the_first_step():
    now = [100.0]
    clock = BudgetClock(12.0, timer=lambda: now[0])
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(1.0), loss="mse")
    callback = TimeDrivenLearningRate(clock, 1.0, warmup_fraction=0.2)
    callback.set_model(model)
    clock.start()

    def rate_at(seconds):
        now[0] = 100.0 + seconds
        callback.on_train_batch_begin(0)
        return float(model.optimizer.learning_rate)

    assert rate_at(0.0) == 0.0
    now[0] = 102.0  # the first step (tracing) ends 2 s in: 10 s remain
    callback.on_train_batch_end(0)
    assert rate_at(3.0) == pytest.approx(0.5)  # half-way through warm-up
    assert rate_at(4.0) == pytest.approx(1.0)  # peak
    assert rate_at(8.0) == pytest.approx(0.5, abs=1e-6)  # cosine midpoint
    assert rate_at(12.0) == pytest.approx(0.0, abs=1e-6)  # the budget


def test_training_stops_on_measured_wall_clock():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    batches = EpochBatches(
        lambda epoch: (np.ones((40, 4)), np.zeros((40, 3))), 0, 8, 5)
    model.fit(batches, shuffle=False, verbose=0)  # traces before the budget

    started = time.perf_counter()
    result = train_within_budget(model, batches, 3.0, 1e-2,
                                 evaluate=lambda model: 1.0, curve_points=4)
    measured = time.perf_counter() - started

    assert 3.0 <= result.budgeted_s <= measured
    assert measured < 3.0 + 1.0  # one tiny step and one evaluation past it
    assert result.budgeted_s == pytest.approx(
        result.train_s + result.curve_s)
    assert result.steps > 10
    assert 0 < result.cpu_s
    elapsed = [point["elapsed_s"] for point in result.curve]
    assert len(elapsed) == 3  # after 0.75, 1.5 and 2.25 s
    assert all(t >= 0.75 * k for k, t in enumerate(elapsed, start=1))
    assert elapsed == sorted(elapsed)
    assert [p["steps"] for p in result.curve] == sorted(
        p["steps"] for p in result.curve)


def test_transformer_is_causal():
    model = build_transformer(TINY_TRANSFORMER)
    ids = np.random.default_rng(0).integers(0, 10, (2, 8)).astype("int32")
    changed = ids.copy()
    changed[:, 5] = (ids[:, 5] + 1) % 10

    before = keras.ops.convert_to_numpy(model(ids))
    after = keras.ops.convert_to_numpy(model(changed))

    np.testing.assert_allclose(before[:, :5], after[:, :5], atol=1e-6)
    assert np.abs(before[:, 5:] - after[:, 5:]).max() > 1e-4


def test_transformer_parameter_count():
    v, t, d, f = 10, 8, 8, 16  # vocabulary, context, width, feed-forward
    embeddings = v * d + t * d
    attention = 4 * (d * d + d)  # query, key, value, output
    feed_forward = d * f + f + f * d + d
    block = attention + feed_forward + 2 * 2 * d  # two layer norms
    head = 2 * d + d * v + v  # final layer norm, logits
    model = build_transformer(TINY_TRANSFORMER)
    assert model.count_params() == embeddings + block + head == 850


def test_nanogpt_size_is_its_0_8m_parameters():
    model = build_transformer(TransformerConfig())
    assert 0.80e6 < model.count_params() < 0.83e6


def test_window_longer_than_the_transformer_context_is_rejected():
    with pytest.raises(SystemExit):
        language_model_quality.main(
            ["--window", "128", "--sequence_length", "64"])


def test_both_models_end_to_end_write_table_curve_and_plot(tmp_path, capsys):
    output = tmp_path / "quality.csv"
    plot = tmp_path / "quality.png"
    results = language_model_quality.main(
        ["--budgets", "1", "--curve_points", "2", "--curve_windows", "4",
         "--sequence_length", "16", "--window", "16", "--units", "8",
         "--num_layers", "1", "--embedding_dim", "8",
         "--transformer_layers", "1", "--transformer_heads", "2",
         "--transformer_width", "8",
         "--output", str(output), "--plot", str(plot),
         "--run_dir", str(tmp_path / "runs")],
        corpus=tiny_corpus())

    printed = capsys.readouterr().out
    assert printed.startswith("CPU: ")
    header = next(line for line in printed.splitlines()
                  if line.startswith("| model"))
    assert [cell.strip() for cell in header.split("|")[1:-1]] == [
        "model", "config", "parameters", "budget_s", "steps", "first_step_s",
        "train_s", "curve_s", "cpu_s", "eval_s", "total_s", "window_loss",
        "stream_loss"]
    written = pandas.read_csv(output)
    assert list(written["model"]) == ["lstm", "transformer"]
    assert (written["train_s"] + written["curve_s"] >= 1.0).all()
    assert (written["first_step_s"] <= written["train_s"]).all()
    assert np.isfinite(written["window_loss"]).all()
    assert math.isfinite(written["stream_loss"][0])
    assert math.isnan(written["stream_loss"][1])  # recurrent only
    np.testing.assert_allclose(
        written["total_s"],
        written["train_s"] + written["curve_s"] + written["eval_s"])
    curve = pandas.read_csv(tmp_path / "quality_curve.csv")
    # A 1 s budget ends with the first step (tracing takes longer), so only
    # the final points are sure; the curve's own are tested above.
    final = curve[curve["evaluation"] == "final"]
    assert list(final["model"]) == ["lstm", "transformer"]
    assert np.isfinite(curve["validation_loss"]).all()
    assert plot.stat().st_size > 10_000
    # The kept recurrent run restores through the app with the same loss.
    restored = restore(APP, tmp_path / "runs" / "lstm_1s")
    ids = restored.assets["tokenizer"].encode(tiny_corpus().validation)
    assert evaluate.window_loss(restored.model, ids, 16) == pytest.approx(
        results["window_loss"][0], rel=1e-5)
