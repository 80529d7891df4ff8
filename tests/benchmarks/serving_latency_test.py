"""Smoke test of benchmarks/serving_latency.py on the tiny addition export."""

import csv

import keras
import pytest


pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="SavedModel export needs KERAS_BACKEND=tensorflow",
)


def test_table_and_csv_of_a_few_calls(tiny_addition_export, tmp_path, capsys):
    pytest.importorskip("pandas")
    from benchmarks import serving_latency

    _, version = tiny_addition_export  # <saved_models>/addition/<version>
    output = tmp_path / "latency.csv"
    table = serving_latency.main([
        "--saved_models", str(version.parent.parent), "--calls", "3",
        "--repeats", "2", "--output", str(output)])

    assert list(table.columns) == serving_latency.TABLE_COLUMNS
    # Only serving_default has a warm-up request; 1 then 8 clients.
    assert table[["app", "signature", "clients"]].values.tolist() == [
        ["addition", "serving_default", 1], ["addition", "serving_default", 8]]
    assert (table["p50 ms"] <= table["p95 ms"]).all()
    assert (table["p95 ms"] <= table["p99 ms"]).all()
    assert (table["calls/s"] > 0).all() and (table["rounds"] == 2).all()
    assert table["calls/s ratio to 1 client"].iloc[0] == 1.0

    printed = capsys.readouterr().out
    assert printed.startswith("CPU: ")
    assert ("| app | signature | batch | clients | p50 ms |"
            in " ".join(printed.split()))  # the header, unpadded
    assert "no warm-up request for digits; skipped" in printed
    with open(output) as handle:
        rows = list(csv.DictReader(handle))
    # One row per round: 2 repeats x (1, 8) clients, interleaved.
    assert [int(r["clients"]) for r in rows] == [1, 8, 1, 8]
    assert [int(r["calls"]) for r in rows] == [3, 24, 3, 24]
    assert all(float(r["p50_ms"]) <= float(r["p95_ms"]) <= float(r["p99_ms"])
               for r in rows)
