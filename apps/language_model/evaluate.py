"""Scores a trained language model on a split: loss, bits/token, perplexity.

Two protocols, both over the whole split:

- `windows` (the benchmark protocol of BENCHMARKS.md): every
  non-overlapping window of `--window` tokens (64 characters for
  tinyshakespeare) is read from a zero state, and the mean cross-entropy of
  its `window` next-token predictions is reported;
- `stream` (the model's natural full context): the split is cut into
  `--streams` contiguous rows read left to right with the state carried
  along, so every prediction sees all the text before it in its row.

Loss is in nats per token; bits per token = loss / ln 2 (bits per
character at char level); perplexity = exp(loss) (the PTB figure).
Tinyshakespeare has no test split; its `test` falls back to validation.

Example:

```
python -m apps.language_model.evaluate --run_dir runs/shakespeare \\
    --data_dir ../shared/data/tinyshakespeare --split validation
```
"""

import argparse
import dataclasses
import math

import keras
import numpy as np

from apps.language_model import data
from apps.language_model.model import build_model


def window_loss(model: keras.Model, ids: np.ndarray, window: int,
                batch_size: int = 256) -> float:
    """Mean nats per token over all non-overlapping windows from zero state."""
    inputs, targets = data.eval_windows(ids, window)
    total, count = 0.0, 0
    for start in range(0, len(inputs), batch_size):
        logits = model.predict_on_batch(inputs[start : start + batch_size])
        total += _sum_nll(logits, targets[start : start + batch_size])
        count += targets[start : start + batch_size].size
    return total / count


def _sum_nll(logits, targets) -> float:
    logits = np.asarray(keras.ops.convert_to_numpy(logits), "float64")
    logits -= logits.max(axis=-1, keepdims=True)
    log_z = np.log(np.exp(logits).sum(axis=-1))  # (batch, time)
    picked = np.take_along_axis(logits, targets[..., None], axis=-1)[..., 0]
    return float((log_z - picked).sum())


def stream_loss(model: keras.Model, model_config, ids: np.ndarray,
                streams: int = 8, chunk: int = 256) -> float:
    """Mean nats per token reading `streams` contiguous rows, state carried."""
    rows = data.stream_rows(ids, streams)  # (streams, per_row)
    stateful = build_model(model_config, stateful_batch_size=streams)
    stateful.set_weights(model.get_weights())
    total, count = 0.0, 0
    for start in range(0, rows.shape[1] - 1, chunk):
        inputs = rows[:, start : min(start + chunk, rows.shape[1] - 1)]
        targets = rows[:, start + 1 : start + 1 + inputs.shape[1]]
        total += _sum_nll(stateful.predict_on_batch(inputs), targets)
        count += targets.size
    return total / count


def evaluate(run_dir: str, split: str = "validation", data_dir: str = "",
             window: int = 64, streams: int = 8) -> dict:
    """Rebuilds the model from `run_dir` and scores one split.

    Returns:
        dict with `split`, `tokens`, `window_loss`, `stream_loss`,
        `bits_per_token`, `perplexity` (the last two from `window_loss`).
    """
    from apps.language_model.train import load_train_corpus, restore_model

    model, tokenizer, model_config, train_config = restore_model(run_dir)
    if data_dir:
        train_config = dataclasses.replace(train_config, data_dir=data_dir)
    corpus = load_train_corpus(train_config)
    text = {"train": corpus.train, "validation": corpus.validation,
            "test": corpus.test or corpus.validation}.get(split)
    if text is None:
        raise ValueError(
            f"Received `split={split!r}`; expected train, validation or test."
        )
    ids = tokenizer.encode(text)
    loss = window_loss(model, ids, window)
    return {
        "split": split,
        "tokens": int(len(ids)),
        "window_loss": loss,
        "stream_loss": stream_loss(model, model_config, ids, streams),
        "bits_per_token": loss / math.log(2),
        "perplexity": math.exp(loss),
    }


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m apps.language_model.evaluate`."""
    parser = argparse.ArgumentParser(
        prog="python -m apps.language_model.evaluate",
        description="Loss (nats/token), bits per token and perplexity of a "
        "trained language model on a split.",
    )
    parser.add_argument("--run_dir", default="runs/language_model",
                        help="training run to load "
                        "(default: 'runs/language_model')")
    parser.add_argument("--split", default="test",
                        choices=("train", "validation", "test"),
                        help="split to score (default: 'test')")
    parser.add_argument("--data_dir", default="",
                        help="dataset folder (default: the run's)")
    parser.add_argument("--window", type=int, default=64,
                        help="tokens per window of the window protocol "
                        "(default: 64)")
    parser.add_argument("--streams", type=int, default=8,
                        help="rows of the full-context protocol (default: 8)")
    parser.add_argument("--seed", type=int, default=0,
                        help="random seed (default: 0)")
    return parser


def main(argv=None) -> None:
    """Parses the command line and prints the scores."""
    args = build_parser().parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    try:
        result = evaluate(args.run_dir, args.split, args.data_dir,
                          args.window, args.streams)
    except (ValueError, FileNotFoundError) as error:
        raise SystemExit(str(error)) from None
    for key, value in result.items():
        print(f"{key:>15}: {value:.4f}" if isinstance(value, float)
              else f"{key:>15}: {value}")


if __name__ == "__main__":
    main()
