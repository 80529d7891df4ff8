"""Language-model quality against wall-clock: validation loss per budget.

For each wall-clock budget (seconds of training on this machine), one run:

1. calibration: `--calibration_steps` steps of the same model measure the
   step time (not counted in the budget);
2. a fresh run of `apps.language_model.train` with as many steps as fit in
   the budget, so the cosine schedule anneals exactly at the budget (as the
   nanoGPT anchors are separate runs of 2000 and 20000 iterations);
3. evaluation on the validation split with both protocols of
   `apps.language_model.evaluate`: every non-overlapping 64-token window
   from a zero state (BENCHMARKS.md), and the full-context stream loss.

Prints a Markdown table and writes
`benchmarks/results/language_model_quality.csv` (one row per budget:
dataset, backend, config, steps, train seconds, both losses).

Example (the 90 s and 13 min tinyshakespeare points):

    KERAS_BACKEND=tensorflow python benchmarks/language_model_quality.py \\
        --dataset tinyshakespeare --data_dir ../shared/data/tinyshakespeare \\
        --budgets 90 780
"""

import argparse
import dataclasses
import os
import sys
import tempfile
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from apps.framework import restore  # noqa: E402
from apps.language_model import data, evaluate, train  # noqa: E402
from apps.language_model.config import APP, TrainConfig  # noqa: E402
from apps.language_model.model import ModelConfig, build_model  # noqa: E402
from datasets.vocabulary import build_tokenizer  # noqa: E402
from benchmarks.reporting import cpu_description  # noqa: E402
from benchmarks.reporting import markdown_table, write_csv  # noqa: E402

COLUMNS = ("dataset", "budget_s", "steps", "train_s", "window_loss",
           "stream_loss")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="tinyshakespeare",
                        help="corpus name (default: tinyshakespeare)")
    parser.add_argument("--data_dir", default="../shared/data/tinyshakespeare",
                        help="dataset folder")
    parser.add_argument("--budgets", type=float, nargs="+", default=[90.0],
                        help="training seconds per run (default: 90)")
    parser.add_argument("--calibration_steps", type=int, default=30,
                        help="steps timed to size each run (default: 30)")
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--sequence_length", type=int, default=64)
    parser.add_argument("--learning_rate", type=float, default=0.004)
    parser.add_argument("--warmup_steps", type=int, default=50)
    parser.add_argument("--units", type=int, default=256)
    parser.add_argument("--num_layers", type=int, default=2)
    parser.add_argument("--embedding_dim", type=int, default=64)
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--cell", default="lstm")
    parser.add_argument("--window", type=int, default=64,
                        help="evaluation window (default: 64)")
    parser.add_argument("--output",
                        default="benchmarks/results/language_model_quality.csv")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--run_dir", default="",
                        help="keep each run in <run_dir>/<budget>s (for "
                        "`generate`); default: a temporary folder")
    return parser


def _configs(args, run_dir: str, steps: int):
    model_config = ModelConfig(
        embedding_dim=args.embedding_dim, units=args.units,
        num_layers=args.num_layers, cell=args.cell, dropout=args.dropout)
    per_epoch = min(100, steps)
    config = TrainConfig(
        run_dir=run_dir, dataset=args.dataset, data_dir=args.data_dir,
        epochs=max(1, steps // per_epoch), steps_per_epoch=per_epoch,
        batch_size=args.batch_size, sequence_length=args.sequence_length,
        learning_rate=args.learning_rate, warmup_steps=args.warmup_steps,
        validation_examples=0, export_dir="", seed=args.seed)
    return model_config, config


def seconds_per_step(args, corpus) -> float:
    """Seconds per training step, timed after one warm-up `fit` call."""
    model_config, config = _configs(args, "unused", args.calibration_steps)
    tokenizer = build_tokenizer(corpus.train, corpus.level)
    model = build_model(dataclasses.replace(
        model_config, vocabulary_size=tokenizer.vocabulary_size))
    train.compile_model(model, config)
    ids = data.encode_split(tokenizer, corpus.train[:200_000])
    inputs, targets = train.epoch_data(config, ids, 0)
    model.fit(inputs, targets, batch_size=config.batch_size, verbose=0)
    started = time.perf_counter()
    model.fit(inputs, targets, batch_size=config.batch_size, verbose=0)
    return (time.perf_counter() - started) / args.calibration_steps


def run(args, budget: float, corpus) -> dict:
    step_time = seconds_per_step(args, corpus)
    steps = max(100, int(budget / step_time) // 100 * 100)
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = os.path.join(args.run_dir, f"{budget:g}s") if (
            args.run_dir) else tmp
        model_config, config = _configs(args, run_dir, steps)
        keras.utils.set_random_seed(args.seed)
        started = time.perf_counter()
        model = train.train(model_config, config, verbose=2, corpus=corpus)
        train_s = time.perf_counter() - started
        restored = restore(APP, run_dir)
    ids = restored.assets["tokenizer"].encode(corpus.validation)
    return {
        "dataset": args.dataset, "backend": keras.backend.backend(),
        "config": f"{args.num_layers}x{args.units} {args.cell}",
        "budget_s": budget, "steps": config.epochs * config.steps_per_epoch,
        "train_s": round(train_s, 1),
        "window_loss": round(evaluate.window_loss(model, ids, args.window), 4),
        "stream_loss": round(
            evaluate.stream_loss(model, restored.model_config, ids), 4),
    }


def main(argv=None) -> None:
    args = build_parser().parse_args(argv)
    print(f"CPU: {cpu_description()}")
    corpus = data.load_train_corpus(TrainConfig(
        dataset=args.dataset, data_dir=args.data_dir))
    rows = [run(args, budget, corpus) for budget in args.budgets]
    shown = [{k: f"{v:.4f}" if k.endswith("loss") else v
              for k, v in row.items()} for row in rows]
    print(markdown_table(shown, COLUMNS))
    write_csv(rows, args.output)
    print(f"Wrote {args.output}")


if __name__ == "__main__":
    main()
