"""Samples text from a trained language model, from its run directory.

Works on any Keras backend. The sampler is one of `rnn_layers.samplers`:
`greedy`, `beam`, or `random`, drawing at `--temperature` among the
`--top_k` most probable tokens (`0`: all) and within the `--top_p` nucleus
(`1`: all). The recurrent cells step once per token, so each new token costs
the same whatever came before.

Examples:

```
python -m apps.language_model.generate --run_dir runs/language_model \\
    "The " "A " --max_new_tokens 300 --sampler random --top_p 0.9
python -m apps.language_model.generate --run_dir runs/language_model \\
    "def " --stream true --temperature 0.7     # prints token by token
python -m apps.language_model.generate --run_dir runs/tang \\
    --acrostic 春夏秋冬 --line_length 7
python -m apps.language_model.generate --run_dir runs/tang --num_poems 100 \\
    --max_new_tokens 80                              # format pass rate
```
"""

import argparse
import dataclasses
from collections.abc import Iterator

import keras
import numpy as np

from apps.framework import BaseRunConfig
from apps.framework import Restored
from apps.framework import cli_errors
from apps.framework import config_parser
from apps.framework import parse_configs
from apps.framework import restore
from apps.framework import seed_everything
from apps.framework.flags import require_choice
from apps.framework.flags import require_non_negative
from apps.framework.flags import require_positive_integers
from apps.language_model import poetry
from apps.language_model.config import APP
from apps.language_model.model import initial_states, make_step_fn
from apps.language_model.sampling import MAX_TEMPERATURE, generate_ids
from datasets.tang_poetry import LINE_COUNTS, LINE_LENGTHS
from rnn_layers import ban_tokens, recurrent_next, samplers

SAMPLERS = ("greedy", "random", "beam")


def complete(model: keras.Model, tokenizer, prompts: list[str],
             max_new_tokens: int, sampler="greedy", seed=None,
             temperature=None, top_k=None, top_p=None) -> list[str]:
    """Continues each prompt by `max_new_tokens` tokens.

    A prompt's continuation depends only on the prompt, the sampler and its
    arguments, never on the other prompts of the batch.

    Args:
        model: a stateless model from `build_model`.
        tokenizer: the run's `Tokenizer`.
        prompts: list of str (may be empty strings).
        max_new_tokens: int, tokens to add.
        sampler: a short name or a `Sampler` (see
            `sampling.generate_ids`). Defaults to `"greedy"`.
        seed: optional int for the sampler's draws. Defaults to `None`.
        temperature: optional float overriding the sampler's.
        top_k: optional int overriding the sampler's; `0` disables.
        top_p: optional float overriding the sampler's; `1` disables.

    Returns:
        list of str continuations (without the prompts).

    Example:

    >>> complete(model, tokenizer, ["To be"], 20)
    [', or not to be: that']
    """
    if max_new_tokens < 1:
        raise ValueError(
            f"Received `max_new_tokens={max_new_tokens}`; expected >= 1."
        )
    if not prompts:
        return []
    encoded = [tokenizer.encode(p) for p in prompts]
    lengths = np.array([len(e) for e in encoded], "int32")
    ids = np.zeros((len(encoded), max(1, lengths.max())), "int32")
    for row, e in enumerate(encoded):
        ids[row, : len(e)] = e
    new_ids = generate_ids(
        model, ids, lengths, tokenizer.start_id, max_new_tokens,
        sampler=sampler, seed=seed, temperature=temperature, top_k=top_k,
        top_p=top_p, banned_ids=tokenizer.unsampled_ids,
    )
    return [tokenizer.decode(row) for row in keras.ops.convert_to_numpy(new_ids)]


def prompt_separator(level: str, prompt: str, continuation: str = "") -> str:
    """What goes between a prompt and its continuation when printed.

    Word-level continuations are whole words, so a prompt that does not end
    in whitespace gets a space (unless the continuation starts a new line);
    characters follow the prompt directly.

    Example:

    >>> prompt_separator("word", "the"), prompt_separator("char", "the")
    (' ', '')
    """
    if level == "word" and prompt and not prompt[-1].isspace() and not (
        continuation.startswith("\n")
    ):
        return " "
    return ""


def stream(model: keras.Model, tokenizer, prompt: str, max_new_tokens: int,
           temperature: float = 0.8, top_k: int = 0, top_p: float = 1.0,
           seed: int = 0) -> Iterator[str]:
    """Yields the continuation of `prompt` token by token, as text.

    A Python loop over the model's one-token step: the prompt is read once,
    then each token costs one step and is yielded at once, so a terminal
    can print it while the next is computed. Each token is drawn as the
    `"random"` sampler draws it (filtered logits plus the Gumbel noise of
    `(seed keyed by the prompt, position, token)`), so the text is the one
    `complete` gives with the same arguments; `temperature=0` picks the most probable token
    (greedy). The tokenizer's `unsampled_ids` are never picked.

    Args:
        model: a stateless model from `build_model`.
        tokenizer: the run's `Tokenizer`.
        prompt: str.
        max_new_tokens: int, tokens to add.
        temperature: float, `0` for greedy. Defaults to `0.8`.
        top_k: int, `0` disables. Defaults to `0`.
        top_p: float, `1` disables. Defaults to `1.0`.
        seed: int. Defaults to `0`.

    Yields:
        str, the text of each new token.
    """
    if temperature > 0:  # validates the arguments as `complete` would
        sampler = samplers.get("random", temperature=temperature,
                               top_k=top_k, top_p=top_p, seed=seed)
    else:
        sampler = samplers.get("greedy")
    next = ban_tokens(recurrent_next(make_step_fn(model)),
                      tokenizer.unsampled_ids)
    prompt_ids = tokenizer.encode(prompt)
    buffer = np.zeros((1, 1 + len(prompt_ids) + max_new_tokens), "int32")
    buffer[0, 0] = tokenizer.start_id
    buffer[0, 1 : 1 + len(prompt_ids)] = prompt_ids
    states = initial_states(model, 1)
    seeds = None
    if sampler.stochastic:  # keyed by the prompt, as the decode loop does
        in_prompt = np.arange(buffer.shape[1])[None] <= len(prompt_ids)
        seeds = sampler.row_keys(None, buffer, in_prompt)
    for index in range(1, buffer.shape[1]):
        logits, _, states = next(buffer, states, index)  # (1, vocabulary)
        if index <= len(prompt_ids):
            continue  # reading the prompt
        token, _ = sampler.next_token(logits, index, seeds)  # the loop's pick
        token = int(keras.ops.convert_to_numpy(token)[0])
        buffer[0, index] = token
        text = tokenizer.decode([token])
        yield text + " " if tokenizer.level == "word" and text != "\n" else text


@dataclasses.dataclass(frozen=True)
class GenerateConfig(BaseRunConfig):
    """What to sample.

    Args:
        prompts: tuple of str, prompt texts, one completion each; none
            continues the empty prompt (a fresh line). Defaults to `()`.
        run_dir: str, training run to load.
            Defaults to `"runs/language_model"`.
        max_new_tokens: int, tokens to add. Defaults to `200`.
        sampler: str, `"greedy"`, `"random"` (temperature, top-k and top-p
            sampling) or `"beam"`. Defaults to `"random"`.
        temperature: float in (0, 100] (`sampling.MAX_TEMPERATURE`),
            softmax temperature of `random`; `0` is greedy with `stream`.
            Defaults to `0.8`.
        top_k: int, `random` draws among the `top_k` most probable tokens;
            `0` disables. Defaults to `0`.
        top_p: float in (0, 1], `random` draws within the smallest set of
            tokens of this mass (nucleus); `1` disables. Defaults to `0.9`.
        num_beams: int, beams of the `beam` sampler. Defaults to `4`.
        stream: bool, print each token as it is made, drawn as `random`
            draws it (first prompt only). Defaults to `False`.
        acrostic: str, Tang poetry: one character per line start; writes an
            acrostic poem. Defaults to `""` (off).
        num_poems: int, Tang poetry: sample this many free poems and report
            the share that pass the format check. Defaults to `0` (off).
        num_lines: int, Tang poetry with `num_poems`: end every poem after
            4 or 8 lines; `0` lets the model decide. Defaults to `0`.
        line_length: int, characters per acrostic line, 5 or 7.
            Defaults to `5`.
    """

    prompts: tuple[str, ...] = dataclasses.field(
        default=(), metadata={"positional": True}
    )
    run_dir: str = "runs/language_model"
    max_new_tokens: int = 200
    sampler: str = "random"
    temperature: float = 0.8
    top_k: int = 0
    top_p: float = 0.9
    num_beams: int = 4
    stream: bool = False
    acrostic: str = ""
    num_poems: int = 0
    num_lines: int = 0
    line_length: int = 5

    def __post_init__(self):
        super().__post_init__()
        require_positive_integers(self, ("max_new_tokens", "num_beams"))
        require_non_negative(self, ("top_k", "num_poems"))
        require_choice(self, "sampler", SAMPLERS)
        require_choice(self, "num_lines", (0,) + LINE_COUNTS)
        require_choice(self, "line_length", LINE_LENGTHS)
        if not 0 < self.top_p <= 1:
            raise ValueError(
                f"Received `top_p={self.top_p}`; expected 0 < top_p <= 1."
            )
        greedy_stream = self.stream and self.temperature == 0
        if not (0 < self.temperature <= MAX_TEMPERATURE or greedy_stream):
            raise ValueError(
                f"Received `temperature={self.temperature}`; expected 0 < "
                f"temperature <= {MAX_TEMPERATURE:g} (0, greedy, only with "
                "`--stream true`; or use `--sampler greedy`)."
            )
        if self.stream and self.sampler == "beam":
            raise ValueError(
                "Received `stream=True` with `sampler='beam'`; expected "
                "`--sampler greedy` or `random` (beams are known only at "
                "the end)."
            )


def samples(restored: Restored, config: GenerateConfig) -> Iterator[str]:
    """The text `main` prints, piece by piece (token by token with `stream`).

    Args:
        restored: the run from `apps.framework.restore`.
        config: `GenerateConfig`.

    Yields:
        str pieces to print one after the other.
    """
    model, tokenizer = restored.model, restored.assets["tokenizer"]
    if config.acrostic:
        poem = poetry.acrostic_poem(
            model, tokenizer, config.acrostic, config.line_length,
            temperature=config.temperature, seed=config.seed,
        )
        yield f"{poem}\nformat: {poetry.check_poem(poem) or 'ok'}\n"
        return
    sampler = config.sampler
    if sampler == "beam":
        sampler = samplers.get("beam", num_beams=config.num_beams)
    sampling = dict(seed=config.seed, temperature=config.temperature,
                    top_k=config.top_k, top_p=config.top_p)
    if config.num_poems:
        poems = poetry.sample_poems(
            model, tokenizer, config.num_poems, config.max_new_tokens,
            sampler, num_lines=config.num_lines or None, **sampling,
        )
        yield "\n".join(poems) + "\n"
        yield f"format pass rate: {poetry.pass_rate(poems):.3f}\n"
        return
    prompts = list(config.prompts) or [""]
    if config.stream:
        yield prompts[0] + prompt_separator(tokenizer.level, prompts[0])
        greedy = config.sampler == "greedy"
        yield from stream(
            model, tokenizer, prompts[0], config.max_new_tokens,
            0.0 if greedy else config.temperature, config.top_k,
            config.top_p, config.seed,
        )
        yield "\n"
        return
    completions = complete(model, tokenizer, prompts, config.max_new_tokens,
                           sampler, **sampling)
    for prompt, text in zip(prompts, completions):
        yield prompt + prompt_separator(tokenizer.level, prompt, text) + text
        yield "\n"


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m apps.language_model.generate`."""
    return config_parser(
        APP.command("generate"),
        "Sample text (or Tang poems) from a trained language model.",
        GenerateConfig,
    )


def main(argv=None) -> None:
    """Parses the command line and prints the samples."""
    parser = build_parser()
    with cli_errors(parser.prog):
        (config,) = parse_configs(parser, argv, GenerateConfig)
        seed_everything(config.seed)
        for piece in samples(restore(APP, config.run_dir), config):
            print(piece, end="", flush=True)


if __name__ == "__main__":
    main()
