"""Samples text from a trained language model, from its run directory.

Works on any Keras backend. The sampler is one of `rnn_layers.samplers`
(`greedy`, `random`, `top_k`, `top_p`, `beam`); the recurrent cells step
once per token, so each new token costs the same whatever came before.

Examples:

```
python -m apps.language_model.generate --run_dir runs/language_model \\
    --prompt "The " --max_new_tokens 300 --sampler top_p --top_p 0.9
python -m apps.language_model.generate --run_dir runs/language_model \\
    --prompt "def " --stream --temperature 0.7     # prints token by token
python -m apps.language_model.generate --run_dir runs/tang \\
    --acrostic 春夏秋冬 --line_length 7
python -m apps.language_model.generate --run_dir runs/tang --num_poems 100 \\
    --max_new_tokens 80                              # format pass rate
```
"""

import argparse

import keras
import numpy as np

from apps.language_model.sampling import generate_ids
from rnn_layers import samplers

SAMPLERS = ("greedy", "random", "top_k", "top_p", "beam")


def make_sampler(name: str, temperature: float = 1.0, top_k: int = 5,
                 top_p: float = 0.9, num_beams: int = 4,
                 seed: int | None = None):
    """A sampler by short name with its arguments.

    Raises:
        ValueError: for an unknown name or a bad argument.
    """
    if name not in SAMPLERS:
        raise ValueError(
            f"Received `sampler={name!r}`; expected one of {SAMPLERS}."
        )
    kwargs = {"temperature": temperature}
    if name in ("random", "top_k", "top_p"):
        kwargs["seed"] = seed
    if name == "top_k":
        kwargs["k"] = top_k
    elif name == "top_p":
        kwargs["p"] = top_p
    elif name == "beam":
        kwargs["num_beams"] = num_beams
    cls = type(samplers.get(name))
    return cls(**kwargs)


def complete(model: keras.Model, tokenizer, prompts: list[str],
             max_new_tokens: int, sampler="greedy", seed=None) -> list[str]:
    """Continues each prompt by `max_new_tokens` tokens.

    Args:
        model: a stateless model from `build_model`.
        tokenizer: the run's `Tokenizer`.
        prompts: list of str (may be empty strings).
        max_new_tokens: int, tokens to add.
        sampler: a short name or a `Sampler`. Defaults to `"greedy"`.
        seed: optional int for the sampler's draws.

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
        sampler=sampler, seed=seed, banned_ids=tokenizer.unsampled_ids,
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


def filter_probabilities(probabilities: np.ndarray, top_k: int = 0,
                         top_p: float = 1.0) -> np.ndarray:
    """Keeps the top-k / top-p tokens of a `(vocabulary,)` distribution.

    `top_k <= 0` and `top_p >= 1` disable the filters; the most probable
    token always stays. Returns the renormalised probabilities.
    """
    order = np.argsort(-probabilities, kind="stable")
    ranked = probabilities[order]
    keep = np.cumsum(ranked) - ranked < top_p
    if top_k > 0:
        keep[top_k:] = False
    keep[0] = True
    kept = np.zeros_like(probabilities)
    kept[order[keep]] = ranked[keep]
    return kept / kept.sum()


def stream(model: keras.Model, tokenizer, prompt: str, max_new_tokens: int,
           temperature: float = 0.8, top_k: int = 0, top_p: float = 1.0,
           seed: int = 0):
    """Yields the continuation of `prompt` token by token, as text.

    A Python loop over the model's one-token step (`make_step_fn`): the
    prompt is read once, then each token costs one step and is yielded at
    once, so a terminal can print it while the next is computed.
    `temperature=0` picks the most probable token (greedy). The tokenizer's
    `unsampled_ids` are never picked.

    Yields:
        str, the text of each new token.
    """
    from apps.language_model.model import initial_states, make_step_fn

    step = make_step_fn(model)
    states = initial_states(model, 1)
    rng = np.random.default_rng(seed)
    token = tokenizer.start_id
    for token_id in tokenizer.encode(prompt):  # read the prompt
        _, states = step(np.array([token], "int32"), states)
        token = int(token_id)
    for _ in range(max_new_tokens):
        logits, states = step(np.array([token], "int32"), states)
        logits = np.asarray(keras.ops.convert_to_numpy(logits)[0], "float64")
        logits[list(tokenizer.unsampled_ids)] = -np.inf
        if temperature <= 0:
            token = int(np.argmax(logits))
        else:
            z = logits / temperature
            probabilities = np.exp(z - z.max())
            probabilities = filter_probabilities(
                probabilities / probabilities.sum(), top_k, top_p)
            token = int(rng.choice(len(probabilities), p=probabilities))
        text = tokenizer.decode([token])
        yield text + " " if tokenizer.level == "word" and text != "\n" else text


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m apps.language_model.generate`."""
    parser = argparse.ArgumentParser(
        prog="python -m apps.language_model.generate",
        description="Sample text (or Tang poems) from a trained model.",
    )
    parser.add_argument("--run_dir", default="runs/language_model",
                        help="training run to load "
                        "(default: 'runs/language_model')")
    parser.add_argument("--prompt", action="append", default=None,
                        help="prompt text; repeat for a batch (default: '')")
    parser.add_argument("--max_new_tokens", type=int, default=200,
                        help="tokens to add (default: 200)")
    parser.add_argument("--sampler", default="top_p", choices=SAMPLERS,
                        help="decoding method (default: 'top_p')")
    parser.add_argument("--temperature", type=float, default=0.8,
                        help="softmax temperature (default: 0.8)")
    parser.add_argument("--top_k", type=int, default=5,
                        help="k of the top_k sampler (default: 5)")
    parser.add_argument("--top_p", type=float, default=0.9,
                        help="p of the top_p sampler (default: 0.9)")
    parser.add_argument("--num_beams", type=int, default=4,
                        help="beams of the beam sampler (default: 4)")
    parser.add_argument("--stream", action="store_true",
                        help="print each token as it is made (first prompt "
                        "only; temperature, top_k, top_p apply; "
                        "temperature 0 is greedy)")
    parser.add_argument("--acrostic", default="",
                        help="Tang poetry: one character per line start; "
                        "writes an acrostic poem (default: off)")
    parser.add_argument("--num_poems", type=int, default=0,
                        help="Tang poetry: sample this many free poems and "
                        "report the share that pass the format check "
                        "(default: 0, off)")
    parser.add_argument("--num_lines", type=int, default=0,
                        help="Tang poetry with --num_poems: end every poem "
                        "after 4 or 8 lines (default: 0, the model decides)")
    parser.add_argument("--line_length", type=int, default=5,
                        help="characters per poem line, 5 or 7 (default: 5)")
    parser.add_argument("--seed", type=int, default=0,
                        help="random seed (default: 0)")
    return parser


def main(argv=None) -> None:
    """Parses the command line and prints the samples."""
    args = build_parser().parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    try:
        from apps.language_model.train import restore_model

        model, tokenizer, _, _ = restore_model(args.run_dir)
        if args.acrostic:
            from apps.language_model import poetry

            poem = poetry.acrostic_poem(
                model, tokenizer, args.acrostic, args.line_length,
                temperature=args.temperature, seed=args.seed,
            )
            print(poem)
            print("format:", poetry.check_poem(poem) or "ok")
            return
        sampler = make_sampler(args.sampler, args.temperature, args.top_k,
                               args.top_p, args.num_beams, args.seed)
        if args.num_poems > 0:
            from apps.language_model import poetry

            poems = poetry.sample_poems(model, tokenizer, args.num_poems,
                                        args.max_new_tokens, sampler,
                                        args.seed, args.num_lines or None)
            print("\n".join(poems))
            print(f"format pass rate: {poetry.pass_rate(poems):.3f}")
            return
        prompts = args.prompt or [""]
        if args.stream:
            print(prompts[0] + prompt_separator(tokenizer.level, prompts[0]),
                  end="", flush=True)
            for text in stream(model, tokenizer, prompts[0],
                               args.max_new_tokens, args.temperature,
                               args.top_k if args.sampler == "top_k" else 0,
                               args.top_p if args.sampler == "top_p" else 1.0,
                               args.seed):
                print(text, end="", flush=True)
            print()
            return
        for prompt, text in zip(prompts, complete(
                model, tokenizer, prompts, args.max_new_tokens, sampler,
                args.seed)):
            separator = prompt_separator(tokenizer.level, prompt, text)
            print(prompt + separator + text)
    except (ValueError, FileNotFoundError) as error:
        raise SystemExit(str(error)) from None


if __name__ == "__main__":
    main()
