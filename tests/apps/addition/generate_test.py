"""Tests for apps/addition/generate.py."""

import pytest

from apps.addition import generate


def test_generate_rebuilds_from_run_dir(tiny_run, capsys):
    results = generate.generate(str(tiny_run), ["123+456", "1+2"], 0, 0)
    assert [(p, t) for p, _, t in results] == [("123+456", "579"), ("1+2", "3")]
    assert all(answer.isdigit() for _, answer, _ in results)
    generate.main(["--run_dir", str(tiny_run), "--num_samples", "2"])
    assert capsys.readouterr().out.count(" = ") == 2


@pytest.mark.parametrize("argv, message", [
    (["1+x"], "Received problem"),
    (["--num_samples", "0"], "Received `num_samples=0`"),
])
def test_bad_problems_give_one_line_errors(tiny_run, argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        generate.main(["--run_dir", str(tiny_run), *argv])
    assert exit_info.value.code == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("python -m apps.addition.generate: error: ")
    assert message in line
