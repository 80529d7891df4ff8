"""Trains the captioner, checkpointing and resuming, then exports it.

The run directory (`--run_dir`) holds `config.json`, `vocabulary.json`,
atomic checkpoints and TensorBoard logs (`apps/framework/run_directory.py`).

With `--dataset shapes` (the default, no data needed) each epoch draws
fresh scenes from `(seed, epoch, batch)`, so a resumed run sees the same
data as an uninterrupted one. With `--dataset flickr8k` or `coco` each
epoch pairs every training image with one of its captions at random, and
the learning-rate schedule spans `epochs` passes over the training images.

Example:

```
python -m apps.captioning.train --run_dir runs/captioning --epochs 20
python -m apps.captioning.train --dataset flickr8k \\
    --data_dir ../shared/data/flickr8k --run_dir runs/flickr8k
```
"""


import keras

from apps.captioning import data
from apps.captioning.config import APP, TrainConfig
from apps.captioning.model import ModelConfig, build_model, compile_model
from apps.framework import distributed
from apps.framework import export_after_training
from apps.framework import fit
from apps.framework import make_optimizer
from apps.framework import resume
from apps.framework import start_run
from apps.framework import train_command
from datasets.tokenizers import Tokenizer
from datasets.vocabulary import save_tokenizer


def run_tokenizer(run_dir, train_config: TrainConfig) -> Tokenizer:
    """The run's saved tokenizer, or a new one saved into `run_dir`."""
    path = run_dir / data.VOCABULARY_FILE
    if path.is_file():
        return data.read_tokenizer(path)
    tokenizer = data.training_tokenizer(
        train_config.dataset, train_config.data_dir,
        train_config.max_vocabulary,
    )
    save_tokenizer(path, tokenizer)
    return tokenizer


def shapes_data(train_config: TrainConfig, image_size: int,
                tokenizer: Tokenizer, initial_epoch: int):
    """`(training EpochScenes, validation arrays or None)` of drawn shapes."""
    training = data.EpochScenes(
        train_config.seed, initial_epoch, train_config.steps_per_epoch,
        train_config.batch_size, image_size, tokenizer,
        train_config.max_words,
    )
    validation = None
    if train_config.validation_examples:
        validation = data.shapes_validation(
            train_config.seed, train_config.validation_examples, image_size,
            tokenizer, train_config.max_words,
        )
    return training, validation


def train(
    model_config: ModelConfig, train_config: TrainConfig, verbose="auto"
) -> keras.Model:
    """Trains (or resumes) the captioner, then exports it when configured.

    Args:
        model_config: `ModelConfig`.
        train_config: `TrainConfig`.
        verbose: Keras `fit` verbosity. Defaults to `"auto"` (progress bar).

    Returns:
        The trained `keras.Model` (the teacher-forced captioner).
    """
    run_dir = start_run(APP, model_config, train_config)
    tokenizer = run_tokenizer(run_dir, train_config)
    size, max_words = model_config.image_size, train_config.max_words
    shapes = train_config.dataset == "shapes"
    if shapes:
        total_steps = train_config.total_steps
    else:
        training, validation = data.real_datasets(
            train_config.dataset, train_config.data_dir, size, tokenizer,
            max_words, train_config.batch_size,
            train_config.validation_examples, train_config.seed,
        )
        # An epoch is one pass over the training images.
        total_steps = train_config.epochs * int(training.cardinality())
    with distributed(train_config):
        model = build_model(model_config, tokenizer.vocabulary_size)
        compile_model(model, make_optimizer(train_config, total_steps))
        initial_epoch = resume(model, run_dir)
        if shapes:
            training, validation = shapes_data(
                train_config, size, tokenizer, initial_epoch
            )
        fit(model, train_config, training, validation, initial_epoch,
            verbose=verbose)
    export_after_training(APP, train_config)
    return model


build_parser, main = train_command(
    APP,
    train,
    "Train a Show, Attend and Tell captioner (procedural shapes by "
    "default; Flickr8k or COCO with --dataset), then export it.",
)


if __name__ == "__main__":
    main()
