"""Trains the captioner, checkpointing and resuming, then exports it.

The run directory (`--run_dir`) holds `config.json`, `vocabulary.json`,
atomic checkpoints and TensorBoard logs (`saved_models/run_directory.py`).

With `--dataset shapes` (the default, no data needed) each epoch draws
fresh scenes from `(seed, epoch, batch)`, so a resumed run sees the same
data as an uninterrupted one. With `--dataset flickr8k` or `coco` each
epoch pairs every training image with one of its captions at random.

Example:

```
python -m apps.captioning.train --run_dir runs/captioning --epochs 20
python -m apps.captioning.train --dataset flickr8k \\
    --data_dir ../shared/data/flickr8k --run_dir runs/flickr8k
```
"""

import argparse
import dataclasses
import os
import pathlib

import keras

from apps.captioning import data
from apps.captioning.model import ModelConfig, build_model, compile_model
from datasets.vocabulary import load_vocabulary, save_vocabulary
from saved_models.config_flags import (
    config_parser,
    configs_from_args,
    require_folder,
    require_non_negative,
    require_positive_integers,
    require_positive_numbers,
)
from saved_models.run_directory import (
    CONFIG_FILE,
    load_run_config,
    read_checkpoint_state,
    restore_checkpoint,
    save_run_config,
    training_callbacks,
)

VOCABULARY_FILE = "vocabulary.json"
SCHEDULES = ("cosine", "constant")
FINAL_FRACTION = 0.05  # cosine: the last step's share of the peak rate


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """How to train the captioner; saved in the run's `config.json`.

    Args:
        run_dir: str, folder for config, vocabulary, checkpoints and logs.
            Defaults to `"runs/captioning"`.
        dataset: str, `"shapes"`, `"flickr8k"` or `"coco"`. Defaults to
            `"shapes"`.
        data_dir: str, folder of the real dataset (unused for shapes).
            Defaults to `""`.
        max_words: int, longest caption in words (longer ones are cut).
            Defaults to `16`.
        max_vocabulary: int, most words kept, specials included.
            Defaults to `5000`.
        epochs: int, total epochs (a resumed run trains up to this).
            Defaults to `20`.
        steps_per_epoch: int, optimizer steps per epoch (shapes only).
            Defaults to `100`.
        batch_size: int, captions per step. Defaults to `32`.
        learning_rate: float, peak Adam learning rate. Defaults to `0.002`.
        schedule: str, `"constant"` keeps the rate; `"cosine"` decays it
            along a half cosine to `FINAL_FRACTION` of it at the last step
            of `epochs`. Defaults to `"constant"`.
        validation_examples: int, held-out captions scored after each
            epoch. Defaults to `256`.
        seed: int, seeds data and weight initialisation. Defaults to `0`.
        export_dir: str, where `train` exports versioned SavedModels;
            empty to skip. Defaults to `"saved_models/captioning"`.
    """

    run_dir: str = "runs/captioning"  # config, checkpoints, logs
    dataset: str = "shapes"  # shapes | flickr8k | coco
    data_dir: str = ""  # folder of the real dataset
    max_words: int = 16  # longest caption in words
    max_vocabulary: int = 5000  # most words kept, specials included
    epochs: int = 20  # total epochs; a resumed run trains up to this
    steps_per_epoch: int = 100  # optimizer steps per epoch (shapes)
    batch_size: int = 32  # captions per step
    learning_rate: float = 0.002  # peak Adam learning rate
    schedule: str = "constant"  # or "cosine" (to FINAL_FRACTION)
    validation_examples: int = 256  # held-out captions scored per epoch
    seed: int = 0  # data and weight initialisation
    export_dir: str = "saved_models/captioning"  # "" skips the export

    def __post_init__(self):
        require_folder(self, "run_dir", "runs/captioning")
        if self.dataset not in data.DATASETS:
            raise ValueError(
                f"Received `dataset={self.dataset!r}`; expected one of "
                f"{data.DATASETS}."
            )
        if self.dataset != "shapes" and not self.data_dir:
            raise ValueError(
                f"Received `dataset={self.dataset!r}` without `data_dir`; "
                "pass --data_dir with the dataset's folder."
            )
        require_positive_integers(
            self,
            ("max_words", "max_vocabulary", "epochs", "steps_per_epoch",
             "batch_size"),
        )
        require_positive_numbers(self, "learning_rate")
        if self.schedule not in SCHEDULES:
            raise ValueError(
                f"Received `schedule={self.schedule!r}`; expected one of "
                f"{SCHEDULES}."
            )
        require_non_negative(self, "validation_examples")


def load_config(run_dir: os.PathLike) -> tuple[ModelConfig, TrainConfig]:
    """Reads `<run_dir>/config.json` written by `train`."""
    return load_run_config(
        run_dir, "python -m apps.captioning.train",
        model=ModelConfig, train=TrainConfig,
    )


def restore_model(run_dir: os.PathLike):
    """Rebuilds a trained captioner from its run directory.

    Returns:
        `(model, vocabulary, model_config, train_config)`.

    Raises:
        FileNotFoundError: if the run has no config or no checkpoint yet.
    """
    model_config, train_config = load_config(run_dir)
    vocabulary = load_vocabulary(pathlib.Path(run_dir) / VOCABULARY_FILE)
    model = build_model(model_config, len(vocabulary))
    if read_checkpoint_state(run_dir) is None:
        raise FileNotFoundError(
            f"Received `run_dir={str(run_dir)!r}`, which has no checkpoint "
            "yet; train at least one epoch first."
        )
    restore_checkpoint(model, run_dir)
    return model, vocabulary, model_config, train_config


class EpochScenes(keras.utils.PyDataset):
    """Batches of fresh shape scenes drawn from `(seed, epoch, batch)`."""

    def __init__(self, config: TrainConfig, image_size: int,
                 vocabulary: list[str], epoch: int):
        super().__init__()
        self.config = config
        self.image_size = image_size
        self.vocabulary = vocabulary
        self.epoch = epoch

    def __len__(self):
        return self.config.steps_per_epoch

    def __getitem__(self, index):
        images, captions = data.shapes_batch(
            self.config.seed, (1, self.epoch, index),
            self.config.batch_size, self.image_size,
        )
        ids = data.encode_captions(
            captions, self.vocabulary, self.config.max_words
        )
        return (images, ids[:, :-1]), ids[:, 1:]

    def on_epoch_end(self):
        self.epoch += 1


def shapes_validation(config: TrainConfig, image_size: int,
                      vocabulary: list[str]):
    """Held-out scenes `((images, inputs), targets)` scored every epoch."""
    images, captions = data.shapes_batch(
        config.seed, (0,), config.validation_examples, image_size
    )
    ids = data.encode_captions(captions, vocabulary, config.max_words)
    return (images, ids[:, :-1]), ids[:, 1:]


def make_vocabulary(config: TrainConfig) -> list[str]:
    """The run's vocabulary: fixed for shapes, else from train captions."""
    if config.dataset == "shapes":
        return data.shapes_vocabulary()
    _, references = data.real_examples(config.dataset, config.data_dir, "train")
    return data.caption_vocabulary(
        [c for refs in references for c in refs], config.max_vocabulary
    )


def real_datasets(config: TrainConfig, image_size: int, vocabulary):
    """`(train, validation)` `tf.data` pipelines of a real dataset."""
    from datasets.captions import encoded_image_dataset

    def build(split, seed):
        images, references = data.real_examples(
            config.dataset, config.data_dir, split
        )
        ids = [data.encode_captions(refs, vocabulary, config.max_words)
               for refs in references]
        return encoded_image_dataset(
            images, ids, image_size, config.batch_size, shuffle_seed=seed
        )

    validation = build("dev", None) if config.validation_examples else None
    if validation is not None:
        validation = validation.take(
            max(1, config.validation_examples // config.batch_size)
        )
    return build("train", config.seed), validation


def learning_rate(config: TrainConfig, steps_per_epoch: int):
    """The configured rate: a float, or a `keras` cosine decay schedule.

    The schedule spans `epochs * steps_per_epoch` optimizer steps, and reads
    the optimizer's step count, so a resumed run continues where it was.
    """
    if config.schedule == "constant":
        return config.learning_rate
    return keras.optimizers.schedules.CosineDecay(
        config.learning_rate, config.epochs * steps_per_epoch,
        alpha=FINAL_FRACTION,
    )


def train(model_config: ModelConfig, train_config: TrainConfig,
          verbose="auto") -> keras.Model:
    """Trains (or resumes) the captioner, then exports it when configured.

    Returns:
        The trained `keras.Model` (teacher-forced captioner).
    """
    run_dir = pathlib.Path(train_config.run_dir)
    vocabulary_path = run_dir / VOCABULARY_FILE
    if (run_dir / CONFIG_FILE).is_file():
        saved_model_config, _ = load_config(run_dir)
        if saved_model_config != model_config:
            raise ValueError(
                f"Received a model config {model_config} for `run_dir="
                f"{str(run_dir)!r}`, trained with {saved_model_config}. Pass"
                " the same model flags to resume, or a new --run_dir."
            )
    save_run_config(run_dir, model=model_config, train=train_config)
    if vocabulary_path.is_file():
        vocabulary = load_vocabulary(vocabulary_path)
    else:
        vocabulary = make_vocabulary(train_config)
        save_vocabulary(vocabulary_path, vocabulary)

    model = build_model(model_config, len(vocabulary))
    if train_config.dataset == "shapes":
        steps_per_epoch = train_config.steps_per_epoch
    else:
        training, validation = real_datasets(
            train_config, model_config.image_size, vocabulary
        )
        steps_per_epoch = int(training.cardinality())
    compile_model(model, learning_rate(train_config, steps_per_epoch))
    initial_epoch = restore_checkpoint(model, run_dir)
    if initial_epoch:
        print(f"Resuming {run_dir} after epoch {initial_epoch}.")
    if train_config.dataset == "shapes":
        training = EpochScenes(
            train_config, model_config.image_size, vocabulary, initial_epoch
        )
        validation = None
        if train_config.validation_examples:
            validation = shapes_validation(
                train_config, model_config.image_size, vocabulary
            )
    model.fit(
        training, epochs=train_config.epochs, initial_epoch=initial_epoch,
        validation_data=validation,
        callbacks=training_callbacks(train_config.run_dir), verbose=verbose,
    )
    if train_config.export_dir:
        _export(model, vocabulary, model_config, train_config)
    return model


def _export(model, vocabulary, model_config, train_config) -> None:
    if keras.backend.backend() != "tensorflow":
        print(
            "Skipping the export: export needs KERAS_BACKEND=tensorflow. "
            "Run `KERAS_BACKEND=tensorflow python -m apps.captioning.export "
            f"--run_dir {train_config.run_dir}`."
        )
        return
    from apps.captioning.export import export_model

    path = export_model(
        model, vocabulary, model_config, train_config.max_words,
        train_config.export_dir,
    )
    print(f"Exported {path}")


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m apps.captioning.train`."""
    return config_parser(
        "python -m apps.captioning.train",
        "Train a Show, Attend and Tell captioner (procedural "
        "shapes by default; Flickr8k or COCO with --dataset), then export.",
        TrainConfig,
        ModelConfig,
    )


def main(argv=None) -> None:
    """Parses the command line and trains."""
    model_config, train_config = configs_from_args(
        build_parser().parse_args(argv), ModelConfig, TrainConfig
    )
    keras.utils.set_random_seed(train_config.seed)
    train(model_config, train_config)


if __name__ == "__main__":
    main()
