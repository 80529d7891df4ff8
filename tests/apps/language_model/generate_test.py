"""Tests for apps/language_model/generate.py: samplers and the CLI."""

import pytest

from apps.language_model import generate
from apps.language_model.train import restore_model
from tests.apps.language_model.conftest import LINE


def test_cli_prints_greedy_and_beam_continuations(trained_run, capsys):
    run_dir, _ = trained_run
    for sampler in ("greedy", "beam"):
        generate.main(["--run_dir", str(run_dir), "--prompt", "the quick",
                       "--max_new_tokens", "10", "--sampler", sampler])
        assert capsys.readouterr().out == "the quick" + LINE[9:19] + "\n"


def test_random_samplers_are_seeded(trained_run):
    run_dir, _ = trained_run
    model, tokenizer, _, _ = restore_model(run_dir)
    for name in ("random", "top_k", "top_p"):
        first = generate.complete(
            model, tokenizer, ["the"], 8,
            generate.make_sampler(name, temperature=2.0, seed=1), seed=1)
        again = generate.complete(
            model, tokenizer, ["the"], 8,
            generate.make_sampler(name, temperature=2.0, seed=1), seed=1)
        assert first == again and len(first[0]) == 8


def test_bad_arguments_stop_with_messages(trained_run, tmp_path):
    run_dir, _ = trained_run
    with pytest.raises(ValueError, match="sampler"):
        generate.make_sampler("nucleus")
    with pytest.raises(SystemExit, match="max_new_tokens"):
        generate.main(["--run_dir", str(run_dir), "--max_new_tokens", "0"])
    with pytest.raises(SystemExit, match="config.json"):
        generate.main(["--run_dir", str(tmp_path)])


def test_streamed_greedy_tokens_match_the_sampler(trained_run, capsys):
    run_dir, _ = trained_run
    model, tokenizer, _, _ = restore_model(run_dir)
    streamed = "".join(generate.stream(model, tokenizer, "the quick", 10,
                                       temperature=0))
    assert streamed == generate.complete(model, tokenizer, ["the quick"], 10)[0]
    generate.main(["--run_dir", str(run_dir), "--prompt", "over", "--stream",
                   "--max_new_tokens", "6", "--sampler", "top_k",
                   "--top_k", "1"])
    assert capsys.readouterr().out == "over" + LINE[LINE.index("over") + 4:][:6] + "\n"


def test_filter_probabilities_keeps_top_k_and_nucleus():
    import numpy as np

    p = np.array([0.1, 0.5, 0.15, 0.25])
    np.testing.assert_allclose(generate.filter_probabilities(p, top_k=2),
                               [0, 0.5 / 0.75, 0, 0.25 / 0.75])
    np.testing.assert_allclose(generate.filter_probabilities(p, top_p=0.6),
                               [0, 0.5 / 0.75, 0, 0.25 / 0.75])
    np.testing.assert_allclose(generate.filter_probabilities(p, top_p=1e-9),
                               [0, 1, 0, 0])


def test_word_continuations_print_after_a_space():
    assert generate.prompt_separator("word", "the company said") == " "
    assert generate.prompt_separator("word", "the end\n") == ""
    assert generate.prompt_separator("word", "the", "\nnew line") == ""
    assert generate.prompt_separator("word", "") == ""
    assert generate.prompt_separator("char", "ROMEO:") == ""
