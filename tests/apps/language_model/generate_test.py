"""Tests for apps/language_model/generate.py: samplers, streaming, the CLI."""

import pytest

from apps.language_model import generate
from tests.apps.language_model.conftest import LINE

# Hot enough that the draws, not the memorised line, decide the tokens.
HOT = dict(sampler="random", temperature=3.0, top_k=0, top_p=1.0)


def test_cli_prints_greedy_and_beam_continuations(trained_run, capsys):
    run_dir, _ = trained_run
    for sampler in ("greedy", "beam"):
        generate.main(["--run_dir", str(run_dir), "the quick", "over",
                       "--max_new_tokens", "10", "--sampler", sampler])
        assert capsys.readouterr().out == (
            "the quick" + LINE[9:19] + "\n" + "over" + LINE[30:40] + "\n")


def test_random_samples_are_seeded(restored):
    model, tokenizer = restored.model, restored.assets["tokenizer"]
    first = generate.complete(model, tokenizer, ["the"], 12, seed=1, **HOT)
    again = generate.complete(model, tokenizer, ["the"], 12, seed=1, **HOT)
    other = generate.complete(model, tokenizer, ["the"], 12, seed=2, **HOT)
    assert first == again and len(first[0]) == 12
    assert other != first


def test_a_completion_never_depends_on_the_other_prompts(restored):
    model, tokenizer = restored.model, restored.assets["tokenizer"]
    prompts = ["the", "over the lazy", "the", ""]
    batch = generate.complete(model, tokenizer, prompts, 12, seed=5, **HOT)
    assert batch[0] == batch[2]  # identical prompts, identical completions
    for prompt, completion in zip(prompts, batch):
        alone = generate.complete(model, tokenizer, [prompt], 12, seed=5,
                                  **HOT)
        assert alone == [completion], prompt


def test_top_k_one_and_a_tiny_nucleus_are_greedy(restored):
    model, tokenizer = restored.model, restored.assets["tokenizer"]
    greedy = generate.complete(model, tokenizer, ["the", "fox"], 10)
    for filters in ({"top_k": 1}, {"top_p": 1e-6}):
        sampled = generate.complete(
            model, tokenizer, ["the", "fox"], 10, seed=3,
            **{**HOT, **filters})
        assert sampled == greedy, filters


def test_bad_arguments_stop_with_one_line(trained_run, capsys):
    run_dir, _ = trained_run
    for flags, match in [
            (["--max_new_tokens", "0"], "max_new_tokens"),
            (["--sampler", "top_p"], "sampler"),
            (["--top_p", "0"], "top_p"),
            (["--temperature", "-1"], "temperature"),
            (["--temperature", "0"], "temperature"),
            (["--stream", "true", "--sampler", "beam"], "stream")]:
        with pytest.raises(SystemExit) as exit_info:
            generate.main(["--run_dir", str(run_dir)] + flags)
        assert exit_info.value.code == 2
        (line,) = capsys.readouterr().err.splitlines()
        assert match in line, flags


def test_streamed_tokens_match_the_batch_sampler(restored, trained_run,
                                                 capsys):
    model, tokenizer = restored.model, restored.assets["tokenizer"]
    greedy = "".join(generate.stream(model, tokenizer, "the quick", 10,
                                     temperature=0))
    assert greedy == generate.complete(model, tokenizer, ["the quick"], 10)[0]
    drawn = "".join(generate.stream(model, tokenizer, "the", 12,
                                    temperature=3.0, seed=4))
    assert drawn == generate.complete(model, tokenizer, ["the"], 12, seed=4,
                                      **HOT)[0]
    run_dir, _ = trained_run
    generate.main(["--run_dir", str(run_dir), "over", "--stream", "true",
                   "--max_new_tokens", "6", "--sampler", "greedy"])
    assert capsys.readouterr().out == "over" + LINE[30:36] + "\n"


def test_word_continuations_print_after_a_space():
    assert generate.prompt_separator("word", "the company said") == " "
    assert generate.prompt_separator("word", "the end\n") == ""
    assert generate.prompt_separator("word", "the", "\nnew line") == ""
    assert generate.prompt_separator("word", "") == ""
    assert generate.prompt_separator("char", "ROMEO:") == ""
