"""Char language models at equal wall-clock: our LSTM against a transformer.

For each budget, and for each model in turn (interleaved, one process):

1. the model is built and compiled (not counted), the recurrent one with
   the app's `build_model` and `TrainConfig` defaults (Adam, gradient-norm
   clip 5), the transformer with `benchmarks.transformer_baseline` (nanoGPT's
   CPU size and optimizer);
2. it trains on random windows of the training split drawn by the app's
   `train.epoch_data` until the measured wall-clock reaches the budget
   (`benchmarks.wallclock`); the learning rate warms up, then follows a
   cosine to 0 at the budget, driven by elapsed seconds, not steps (its
   time counts from the end of the first step, so tracing leaves the
   warm-up alone);
3. the final evaluation scores the whole validation split with the app's
   `evaluate.window_loss` (every non-overlapping 64-character window from
   a zero state, BENCHMARKS.md) and, for the recurrent model,
   `evaluate.stream_loss` (full context).

What counts in the budget: everything from just before `model.fit` until
the first batch that ends past the budget, i.e. every training step (the
first one's tracing included), drawing the batches, setting the learning
rate, and the `--curve_points - 1` curve evaluations (loss on a fixed
subset of `--curve_windows` validation windows, evenly spread over the
split). Not counted: loading and tokenizing the corpus, building the model,
and the final evaluation, reported apart as `eval_s`. So `train_s +
curve_s` is the budget plus less than one step (and at most one curve
evaluation), and `total_s = train_s +
curve_s + eval_s`. `first_step_s` (inside `train_s`) is the time to the
end of the first step, mostly graph tracing. `cpu_s` is this process's
CPU time over the budgeted seconds: pinned to an otherwise idle core it
was 82-86% of `train_s + curve_s` here; much less means other work
shared the core, and the run's steps (and losses) suffered.

Prints the CPU line and a Markdown table, and writes one CSV row per
(model, budget) to `--output`, the loss curve to `<output>_curve.csv`
(curve points, then each run's final evaluation) and, with `--plot`, a
PNG of validation loss against seconds.

Example (the 3 and 15 minute tinyshakespeare points, pinned to one core):

    taskset -c 0 python benchmarks/language_model_quality.py \\
        --dataset tinyshakespeare --data_dir ../shared/data/tinyshakespeare \\
        --budgets 180 900 --plot benchmarks/results/language_model_quality.png
"""

import argparse
import dataclasses
import os
import pathlib
import sys
import time
from typing import Callable

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from apps.framework import EpochBatches, start_run  # noqa: E402
from apps.framework.run_directory import save_checkpoint  # noqa: E402
from apps.language_model import data, evaluate, train  # noqa: E402
from apps.language_model.config import APP, TrainConfig  # noqa: E402
from apps.language_model.model import ModelConfig, build_model  # noqa: E402
from benchmarks.loss_plot import plot_loss_curves  # noqa: E402
from benchmarks.reporting import cpu_description  # noqa: E402
from benchmarks.reporting import save_csv  # noqa: E402
from benchmarks.transformer_baseline import TransformerConfig  # noqa: E402
from benchmarks.transformer_baseline import build_transformer  # noqa: E402
from benchmarks.transformer_baseline import nanogpt_optimizer  # noqa: E402
from benchmarks.wallclock import train_within_budget  # noqa: E402
from datasets.text import TextCorpus  # noqa: E402
from datasets.vocabulary import build_tokenizer  # noqa: E402

MODELS = ("lstm", "transformer")
# Decimals shown in the printed table (the CSV keeps every digit).
DIGITS = {"first_step_s": 1, "train_s": 1, "curve_s": 1, "cpu_s": 1,
          "eval_s": 1, "total_s": 1, "window_loss": 4, "stream_loss": 4}


def build_parser() -> argparse.ArgumentParser:
    """The command line (defaults: both models, 180 s, tinyshakespeare)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add = parser.add_argument
    add("--dataset", default="tinyshakespeare",
        help="corpus name (default: tinyshakespeare)")
    add("--data_dir", default="../shared/data/tinyshakespeare",
        help="dataset folder (default: ../shared/data/tinyshakespeare)")
    add("--models", nargs="+", choices=MODELS, default=list(MODELS),
        help="models to train, in this order per budget (default: both)")
    add("--budgets", type=float, nargs="+", default=[180.0],
        help="wall-clock seconds per run, training plus curve evaluations "
        "(default: 180)")
    add("--warmup_fraction", type=float, default=0.05,
        help="share of each budget spent warming the rate up (default: 0.05)")
    add("--curve_points", type=int, default=10,
        help="the curve evaluates at k/N of the budget, k < N (default: 10)")
    add("--curve_windows", type=int, default=256,
        help="validation windows scored at each curve point (default: 256)")
    add("--sequence_length", type=int, default=64,
        help="training window, and the transformer's context (default: 64)")
    add("--window", type=int, default=64,
        help="evaluation window in tokens (default: 64)")
    add("--units", type=int, default=256,
        help="recurrent units per layer (default: 256)")
    add("--num_layers", type=int, default=2,
        help="recurrent layers (default: 2)")
    add("--embedding_dim", type=int, default=64,
        help="recurrent model's embedding size (default: 64)")
    add("--cell", default="lstm", choices=("lstm", "gru"),
        help="recurrent cell (default: lstm)")
    add("--dropout", type=float, default=0.0,
        help="recurrent model's dropout between layers (default: 0, as "
        "nanoGPT's CPU recipe)")
    add("--lstm_batch_size", type=int, default=32,
        help="recurrent model's batch size (default: 32)")
    add("--lstm_learning_rate", type=float, default=0.004,
        help="recurrent model's peak learning rate (default: 0.004)")
    add("--transformer_layers", type=int, default=4,
        help="transformer blocks, nanoGPT's (default: 4)")
    add("--transformer_heads", type=int, default=4,
        help="attention heads per block, nanoGPT's (default: 4)")
    add("--transformer_width", type=int, default=128,
        help="transformer width; feed-forward is 4x, nanoGPT's "
        "(default: 128)")
    add("--transformer_batch_size", type=int, default=12,
        help="transformer's batch size, nanoGPT's (default: 12)")
    add("--transformer_learning_rate", type=float, default=1e-3,
        help="transformer's peak learning rate, nanoGPT's (default: 1e-3)")
    add("--output", default="benchmarks/results/language_model_quality.csv",
        help="results CSV; the curve goes to <output>_curve.csv")
    add("--plot", default="",
        help="PNG of validation loss against seconds (default: none)")
    add("--run_dir", default="",
        help="keep each recurrent run in <run_dir>/<model>_<budget>s, for "
        "`apps.language_model.generate` (default: not kept)")
    add("--seed", type=int, default=0, help="weights and data (default: 0)")
    return parser


@dataclasses.dataclass(frozen=True)
class Contender:
    """One model of the comparison and how it trains.

    Args:
        name: str, one of `MODELS`.
        model_config: `ModelConfig` (recurrent) or `TransformerConfig`; its
            `vocabulary_size` is filled in from the tokenizer.
        build: callable `model_config -> keras.Model` (uncompiled).
        make_optimizer: callable `TrainConfig -> optimizer` with a plain
            learning rate the schedule callback can set.
        train_config: the app's `TrainConfig`: batch size, window length,
            peak rate and seed of the training data, and the gradient clip
            that `app_optimizer` reads.
    """

    name: str
    model_config: object
    build: Callable
    make_optimizer: Callable
    train_config: TrainConfig

    @property
    def recurrent(self) -> bool:
        """Whether the app's stream loss applies."""
        return isinstance(self.model_config, ModelConfig)

    @property
    def description(self) -> str:
        """Architecture and recipe, e.g. `"2x256 lstm, batch 32, lr 0.004"`."""
        config, recipe = self.model_config, self.train_config
        shape = (f"{config.num_layers}x{config.units} {config.cell}"
                 + (f", dropout {config.dropout:g}" if config.dropout else "")
                 if self.recurrent else config.description)
        return (f"{shape}, batch {recipe.batch_size}, lr "
                f"{recipe.learning_rate:g}")


def app_optimizer(train_config: TrainConfig) -> keras.optimizers.Adam:
    """The app's Adam and clip, with a plain rate instead of its schedule."""
    return keras.optimizers.Adam(train_config.learning_rate,
                                 global_clipnorm=train_config.clipnorm or None)


def recipe(args, batch_size: int, learning_rate: float) -> TrainConfig:
    """The app's `TrainConfig` for one model's training data and rate."""
    return TrainConfig(
        batch_size=batch_size, sequence_length=args.sequence_length,
        learning_rate=learning_rate, seed=args.seed, validation_examples=0,
        export_dir="")


def recurrent_contender(args) -> Contender:
    """The app's model, optimizer and clip at the flags' sizes."""
    return Contender(
        "lstm",
        ModelConfig(embedding_dim=args.embedding_dim, units=args.units,
                    num_layers=args.num_layers, cell=args.cell,
                    dropout=args.dropout),
        build_model, app_optimizer,
        recipe(args, args.lstm_batch_size, args.lstm_learning_rate))


def transformer_contender(args) -> Contender:
    """nanoGPT's CPU recipe: its size, AdamW and gradient clip of 1."""
    config = TransformerConfig(
        sequence_length=args.sequence_length,
        num_layers=args.transformer_layers, num_heads=args.transformer_heads,
        hidden_dim=args.transformer_width,
        intermediate_dim=4 * args.transformer_width)
    return Contender(
        "transformer", config, build_transformer,
        lambda train_config: nanogpt_optimizer(train_config.learning_rate),
        recipe(args, args.transformer_batch_size,
               args.transformer_learning_rate))


CONTENDERS = {"lstm": recurrent_contender,
              "transformer": transformer_contender}


@dataclasses.dataclass(frozen=True)
class Splits:
    """The corpus and its id streams, tokenized once for every run.

    Args:
        corpus: the `TextCorpus`.
        vocabulary_size: int, from the training split's tokenizer.
        train_ids: int32 stream of the training split, start token first
            (`data.encode_split`, as `train` reads it).
        validation_ids: int32 stream of the validation split (as
            `evaluate` reads it).
    """

    corpus: TextCorpus
    vocabulary_size: int
    train_ids: np.ndarray
    validation_ids: np.ndarray

    @classmethod
    def tokenize(cls, corpus: TextCorpus) -> "Splits":
        """Builds the app's tokenizer on the training split and encodes."""
        tokenizer = build_tokenizer(corpus.train, corpus.level)
        return cls(corpus, tokenizer.vocabulary_size,
                   data.encode_split(tokenizer, corpus.train),
                   tokenizer.encode(corpus.validation))


def curve_windows(ids: np.ndarray, window: int, count: int):
    """`count` validation windows evenly spread over the split.

    Returns:
        `(inputs, targets)` int32 `(count, window)`: windows of
        `data.eval_windows`, all of them when there are at most `count`.
    """
    inputs, targets = data.eval_windows(ids, window)
    picked = np.unique(np.linspace(0, len(inputs) - 1, count).astype(int))
    return inputs[picked], targets[picked]


def subset_loss(inputs: np.ndarray, targets: np.ndarray):
    """`model -> float`: the compiled loss on the windows, in one batch."""
    return lambda model: float(model.evaluate(
        inputs, targets, batch_size=len(inputs), verbose=0))


def final_losses(contender: Contender, model, model_config,
                 validation_ids: np.ndarray, window: int) -> dict:
    """The app's window loss and, for the recurrent model, stream loss."""
    losses = {"window_loss": evaluate.window_loss(model, validation_ids,
                                                  window),
              "stream_loss": float("nan")}
    if contender.recurrent:
        losses["stream_loss"] = evaluate.stream_loss(model, model_config,
                                                     validation_ids)
    return losses


def keep_run(run_dir: str, model, model_config, train_config,
             corpus: TextCorpus) -> None:
    """Writes a recurrent run the app's `generate` and `evaluate` restore."""
    kept = dataclasses.replace(train_config, run_dir=run_dir)
    start_run(APP, model_config, kept)
    data.prepare_tokenizer(run_dir, corpus)
    save_checkpoint(model, run_dir, epoch=1)


def compiled_model(contender: Contender, vocabulary_size: int):
    """`(model, model_config)`: a fresh, seeded, compiled model."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(contender.train_config.seed)
    model_config = dataclasses.replace(
        contender.model_config, vocabulary_size=vocabulary_size)
    model = contender.build(model_config)
    model.compile(
        optimizer=contender.make_optimizer(contender.train_config),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model, model_config


def run(contender: Contender, budget_s: float, args,
        splits: Splits) -> tuple[dict, list]:
    """Trains one model to one budget and evaluates it.

    Returns:
        `(row, curve)`: the table row, and the curve's points followed by
        the final evaluation (`evaluation` is `"curve"` or `"final"`).
    """
    recipe = contender.train_config
    model, model_config = compiled_model(contender, splits.vocabulary_size)
    training = EpochBatches(
        lambda epoch: train.epoch_data(recipe, splits.train_ids, epoch), 0,
        recipe.batch_size, recipe.steps_per_epoch)
    curve_set = curve_windows(splits.validation_ids, args.window,
                              args.curve_windows)
    print(f"{contender.name}, {budget_s:g} s: {contender.description}",
          flush=True)
    budgeted = train_within_budget(
        model, training, budget_s, recipe.learning_rate,
        subset_loss(*curve_set), args.warmup_fraction, args.curve_points)
    started = time.perf_counter()
    losses = final_losses(contender, model, model_config,
                          splits.validation_ids, args.window)
    eval_s = time.perf_counter() - started
    if args.run_dir and contender.recurrent:
        keep_run(os.path.join(args.run_dir, f"{contender.name}_"
                              f"{budget_s:g}s"), model, model_config, recipe,
                 splits.corpus)
    row = {
        "dataset": args.dataset, "backend": keras.backend.backend(),
        "model": contender.name, "config": contender.description,
        "parameters": model.count_params(), "budget_s": budget_s,
        "steps": budgeted.steps, "first_step_s": budgeted.first_step_s,
        "train_s": budgeted.train_s,
        "curve_s": budgeted.curve_s, "cpu_s": budgeted.cpu_s,
        "eval_s": eval_s,
        "total_s": budgeted.budgeted_s + eval_s, **losses,
    }
    final = {"elapsed_s": budgeted.budgeted_s, "steps": budgeted.steps,
             "validation_loss": losses["window_loss"], "evaluation": "final"}
    curve = [{**point, "evaluation": "curve"} for point in budgeted.curve]
    labels = {"model": contender.name, "budget_s": budget_s}
    return row, [{**labels, **point} for point in curve + [final]]


def curve_path(output: str) -> pathlib.Path:
    """`<output stem>_curve.csv` next to `output`."""
    path = pathlib.Path(output)
    return path.with_name(f"{path.stem}_curve.csv")


def check_args(parser: argparse.ArgumentParser, args) -> None:
    """Rejects flag values the runs cannot use, naming the flag."""
    if any(budget <= 0 for budget in args.budgets):
        parser.error(f"Received --budgets {args.budgets}; expected positive "
                     "seconds.")
    if not 0 <= args.warmup_fraction < 1:
        parser.error(f"Received --warmup_fraction {args.warmup_fraction}; "
                     "expected 0 <= fraction < 1.")
    if args.curve_points < 1 or args.curve_windows < 1:
        parser.error("Received --curve_points "
                     f"{args.curve_points} and --curve_windows "
                     f"{args.curve_windows}; expected positive integers.")
    if "transformer" in args.models and args.window > args.sequence_length:
        parser.error(f"Received --window {args.window} above "
                     f"--sequence_length {args.sequence_length}, the "
                     "transformer's context; pass a window at most that.")


def main(argv=None, corpus: TextCorpus | None = None) -> pandas.DataFrame:
    """Runs every (budget, model), prints the table, writes the files.

    Args:
        argv: command-line flags; `None` reads `sys.argv`.
        corpus: optional `TextCorpus` overriding `--dataset` (tests).

    Returns:
        The results as a `pandas.DataFrame`, one row per (model, budget).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    check_args(parser, args)
    machine = cpu_description()
    print(f"CPU: {machine}")
    splits = Splits.tokenize(corpus or data.load_train_corpus(TrainConfig(
        dataset=args.dataset, data_dir=args.data_dir)))
    models = [CONTENDERS[name](args) for name in args.models]
    rows, points = [], []
    for budget_s in args.budgets:  # interleaved: A B, A B, ...
        for contender in models:
            row, curve = run(contender, budget_s, args, splits)
            rows.append(row)
            points.extend(curve)
    results = pandas.DataFrame(rows)
    print(results.drop(columns=["dataset", "backend"]).round(DIGITS)
          .to_markdown(index=False))
    save_csv(results, args.output)
    curves = pandas.DataFrame(points)
    save_csv(curves, curve_path(args.output))
    print(f"Wrote {args.output} and {curve_path(args.output)}")
    if args.plot:
        plot_loss_curves(
            curves, args.plot,
            f"{args.dataset}: validation loss against wall-clock", machine)
        print(f"Wrote {args.plot}")
    return results


if __name__ == "__main__":
    main()
