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

import argparse

import keras
import numpy as np

from apps.addition import data
from apps.addition.train import restore_model


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
    if num_examples < 1:
        raise ValueError(
            f"Received `num_examples={num_examples}`; expected >= 1."
        )
    model, _, _ = restore_model(run_dir)
    rng = np.random.default_rng(seed)
    return [score(model, d, num_examples, rng) for d in digit_lengths]


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m apps.addition.evaluate`."""
    parser = argparse.ArgumentParser(
        prog="python -m apps.addition.evaluate",
        description="Exact-match accuracy of a trained adder on held-out "
        "problems of the trained length and on longer numbers.",
    )
    parser.add_argument(
        "--run_dir",
        default="runs/addition",
        help="training run to load (default: 'runs/addition')",
    )
    parser.add_argument(
        "--digits",
        type=int,
        nargs="+",
        default=[3, 5],
        help="operand lengths to score (default: 3 5)",
    )
    parser.add_argument(
        "--num_examples",
        type=int,
        default=2000,
        help="problems per length (default: 2000)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="random seed (default: 0)"
    )
    return parser


def main(argv=None) -> None:
    """Parses the command line and prints a table."""
    args = build_parser().parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    try:
        rows = evaluate(args.run_dir, args.digits, args.num_examples, args.seed)
    except (ValueError, FileNotFoundError) as error:
        raise SystemExit(str(error)) from None
    print(f"{'digits':>6}  {'examples':>8}  {'exact match':>11}  {'digit acc':>9}")
    for row in rows:
        print(
            f"{row['digits']:>6}  {row['examples']:>8}  "
            f"{row['exact_match']:>11.4f}  {row['digit_accuracy']:>9.4f}"
        )


if __name__ == "__main__":
    main()
