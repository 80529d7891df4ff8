"""Trains a character or word language model; resumes; exports at the end.

The run directory holds `config.json`, `vocabulary.json`, atomic
checkpoints and TensorBoard logs (`saved_models/run_directory.py`). Each
epoch is
`steps_per_epoch` optimizer steps on data drawn from `(seed, epoch)` (random
windows) or on the next stretch of the contiguous streams (`--stateful`,
truncated BPTT), so a resumed run sees the same data as an uninterrupted
one; the optimizer's step count, and with it the learning-rate schedule,
continues from the checkpoint. Stateful runs reset the recurrent states at
the start of every epoch (and so after a resume).

Examples:

```
python -m apps.language_model.train                      # embedded python_docs
python -m apps.language_model.train --dataset tinyshakespeare \\
    --data_dir ../shared/data/tinyshakespeare --run_dir runs/shakespeare
python -m apps.language_model.train --dataset ptb --data_dir ../shared/data/ptb \\
    --stateful 1 --optimizer sgd --learning_rate 1 --schedule step \\
    --batch_size 20 --sequence_length 20 --units 200 --embedding_dim 200
```
"""

import argparse
import dataclasses
import pathlib

import keras
import numpy as np

from apps.language_model import data
from apps.language_model.model import ModelConfig, build_model
from apps.language_model.schedules import SCHEDULES, make_schedule
from apps.language_model.tokenizer import Tokenizer
from datasets.epoch_batches import EpochBatches
from datasets.tang_poetry import POEM_SETS
from datasets.text import CORPORA, TextCorpus, load_corpus
from datasets.vocabulary import load_vocabulary, save_vocabulary
from saved_models.config_flags import config_parser
from saved_models.config_flags import configs_from_args
from saved_models.config_flags import require_folder
from saved_models.config_flags import require_non_negative
from saved_models.config_flags import require_positive_integers
from saved_models.run_directory import CONFIG_FILE
from saved_models.run_directory import load_run_config
from saved_models.run_directory import read_checkpoint_state
from saved_models.run_directory import restore_checkpoint
from saved_models.run_directory import save_run_config
from saved_models.run_directory import training_callbacks

VOCABULARY_FILE = "vocabulary.json"
_NOT_FLAGS = ("vocabulary_size",)  # comes from the vocabulary, not a flag


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """How to train; saved in the run's `config.json`.

    Args:
        run_dir: str, folder for config, vocabulary, checkpoints and logs.
            Defaults to `"runs/language_model"`.
        dataset: str, one of `datasets.text.CORPORA`. Defaults to
            `"python_docs"` (embedded, no files needed).
        data_dir: str, folder with the dataset's files; `""` downloads when
            possible. Defaults to `""`.
        script: str, `"simplified"` or `"traditional"` (tang_poetry only).
            Defaults to `"simplified"`.
        poems: str, `"all"` or `"regular"`: only the quatrains and
            regulated verse of 5- or 7-character lines (tang_poetry only).
            Defaults to `"all"`.
        max_vocabulary: int, most vocabulary entries; `0` keeps all.
            Defaults to `0`.
        epochs: int, total epochs (a resumed run trains up to this).
            Defaults to `10`.
        steps_per_epoch: int, optimizer steps per epoch. Defaults to `100`.
        batch_size: int, sequences per step. Defaults to `32`.
        sequence_length: int, tokens per sequence (BPTT length).
            Defaults to `64`.
        stateful: int, `1` trains on contiguous streams carrying the state
            across batches (truncated BPTT), `0` on random windows.
            Defaults to `0`.
        optimizer: str, `"adam"` or `"sgd"`. Defaults to `"adam"`.
        learning_rate: float, peak learning rate. Defaults to `0.003`.
        schedule: str, one of `schedules.SCHEDULES`. Defaults to `"cosine"`.
        warmup_steps: int, linear warm-up steps (cosine). Defaults to `0`.
        decay_start: int, first decayed step (step). Defaults to `0`.
        decay_every: int, steps between decays (step). Defaults to `1000`.
        decay_rate: float in (0, 1], factor of each decay (step).
            Defaults to `0.5`.
        clipnorm: float, global gradient-norm clip; `0` disables.
            Defaults to `5.0`.
        validation_windows: int, validation windows scored per epoch.
            Defaults to `256`.
        seed: int, seeds data order and weight initialisation.
            Defaults to `0`.
        export_dir: str, where `train` exports versioned SavedModels; empty
            to skip. Defaults to `"saved_models/language_model"`.
    """

    run_dir: str = "runs/language_model"  # config, checkpoints, logs
    dataset: str = "python_docs"  # one of datasets.text.CORPORA
    data_dir: str = ""  # dataset files; "" downloads when possible
    script: str = "simplified"  # tang_poetry: simplified or traditional
    poems: str = "all"  # tang_poetry: "all" or "regular" forms only
    max_vocabulary: int = 0  # most vocabulary entries; 0 keeps all
    epochs: int = 10  # total epochs; a resumed run trains up to this
    steps_per_epoch: int = 100  # optimizer steps per epoch
    batch_size: int = 32  # sequences per step
    sequence_length: int = 64  # tokens per sequence (BPTT length)
    stateful: int = 0  # 1: contiguous streams, state carried (TBPTT)
    optimizer: str = "adam"  # "adam" or "sgd"
    learning_rate: float = 0.003  # peak learning rate
    schedule: str = "cosine"  # see schedules.SCHEDULES
    warmup_steps: int = 0  # linear warm-up (cosine)
    decay_start: int = 0  # first decayed step (step)
    decay_every: int = 1000  # steps between decays (step)
    decay_rate: float = 0.5  # factor of each decay (step)
    clipnorm: float = 5.0  # global gradient-norm clip; 0 disables
    validation_windows: int = 256  # validation windows scored per epoch
    seed: int = 0  # data order and weight initialisation
    export_dir: str = "saved_models/language_model"  # "" skips the export

    def __post_init__(self):
        require_folder(self, "run_dir", "runs/language_model")
        if self.dataset not in CORPORA:
            raise ValueError(
                f"Received `dataset={self.dataset!r}`; expected one of "
                f"{CORPORA}."
            )
        if self.poems not in POEM_SETS:
            raise ValueError(
                f"Received `poems={self.poems!r}`; expected one of "
                f"{POEM_SETS}."
            )
        require_positive_integers(
            self,
            ("epochs", "steps_per_epoch", "batch_size", "sequence_length",
             "decay_every"),
        )
        require_non_negative(
            self,
            ("max_vocabulary", "warmup_steps", "decay_start",
             "validation_windows"),
        )
        if self.optimizer not in ("adam", "sgd"):
            raise ValueError(
                f"Received `optimizer={self.optimizer!r}`; expected 'adam' "
                "or 'sgd'."
            )
        if self.schedule not in SCHEDULES:
            raise ValueError(
                f"Received `schedule={self.schedule!r}`; expected one of "
                f"{SCHEDULES}."
            )
        if not 0 < self.decay_rate <= 1:
            raise ValueError(
                f"Received `decay_rate={self.decay_rate}`; expected "
                "0 < decay_rate <= 1."
            )
        if not self.learning_rate > 0 or self.clipnorm < 0:
            raise ValueError(
                f"Received `learning_rate={self.learning_rate}`, `clipnorm="
                f"{self.clipnorm}`; expected learning_rate > 0, clipnorm >= 0."
            )
        if self.stateful not in (0, 1):
            raise ValueError(
                f"Received `stateful={self.stateful}`; expected 0 or 1."
            )


def load_config(run_dir) -> tuple[ModelConfig, TrainConfig]:
    """Reads the configs of a run from its `config.json`."""
    return load_run_config(
        run_dir,
        "python -m apps.language_model.train",
        model=ModelConfig,
        train=TrainConfig,
    )


def load_tokenizer(run_dir, level: str) -> Tokenizer:
    """The run's tokenizer from `vocabulary.json`."""
    path = pathlib.Path(run_dir) / VOCABULARY_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"Received `run_dir={str(run_dir)!r}`, which holds no "
            f"{VOCABULARY_FILE}; train first."
        )
    return Tokenizer(load_vocabulary(path), level)


def load_train_corpus(config: TrainConfig) -> TextCorpus:
    """The configured corpus (files from `data_dir`, else download)."""
    return load_corpus(
        config.dataset, config.data_dir or None, script=config.script,
        poems=config.poems,
    )


def prepare_run(
    config: TrainConfig, corpus: TextCorpus
) -> Tokenizer:
    """Writes the vocabulary on the first run; reads it on a resume."""
    path = pathlib.Path(config.run_dir) / VOCABULARY_FILE
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        save_vocabulary(
            path, data.corpus_vocabulary(corpus, config.max_vocabulary or None)
        )
    return load_tokenizer(config.run_dir, corpus.level)


def model_config_for(model_config: ModelConfig, tokenizer: Tokenizer):
    """`model_config` with the vocabulary size of `tokenizer`."""
    return dataclasses.replace(
        model_config, vocabulary_size=tokenizer.vocabulary_size
    )


def compile_model(model: keras.Model, config: TrainConfig) -> None:
    """Compiles with the configured optimizer, schedule and clipping."""
    total = config.epochs * config.steps_per_epoch
    schedule = make_schedule(config, total)
    clip = {"global_clipnorm": config.clipnorm} if config.clipnorm else {}
    if config.optimizer == "adam":
        optimizer = keras.optimizers.Adam(schedule, **clip)
    else:
        optimizer = keras.optimizers.SGD(schedule, **clip)
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )


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
    """Up to `validation_windows` validation windows, or `None`.

    Stateless runs score independent windows from a zero state. Stateful
    runs score contiguous streams laid out as in training (row `r` of batch
    `k + 1` continues row `r` of batch `k`), the states reset before
    validation begins (`ResetStates`), so the per-epoch `val_loss` is the
    full-context loss of the first `validation_windows * sequence_length`
    tokens.
    """
    if not config.validation_windows or len(ids) <= config.sequence_length:
        return None
    if config.stateful:  # stateful layers need whole batches
        count = min(config.validation_windows // config.batch_size,
                    data.batches_per_pass(ids, config.batch_size,
                                          config.sequence_length))
        if count < 1:
            return None
        return data.stream_batches(
            ids, config.batch_size, config.sequence_length, 0, count)
    inputs, targets = data.eval_windows(ids, config.sequence_length)
    count = min(config.validation_windows, len(inputs))
    return inputs[:count], targets[:count]


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


def fit_epochs(model, config: TrainConfig, train_ids, val_ids,
               initial_epoch: int, verbose="auto") -> None:
    """Fits epochs `initial_epoch .. epochs - 1`, checkpointing after each."""
    validation = validation_data(config, val_ids)
    callbacks = training_callbacks(config.run_dir)
    if config.stateful:
        callbacks.append(ResetStates())
    model.fit(
        EpochBatches(
            lambda epoch: epoch_data(config, train_ids, epoch),
            initial_epoch,
            config.batch_size,
            config.steps_per_epoch,
        ),
        epochs=config.epochs,
        initial_epoch=initial_epoch,
        validation_data=validation,
        validation_batch_size=config.batch_size,
        callbacks=callbacks,
        verbose=verbose,
    )


def _check_same_model(run_dir, model_config: ModelConfig) -> None:
    saved, _ = load_config(run_dir)
    if saved != model_config:
        raise ValueError(
            f"Received a model config {model_config} for `run_dir="
            f"{str(run_dir)!r}`, which was trained with {saved}. Pass the "
            "same model flags to resume, or a new --run_dir."
        )


def train(model_config: ModelConfig, config: TrainConfig,
          verbose="auto", corpus: TextCorpus | None = None) -> keras.Model:
    """Trains (or resumes) a language model, then exports it if configured.

    Args:
        model_config: `ModelConfig`; its `vocabulary_size` is replaced by
            the size of the vocabulary built from the corpus.
        config: `TrainConfig`.
        verbose: Keras `fit` verbosity. Defaults to `"auto"` (progress bar).
        corpus: optional `TextCorpus` overriding `config.dataset` (tests).

    Returns:
        The trained `keras.Model` (stateless, for generation).
    """
    corpus = corpus or load_train_corpus(config)
    tokenizer = prepare_run(config, corpus)
    model_config = model_config_for(model_config, tokenizer)
    run_dir = pathlib.Path(config.run_dir)
    if (run_dir / CONFIG_FILE).is_file():
        _check_same_model(run_dir, model_config)
    save_run_config(run_dir, model=model_config, train=config)
    model = build_model(
        model_config, config.batch_size if config.stateful else None
    )
    compile_model(model, config)
    initial_epoch = restore_checkpoint(model, run_dir)
    if initial_epoch:
        step = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
        print(f"Resuming {run_dir} after epoch {initial_epoch} (step {step}).")
    fit_epochs(
        model, config, data.encode_split(tokenizer, corpus.train),
        data.encode_split(tokenizer, corpus.validation), initial_epoch,
        verbose,
    )
    if config.stateful:
        stateless = build_model(model_config)
        stateless.set_weights(model.get_weights())
        model = stateless
    if config.export_dir:
        _export(model, tokenizer, config)
    return model


def _export(model, tokenizer, config: TrainConfig) -> None:
    if keras.backend.backend() != "tensorflow":
        print(
            "Skipping the export: export needs KERAS_BACKEND=tensorflow. Run "
            "`KERAS_BACKEND=tensorflow python -m apps.language_model.export "
            f"--run_dir {config.run_dir} --model_dir {config.export_dir}`."
        )
        return
    from apps.language_model.export import export_model

    print(f"Exported {export_model(model, tokenizer, config.export_dir)}")


def restore_model(run_dir):
    """Rebuilds a trained (stateless) model from its run directory.

    Returns:
        `(model, tokenizer, model_config, train_config)`; not compiled.

    Raises:
        FileNotFoundError: if the run has no config or no checkpoint yet.
    """
    model_config, train_config = load_config(run_dir)
    if read_checkpoint_state(run_dir) is None:
        raise FileNotFoundError(
            f"Received `run_dir={str(run_dir)!r}`, which has no checkpoint "
            "yet; train at least one epoch first."
        )
    level = "word" if train_config.dataset == "ptb" else "char"
    tokenizer = load_tokenizer(run_dir, level)
    model = build_model(model_config)
    restore_checkpoint(model, run_dir)
    return model, tokenizer, model_config, train_config


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m apps.language_model.train`."""
    return config_parser(
        "python -m apps.language_model.train",
        "Train a character or word LSTM/GRU language model "
        "(embedded Python docs by default), then export a SavedModel.",
        TrainConfig,
        ModelConfig,
        skip=_NOT_FLAGS,
    )


def main(argv=None) -> None:
    """Parses the command line and trains."""
    args = build_parser().parse_args(argv)
    try:
        model_config, train_config = configs_from_args(
            args, ModelConfig, TrainConfig, skip=_NOT_FLAGS
        )
    except ValueError as error:
        raise SystemExit(str(error)) from None
    keras.utils.set_random_seed(train_config.seed)
    try:
        train(model_config, train_config)
    except FileNotFoundError as error:
        raise SystemExit(str(error)) from None


if __name__ == "__main__":
    main()
