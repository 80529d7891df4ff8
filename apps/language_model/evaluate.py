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
import pandas

from apps.framework import BaseRunConfig
from apps.framework import Restored
from apps.framework import cli_errors
from apps.framework import config_parser
from apps.framework import parse_configs
from apps.framework import restore
from apps.framework import seed_everything
from apps.framework.flags import require_choice
from apps.framework.flags import require_positive_integers
from apps.language_model import data
from apps.language_model.config import APP
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


SPLITS = ("train", "validation", "test")


def evaluate(restored: Restored, split: str = "test", data_dir: str = "",
             window: int = 64, streams: int = 8) -> dict:
    """Scores the restored model on one split of its corpus.

    Args:
        restored: the run from `apps.framework.restore`.
        split: str, one of `SPLITS`. Defaults to `"test"`.
        data_dir: str, the dataset folder; `""` uses the run's.
            Defaults to `""`.
        window: int, tokens per window of the window protocol.
            Defaults to `64`.
        streams: int, rows of the full-context protocol. Defaults to `8`.

    Returns:
        dict with `split`, `tokens`, `window_loss`, `stream_loss`,
        `bits_per_token`, `perplexity` (the last two from `window_loss`).
    """
    train_config = restored.train_config
    if data_dir:
        train_config = dataclasses.replace(train_config, data_dir=data_dir)
    corpus = data.load_train_corpus(train_config)
    text = {"train": corpus.train, "validation": corpus.validation,
            "test": corpus.test or corpus.validation}[split]
    ids = restored.assets["tokenizer"].encode(text)
    loss = window_loss(restored.model, ids, window)
    return {
        "split": split,
        "tokens": int(len(ids)),
        "window_loss": loss,
        "stream_loss": stream_loss(
            restored.model, restored.model_config, ids, streams),
        "bits_per_token": loss / math.log(2),
        "perplexity": math.exp(loss),
    }


@dataclasses.dataclass(frozen=True)
class EvaluateConfig(BaseRunConfig):
    """What to score.

    Args:
        run_dir: str, training run to load.
            Defaults to `"runs/language_model"`.
        split: str, `"train"`, `"validation"` or `"test"` (tinyshakespeare
            has no test split: `test` scores validation). Defaults to
            `"test"`.
        data_dir: str, dataset folder; `""` uses the run's. Defaults to
            `""`.
        window: int, tokens per window of the window protocol.
            Defaults to `64`.
        streams: int, rows of the full-context protocol. Defaults to `8`.
    """

    run_dir: str = "runs/language_model"
    split: str = "test"
    data_dir: str = ""
    window: int = 64
    streams: int = 8

    def __post_init__(self):
        super().__post_init__()
        require_choice(self, "split", SPLITS)
        require_positive_integers(self, ("window", "streams"))


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m apps.language_model.evaluate`."""
    return config_parser(
        APP.command("evaluate"),
        "Loss (nats/token), bits per token and perplexity of a trained "
        "language model on a split.",
        EvaluateConfig,
    )


def main(argv=None) -> None:
    """Parses the command line and prints the scores as a table."""
    parser = build_parser()
    with cli_errors(parser.prog):
        (config,) = parse_configs(parser, argv, EvaluateConfig)
        seed_everything(config.seed)
        result = evaluate(
            restore(APP, config.run_dir), config.split, config.data_dir,
            config.window, config.streams,
        )
    table = pandas.DataFrame([result])
    print(table.to_string(index=False, float_format="{:.4f}".format))


if __name__ == "__main__":
    main()
