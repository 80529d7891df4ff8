"""Trains a character or word language model; resumes; exports at the end.

The run directory holds `config.json`, `vocabulary.json`, atomic
checkpoints and TensorBoard logs (`apps/framework/run_directory.py`). Each
epoch is `steps_per_epoch` optimizer steps on data drawn from `(seed,
epoch)` (random windows) or on the next stretch of the contiguous streams
(`--stateful true`, truncated BPTT), so a resumed run sees the same data as
an uninterrupted one; the optimizer's step count, and with it the
learning-rate schedule, continues from the checkpoint. Stateful runs reset
the recurrent states at the start of every epoch (and so after a resume);
their weights load unchanged into the stateless model that `generate`,
`evaluate` and `export` rebuild.

Examples:

```
python -m apps.language_model.train                      # embedded python_docs
python -m apps.language_model.train --dataset tinyshakespeare \\
    --data_dir ../shared/data/tinyshakespeare --run_dir runs/shakespeare
python -m apps.language_model.train --dataset ptb --data_dir ../shared/data/ptb \\
    --stateful true --optimizer sgd --learning_rate 1 --schedule step \\
    --batch_size 20 --sequence_length 20 --units 200 --embedding_dim 200
```
"""

import dataclasses

import keras
import numpy as np

from apps.framework import EpochBatches
from apps.framework import distributed
from apps.framework import export_after_training
from apps.framework import fit
from apps.framework import make_optimizer
from apps.framework import resume
from apps.framework import start_run
from apps.framework import train_command
from apps.language_model import data
from apps.language_model.config import APP, TrainConfig
from apps.language_model.model import ModelConfig, build_model
from datasets.text import TextCorpus


def epoch_data(config: TrainConfig, ids: np.ndarray, epoch: int):
    """The `(inputs, targets)` of one epoch."""
    count = config.steps_per_epoch
    if config.stateful:
        return data.stream_batches(
            ids, config.batch_size, config.sequence_length,
            epoch * count, count,
        )
    rng = np.random.default_rng(
        np.random.SeedSequence(config.seed, spawn_key=(1, epoch))
    )
    return data.random_windows(
        ids, count * config.batch_size, config.sequence_length, rng
    )


def validation_data(config: TrainConfig, ids: np.ndarray):
    """Up to `validation_examples` validation windows, or `None`.

    Stateless runs score independent windows from a zero state. Stateful
    runs score contiguous streams laid out as in training (row `r` of batch
    `k + 1` continues row `r` of batch `k`), the states reset before
    validation begins (`ResetStates`), so the per-epoch `val_loss` is the
    full-context loss of the first `validation_examples * sequence_length`
    tokens.
    """
    if not config.validation_examples or len(ids) <= config.sequence_length:
        return None
    if config.stateful:  # stateful layers need whole batches
        count = min(config.validation_examples // config.batch_size,
                    data.batches_per_pass(ids, config.batch_size,
                                          config.sequence_length))
        if count < 1:
            return None
        return data.stream_batches(
            ids, config.batch_size, config.sequence_length, 0, count)
    inputs, targets = data.eval_windows(ids, config.sequence_length)
    count = min(config.validation_examples, len(inputs))
    return inputs[:count], targets[:count]


def compile_model(model: keras.Model, config: TrainConfig) -> None:
    """Compiles with the configured optimizer and the next-token loss."""
    model.compile(
        optimizer=make_optimizer(config),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )


def reset_states(model: keras.Model) -> None:
    """Zeroes the states of stateful recurrent layers."""
    for layer in model.layers:
        if getattr(layer, "stateful", False):
            layer.reset_state()


class ResetStates(keras.callbacks.Callback):
    """Zeroes stateful layers' states as each epoch and validation begins."""

    def on_epoch_begin(self, epoch, logs=None):
        reset_states(self.model)

    def on_test_begin(self, logs=None):
        reset_states(self.model)


def train(model_config: ModelConfig, train_config: TrainConfig,
          verbose="auto", corpus: TextCorpus | None = None) -> keras.Model:
    """Trains (or resumes) a language model, then exports it if configured.

    Args:
        model_config: `ModelConfig`; its `vocabulary_size` is replaced by
            the size of the vocabulary built from the corpus.
        train_config: `TrainConfig`.
        verbose: Keras `fit` verbosity. Defaults to `"auto"` (progress bar).
        corpus: optional `TextCorpus` overriding `train_config.dataset`
            (tests, benchmarks).

    Returns:
        The trained `keras.Model`, stateless (a stateful run's weights
        copied into the model `generate` and `export` restore).
    """
    corpus = corpus or data.load_train_corpus(train_config)
    tokenizer = data.prepare_tokenizer(
        train_config.run_dir, corpus, train_config.max_vocabulary)
    model_config = dataclasses.replace(
        model_config, vocabulary_size=tokenizer.vocabulary_size)
    start_run(APP, model_config, train_config)
    stateful = train_config.stateful
    train_ids = data.encode_split(tokenizer, corpus.train)
    validation = validation_data(
        train_config, data.encode_split(tokenizer, corpus.validation))
    with distributed(train_config):
        model = build_model(
            model_config, train_config.batch_size if stateful else None)
        compile_model(model, train_config)
        initial_epoch = resume(model, train_config.run_dir)
        training = EpochBatches(
            lambda epoch: epoch_data(train_config, train_ids, epoch),
            initial_epoch,
            train_config.batch_size,
            train_config.steps_per_epoch,
        )
        fit(model, train_config, training, validation, initial_epoch,
            callbacks=[ResetStates()] if stateful else [], verbose=verbose,
            validation_batch_size=train_config.batch_size)
    if stateful:
        stateless = build_model(model_config)
        stateless.set_weights(model.get_weights())
        model = stateless
    export_after_training(APP, train_config)
    return model


build_parser, main = train_command(
    APP,
    train,
    "Train a character or word LSTM/GRU language model "
    "(embedded Python docs by default), then export a SavedModel.",
)


if __name__ == "__main__":
    main()
