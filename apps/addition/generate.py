"""Answers addition problems with a trained adder, from its run directory.

Works on any Keras backend: parsing and decoding happen in numpy here (the
exported SavedModel does the same with `tf.strings` ops).

Example:

```
python -m apps.addition.generate --run_dir runs/addition 123+456 99+1
python -m apps.addition.generate --run_dir runs/addition --num_samples 5
```
"""

import dataclasses

import keras
import numpy as np

from apps.addition import data
from apps.addition.config import APP
from apps.framework import BaseRunConfig
from apps.framework import config_parser
from apps.framework import entry_point
from apps.framework import restore
from apps.framework.flags import require_positive_integers


def add(model: keras.Model, problems: list[str]) -> list[str]:
    """Answers problems such as `"123+456"` with the model.

    Args:
        model: the trained adder.
        problems: list of str, each two non-negative integers joined by
            `+` with at most `data.MAX_INT64_DIGITS` digits.

    Returns:
        list of str, the model's sums (`"579"`).

    Raises:
        ValueError: if a problem is malformed (see `data.parse_problem`).

    Example:

    >>> add(model, ["123+456"])
    ['579']
    """
    if not problems:
        return []
    pairs = [data.parse_problem(text) for text in problems]
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    num_steps = len(str(int(max(a.max(), b.max())))) + 1
    inputs, _ = data.encode(a, b, num_steps)  # (batch, num_steps, 2)
    logits = model.predict(inputs, verbose=0)  # (batch, num_steps, 10)
    return data.decode(np.argmax(logits, axis=-1))


def generate(
    run_dir: str, problems: list[str], num_samples: int, seed: int
) -> list[tuple[str, str, str]]:
    """Rebuilds the model from `run_dir` and answers problems.

    Args:
        run_dir: str, a training run directory.
        problems: list of str to answer; when empty, `num_samples` random
            held-out problems of the trained length are drawn instead.
        num_samples: int, random problems to draw when `problems` is empty.
        seed: int, seeds the random problems.

    Returns:
        list of `(problem, model answer, true answer)`.
    """
    restored = restore(APP, run_dir)
    model, train_config = restored.model, restored.train_config
    if not problems:
        rng = np.random.default_rng(seed)
        a, b = data.sample_operands(
            rng, num_samples, train_config.max_digits, held_out=True
        )
        problems = data.format_problems(a, b)
    answers = add(model, problems)
    truths = [str(sum(data.parse_problem(p))) for p in problems]
    return list(zip(problems, answers, truths))


@dataclasses.dataclass(frozen=True)
class GenerateConfig(BaseRunConfig):
    """What to answer.

    Args:
        problems: tuple of str, problems such as `123+456`; none draws
            `num_samples` random held-out ones. Defaults to `()`.
        run_dir: str, training run to load. Defaults to `"runs/addition"`.
        num_samples: int, random problems when none are given.
            Defaults to `8`.
    """

    problems: tuple[str, ...] = dataclasses.field(
        default=(), metadata={"positional": True}
    )
    run_dir: str = "runs/addition"
    num_samples: int = 8

    def __post_init__(self):
        super().__post_init__()
        require_positive_integers(self, "num_samples")


def build_parser():
    """The command line of `python -m apps.addition.generate`."""
    return config_parser(
        APP.command("generate"),
        "Answer addition problems with a trained adder.",
        GenerateConfig,
    )


def main(argv=None) -> None:
    """Parses the command line and prints `problem = answer` lines."""
    with entry_point(build_parser(), argv, GenerateConfig) as (config,):
        results = generate(
            config.run_dir, list(config.problems), config.num_samples,
            config.seed,
        )
    for problem, answer, truth in results:
        mark = "ok" if answer == truth else f"wrong, expected {truth}"
        print(f"{problem} = {answer}  ({mark})")


if __name__ == "__main__":
    main()
