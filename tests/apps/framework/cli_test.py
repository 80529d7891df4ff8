"""Tests for apps/framework/cli.py: one line and exit code 2 per error."""

import pytest

from apps.framework import cli


def _run(error):
    with cli.cli_errors("python -m apps.x.train", "rerun to resume"):
        raise error


@pytest.mark.parametrize("error, line", [
    (ValueError("Received `epochs=-3`;\nexpected a positive integer."),
     "python -m apps.x.train: error: Received `epochs=-3`; expected a "
     "positive integer."),
    (FileNotFoundError("runs/x holds no config.json"),
     "python -m apps.x.train: error: runs/x holds no config.json"),
    (RuntimeError("export needs KERAS_BACKEND=tensorflow"),
     "python -m apps.x.train: error: export needs KERAS_BACKEND=tensorflow"),
])
def test_expected_errors_are_one_line_and_exit_code_2(error, line, capsys,
                                                      monkeypatch):
    monkeypatch.delenv("RNN_SUITE_TRACEBACK", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        _run(error)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == line + "\n"


def test_interrupt_says_how_to_go_on(capsys):
    with pytest.raises(SystemExit) as exit_info:
        _run(KeyboardInterrupt())
    assert exit_info.value.code == 130
    assert capsys.readouterr().err == (
        "python -m apps.x.train: interrupted; rerun to resume.\n")


def test_bugs_keep_their_traceback():
    with pytest.raises(KeyError):
        _run(KeyError("a bug"))


def test_traceback_on_request(monkeypatch):
    monkeypatch.setenv("RNN_SUITE_TRACEBACK", "1")
    with pytest.raises(ValueError):
        _run(ValueError("shown with its traceback"))


def test_entry_point_parses_seeds_and_reports(capsys):
    import dataclasses

    import numpy as np

    from apps.framework import config_parser
    from apps.framework.configs import BaseRunConfig

    @dataclasses.dataclass(frozen=True)
    class _Run(BaseRunConfig):
        """Args:
            count: int, how many. Defaults to `1`.
        """

        count: int = 1

    parser = config_parser("python -m apps.x.generate", "", _Run)
    draws = []
    for _ in range(2):
        with cli.entry_point(parser, ["--seed", "7", "--count", "3"],
                             _Run) as (config,):
            draws.append(np.random.random())
    assert config == _Run(seed=7, count=3)
    assert draws[0] == draws[1]
    with pytest.raises(SystemExit) as exit_info:
        with cli.entry_point(parser, ["--run_dir", ""], _Run):
            pass
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == (
        "python -m apps.x.generate: error: Received `run_dir=''`; expected a "
        "folder such as 'runs/my_run'.\n")
