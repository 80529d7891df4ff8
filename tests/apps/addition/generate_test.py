"""Tests for apps/addition/generate.py."""

import pytest

from apps.addition import generate


def test_generate_rebuilds_from_run_dir(tiny_run, capsys):
    results = generate.generate(str(tiny_run), ["123+456", "1+2"], 0, 0)
    assert [(p, t) for p, _, t in results] == [("123+456", "579"), ("1+2", "3")]
    assert all(answer.isdigit() for _, answer, _ in results)
    generate.main(["--run_dir", str(tiny_run), "--num_samples", "2"])
    assert capsys.readouterr().out.count(" = ") == 2


def test_bad_problems_and_run_dirs_give_clear_errors(tiny_run, tmp_path):
    with pytest.raises(SystemExit, match="Received problem"):
        generate.main(["--run_dir", str(tiny_run), "1+x"])
    with pytest.raises(SystemExit, match="config.json"):
        generate.main(["--run_dir", str(tmp_path)])
    with pytest.raises(SystemExit, match="num_samples"):
        generate.main(["--run_dir", str(tiny_run), "--num_samples", "0"])
