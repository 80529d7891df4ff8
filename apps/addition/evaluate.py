"""Scores a trained adder: exact match on held-out and longer numbers.

Reports, for each requested operand length, the share of problems whose whole
sum is right (exact match) and the share of right digits. The trained length
is scored on held-out pairs only (never seen in training, see
`data.is_held_out`); longer lengths measure generalisation to more digits
than the model was trained on.

Example:

```
python -m apps.addition.evaluate --run_dir runs/addition --digits 3 5
```
"""

import dataclasses

import keras
import numpy as np
import pandas

from apps.addition import data
from apps.addition.config import APP
from apps.framework import BaseRunConfig
from apps.framework import config_parser
from apps.framework import entry_point
from apps.framework import restore
from apps.framework.flags import require_positive_integers


def score(
    model: keras.Model,
    digits: int,
    num_examples: int,
    rng: np.random.Generator,
    batch_size: int = 1000,
) -> dict[str, float]:
    """Exact-match and digit accuracy on `digits`-digit held-out problems.

    Both operands have exactly `digits` digits.

    Args:
        model: the trained adder.
        digits: int, operand length.
        num_examples: int, problems to score.
        rng: `np.random.Generator` drawing the problems.
        batch_size: int, problems per forward pass. Defaults to `1000`.

    Returns:
        dict with `digits`, `examples`, `exact_match`, `digit_accuracy`.
    """
    a, b = data.sample_operands(
        rng, num_examples, digits, min_digits=digits, held_out=True
    )
    inputs, targets = data.encode(a, b, data.num_steps_for(digits))
    logits = model.predict(inputs, batch_size=batch_size, verbose=0)
    correct = np.argmax(logits, axis=-1) == targets  # (batch, num_steps)
    return {
        "digits": digits,
        "examples": num_examples,
        "exact_match": float(correct.all(axis=-1).mean()),
        "digit_accuracy": float(correct.mean()),
    }


def evaluate(
    run_dir: str, digit_lengths: list[int], num_examples: int, seed: int
) -> list[dict[str, float]]:
    """Rebuilds the model from `run_dir` and scores each operand length.

    Args:
        run_dir: str, a training run directory.
        digit_lengths: list of int operand lengths.
        num_examples: int, problems per length.
        seed: int, seeds the problems.

    Returns:
        list of `score` dicts, one per length.
    """
    model = restore(APP, run_dir).model
    rng = np.random.default_rng(seed)
    return [score(model, d, num_examples, rng) for d in digit_lengths]


@dataclasses.dataclass(frozen=True)
class EvaluateConfig(BaseRunConfig):
    """What to score.

    Args:
        run_dir: str, training run to load. Defaults to `"runs/addition"`.
        digits: tuple of int, operand lengths to score. Defaults to
            `(3, 5)`.
        num_examples: int, problems per length. Defaults to `2000`.
    """

    run_dir: str = "runs/addition"
    digits: tuple[int, ...] = (3, 5)
    num_examples: int = 2000

    def __post_init__(self):
        super().__post_init__()
        require_positive_integers(self, "num_examples")
        for length in self.digits:
            data.num_steps_for(length)  # validates each length


def build_parser():
    """The command line of `python -m apps.addition.evaluate`."""
    return config_parser(
        APP.command("evaluate"),
        "Exact-match accuracy of a trained adder on held-out "
        "problems of the trained length and on longer numbers.",
        EvaluateConfig,
    )


def main(argv=None) -> None:
    """Parses the command line and prints a table."""
    with entry_point(build_parser(), argv, EvaluateConfig) as (config,):
        rows = evaluate(
            config.run_dir, list(config.digits), config.num_examples,
            config.seed,
        )
    table = pandas.DataFrame(rows).rename(columns={
        "exact_match": "exact match", "digit_accuracy": "digit acc"})
    print(table.to_string(index=False, float_format="{:.4f}".format))


if __name__ == "__main__":
    main()
