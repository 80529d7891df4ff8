"""Tests for saved_models/export.py: finite weights, stale temporary folders."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from saved_models import export


def _model():
    return keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])


def test_non_finite_weights_are_found_and_refused():
    model = _model()
    assert export.non_finite_weights(model) == []
    export.require_finite_weights(model)
    kernel, bias = model.get_weights()
    kernel[0, 1] = np.nan
    bias[2] = np.inf
    model.set_weights([kernel, bias])
    assert export.non_finite_weights(model) == [
        "sequential/dense/kernel", "sequential/dense/bias"]
    with pytest.raises(ValueError, match="Refusing to export the checkpoint "
                       "of runs/x: variables .*NaN or infinite"):
        export.require_finite_weights(model, "the checkpoint of runs/x")


def test_stale_temporary_folders_of_dead_exporters_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    host = export._host()
    stale = tmp_path / f".tmp-export-{host}-{dead_pid}-abc123"
    live = tmp_path / f".tmp-export-{host}-{os.getpid()}-def456"
    other_host = tmp_path / f".tmp-export-elsewhere-{dead_pid}-ghi789"
    unknown = tmp_path / ".tmp-export-old_style"
    for folder in (stale, live, other_host, unknown):
        (folder / "variables").mkdir(parents=True)
        (folder / "saved_model.pb").write_bytes(b"complete-looking")
    assert export.remove_stale_exports(tmp_path) == [stale]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (live, other_host, unknown))
    assert export.list_versions(tmp_path) == []
