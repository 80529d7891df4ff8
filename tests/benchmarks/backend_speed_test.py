"""Smoke test of benchmarks/backend_speed.py: the tiny adder, both backends."""

import csv
import importlib.util

import keras
import pytest

from benchmarks import backend_speed

pytestmark = [
    pytest.mark.skipif(
        importlib.util.find_spec("jax") is None,
        reason="jax is not importable; the benchmark times TensorFlow and "
        "JAX",
    ),
    pytest.mark.skipif(
        keras.backend.backend() != "tensorflow",
        reason="runs once, in the TensorFlow suite: it starts both backends "
        "itself",
    ),
]


def test_table_and_csv_of_the_tiny_adder(tmp_path, capsys):
    output = tmp_path / "backend_speed.csv"
    table = backend_speed.main(
        ["--tiny", "--apps", "addition", "--output", str(output)])

    assert list(table.columns) == backend_speed.COLUMNS
    (row,) = table.to_dict("records")
    # The contract run: batches of 8 problems, 3 + 1 digit columns of 2.
    assert (row["app"], row["batch"], row["rounds"]) == (
        "addition", "8x4x2", 1)
    assert row["tensorflow ms"] > 0 and row["jax ms"] > 0
    assert row["jax/tf"] == pytest.approx(row["jax ms"] / row["tensorflow ms"])
    assert row["jax/tf per round"] == f"{row['jax/tf']:.2f}"
    assert row["faster"] == ("jax" if row["jax/tf"] < 1 else "tensorflow")
    assert row["tensorflow first step ms"] >= row["tensorflow ms"]

    printed = capsys.readouterr().out
    assert printed.startswith("CPU: ")
    assert ("| app | batch | tensorflow ms | jax ms | jax/tf |"
            in " ".join(printed.split()))  # the header, unpadded
    with open(output) as handle:
        written = list(csv.DictReader(handle))
    assert [r["app"] for r in written] == ["addition"]
    assert list(written[0]) == backend_speed.COLUMNS


def test_faster_only_when_every_round_agrees():
    assert backend_speed.faster([0.5, 0.9]) == "jax"
    assert backend_speed.faster([1.2, 1.1]) == "tensorflow"
    assert backend_speed.faster([0.9, 1.1]) == "neither"


def test_unknown_app_names_the_known_ones():
    with pytest.raises(SystemExit, match="expected names among addition"):
        backend_speed.main(["--tiny", "--apps", "adder"])
