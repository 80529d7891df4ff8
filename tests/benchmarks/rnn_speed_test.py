"""Smoke test of benchmarks/rnn_speed.py: a tiny LSTM step and roofline."""

import pandas as pd
import pytest

from benchmarks import rnn_speed

ROOFLINE_COLUMNS = ["GFLOP per step", "keras GFLOP/s", "rnn_layers GFLOP/s",
                    "keras % of roofline", "rnn_layers % of roofline",
                    "roofline GFLOP/s"]


def test_step_flops_by_hand():
    # Forward: 2 FLOPs per multiply-add, B*T*(D+H) inputs to G*H outputs;
    # backward twice the forward.
    assert rnn_speed.step_flops("lstm", (2, 3, 4, 5)) == 3 * 2 * 2 * 3 * 9 * 20
    assert rnn_speed.step_flops("gru", (2, 3, 4, 5)) == 4860
    # BENCHMARKS.md's LSTM at (32, 100, 128, 256): 7.55 GFLOP per step.
    assert rnn_speed.step_flops("lstm", (32, 100, 128, 256)) == 7_549_747_200


def test_roofline_columns_divide_by_time_and_roofline():
    columns = rnn_speed.roofline_columns(2e9, {"ours": 10.0}, 400.0)
    assert columns == {"GFLOP per step": 2.0, "ours GFLOP/s": 200.0,
                       "ours % of roofline": 50.0, "roofline GFLOP/s": 400.0}


def test_roofline_timer_returns_a_rate_per_call():
    timer = rnn_speed.matmul_roofline(32)
    rates = [timer() for _ in range(3)]
    assert all(isinstance(rate, float) and rate > 0 for rate in rates)


def test_table_and_csv_of_a_tiny_lstm(tmp_path, capsys):
    output = tmp_path / "rnn_speed_{backend}.csv"
    table = rnn_speed.main([
        "--layers", "lstm", "--dtypes", "float32", "--shapes", "2,3,4,5",
        "--repeats", "1", "--steps", "1", "--roofline_size", "64",
        "--output", str(output)])

    (row,) = table.to_dict("records")
    assert (row["layer"], row["shape (B,T,D,H)"]) == ("lstm", "2,3,4,5")
    assert row["GFLOP per step"] == 6480 / 1e9
    for column in ROOFLINE_COLUMNS + ["keras ms", "rnn_layers ms", "speedup"]:
        assert isinstance(row[column], float) and row[column] > 0, column
    assert row["rnn_layers GFLOP/s"] == pytest.approx(
        6480 / row["rnn_layers ms"] / 1e6)
    assert row["rnn_layers % of roofline"] == pytest.approx(
        100 * row["rnn_layers GFLOP/s"] / row["roofline GFLOP/s"])

    printed = capsys.readouterr().out
    assert printed.startswith("CPU: ")
    assert "64^3 matmul " in printed and " GFLOP/s now" in printed
    assert ("| speedup | GFLOP per step | keras GFLOP/s | rnn_layers GFLOP/s "
            "| keras % of roofline | rnn_layers % of roofline | roofline "
            "GFLOP/s |") in " ".join(printed.split())  # the header, unpadded
    written = pd.read_csv(str(output).format(backend=row["backend"]))
    assert list(written.columns) == list(table.columns)
    assert (written[ROOFLINE_COLUMNS] > 0).all(axis=None)
