"""Trains the chatbot, checkpointing and resuming, then exports it.

The run directory (`--run_dir`) holds `config.json`, `vocabulary.json`
(the tokenizer, learnt from the training pairs on the first run), atomic
checkpoints and TensorBoard logs (`apps/framework/run_directory.py`).

Each epoch serves `steps_per_epoch` batches of training pairs in an order
drawn from `(seed, epoch)` (whole shuffled passes, one after another), so a
resumed run sees the same data as an uninterrupted one.

Example:

```
python -m apps.chatbot.train                      # English, embedded
python -m apps.chatbot.train --corpus chatterbot_chinese \\
    --run_dir runs/chatbot_zh --export_dir saved_models/chatbot_zh
python -m apps.chatbot.train --corpus dailydialog \\
    --data_dir ../shared/data/dailydialog --run_dir runs/dailydialog
```
"""

import pathlib

import keras
import numpy as np

from apps.chatbot import data
from apps.chatbot.config import APP, TrainConfig
from apps.chatbot.model import ModelConfig, build_model, compile_model
from apps.framework import EpochBatches
from apps.framework import distributed
from apps.framework import export_after_training
from apps.framework import fit
from apps.framework import make_optimizer
from apps.framework import resume
from apps.framework import start_run
from apps.framework import train_command
from datasets.tokenizers import Tokenizer
from datasets.vocabulary import load_tokenizer, save_tokenizer


def corpus_pairs(train_config: TrainConfig,
                 split: str) -> list[tuple[str, str]]:
    """The `(context, reply)` pairs of one split of the run's corpus."""
    return data.load_pairs(train_config.corpus, train_config.data_dir, split,
                           train_config.context_turns)


def run_tokenizer(run_dir: pathlib.Path, train_config: TrainConfig,
                  pairs: list[tuple[str, str]]) -> Tokenizer:
    """The run's saved tokenizer, or a new one learnt and saved."""
    path = run_dir / data.VOCABULARY_FILE
    if path.is_file():
        return load_tokenizer(path)
    tokenizer = data.build_chat_tokenizer(
        pairs, train_config.tokenizer_level, train_config.max_vocabulary)
    save_tokenizer(path, tokenizer)
    return tokenizer


def training_arrays(train_config: TrainConfig, tokenizer: Tokenizer,
                    pairs: list[tuple[str, str]]) -> tuple[dict, np.ndarray]:
    """The teacher-forced arrays of `pairs` (`data.encode_pairs`)."""
    return data.encode_pairs(
        tokenizer, pairs, train_config.max_context_tokens,
        train_config.max_reply_tokens, train_config.context_turns)


def epoch_order(seed: int, epoch: int, count: int, rows: int) -> np.ndarray:
    """`count` row indices of one epoch: shuffled passes over `rows` rows.

    Example:

    >>> sorted(epoch_order(0, 3, 4, 4).tolist())
    [0, 1, 2, 3]
    """
    rng = np.random.default_rng(np.random.SeedSequence(
        seed, spawn_key=(1, epoch)))
    passes = -(-count // rows)  # ceil
    return np.concatenate([rng.permutation(rows) for _ in range(passes)])[
        :count]


def train(
    model_config: ModelConfig, train_config: TrainConfig, verbose="auto"
) -> keras.Model:
    """Trains (or resumes) the chatbot, then exports it when configured.

    Args:
        model_config: `ModelConfig`.
        train_config: `TrainConfig`.
        verbose: Keras `fit` verbosity. Defaults to `"auto"` (progress bar).

    Returns:
        The trained `keras.Model` (the teacher-forced chatbot).

    Raises:
        ValueError: for a corpus without training pairs.
        FileNotFoundError: if the corpus's files are missing.
    """
    run_dir = start_run(APP, model_config, train_config)
    pairs = corpus_pairs(train_config, "train")
    tokenizer = run_tokenizer(run_dir, train_config, pairs)
    inputs, targets = training_arrays(train_config, tokenizer, pairs)
    rows = len(targets)
    print(f"{rows} training pairs; vocabulary of {tokenizer.vocabulary_size}"
          f" {tokenizer.level} tokens.")
    validation = None
    if train_config.validation_examples:
        held_out = corpus_pairs(train_config, "validation")[
            :train_config.validation_examples]
        if held_out:
            validation = training_arrays(train_config, tokenizer, held_out)

    def make_epoch(epoch):
        order = epoch_order(
            train_config.seed, epoch,
            train_config.steps_per_epoch * train_config.batch_size, rows)
        return ({name: array[order] for name, array in inputs.items()},
                targets[order])

    with distributed(train_config):
        model = build_model(model_config, tokenizer.vocabulary_size)
        compile_model(model, make_optimizer(train_config),
                      train_config.label_smoothing)
        initial_epoch = resume(model, run_dir)
        training = EpochBatches(make_epoch, initial_epoch,
                                train_config.batch_size,
                                train_config.steps_per_epoch)
        fit(model, train_config, training, validation, initial_epoch,
            verbose=verbose)
    export_after_training(APP, train_config)
    return model


build_parser, main = train_command(
    APP,
    train,
    "Train a sequence-to-sequence chatbot (bidirectional LSTM encoder, "
    "attention LSTM decoder) on dialogue pairs, then export it.",
)


if __name__ == "__main__":
    main()
