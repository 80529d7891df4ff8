"""Trains Graves' prediction or synthesis network, checkpointing and resuming.

The run directory (`--run_dir`) holds `config.json`, the alphabet and the
offset statistics (`apps/handwriting/data.py`), atomic checkpoints and
TensorBoard logs (`apps/framework/run_directory.py`). Each epoch draws its
lines from a generator seeded by `(seed, epoch)` (fresh Hershey lines, or a
sample of the training split), so a resumed run sees the same data as an
uninterrupted one.

The loss is the mixture density NLL per point in normalised units
(`rnn_layers.MixtureDensityLoss`), with Graves' clip of the output
derivatives to [-100, 100] (`--output_gradient_clip`) and a global
gradient-norm clip (`--clipnorm`) standing in for his [-10, 10] clip inside
the LSTMs, which the fused backward pass does not expose.

Example:

```
python -m apps.handwriting.train                       # Hershey, synthesis
python -m apps.handwriting.train --network prediction --run_dir runs/hw_pred
python -m apps.handwriting.train --dataset iam_ondb --max_points 800 \
    --run_dir runs/hw_iam
```
"""


import keras
import numpy as np

from apps.framework import distributed
from apps.framework import export_after_training
from apps.framework import fit
from apps.framework import make_optimizer
from apps.framework import resume
from apps.framework import start_run
from apps.framework import train_command
from apps.handwriting import data
from apps.handwriting.config import APP, TrainConfig
from apps.handwriting.model import ModelConfig, build_model
from datasets.iam_ondb import StrokeLines
from rnn_layers import MixtureDensityLoss


def compile_model(model: keras.Model, optimizer, model_config: ModelConfig,
                  train_config: TrainConfig) -> None:
    """Compiles `model` with the mixture density loss (mean NLL per point)."""
    model.compile(
        optimizer=optimizer,
        loss=MixtureDensityLoss(
            model_config.num_mixtures,
            output_gradient_clip=train_config.output_gradient_clip or None,
        ),
    )


def epoch_lines(train_config: TrainConfig, train_lines: StrokeLines | None,
                epoch: int) -> tuple[StrokeLines, np.random.Generator]:
    """The raw lines of one epoch and the generator that orders them."""
    rng = np.random.default_rng(
        np.random.SeedSequence(train_config.seed, spawn_key=(1, epoch)))
    count = train_config.steps_per_epoch * train_config.batch_size
    if train_lines is None:
        return data.hershey_lines(train_config, count, rng), rng
    picks = rng.choice(len(train_lines), count,
                       replace=count > len(train_lines))
    return train_lines.subset(picks), rng


def train(
    model_config: ModelConfig, train_config: TrainConfig, verbose="auto"
) -> keras.Model:
    """Trains (or resumes) a handwriting network, then exports it.

    Args:
        model_config: `ModelConfig`.
        train_config: `TrainConfig`.
        verbose: Keras `fit` verbosity. Defaults to `"auto"`.

    Returns:
        The trained `keras.Model`.

    Raises:
        ValueError: for the synthesis network on a data set without text.
        FileNotFoundError: if the data set's files are missing.
    """
    synthesis = model_config.network == "synthesis"
    if synthesis and train_config.dataset == "sketch_rnn":
        raise ValueError(
            "Received `dataset='sketch_rnn'` with `network='synthesis'`; "
            "sketches have no text: pass --network prediction."
        )
    train_lines, validation_lines = data.load_split(train_config)
    start_run(APP, model_config, train_config)
    assets = data.prepare_assets(train_config.run_dir, train_config,
                                 train_lines, validation_lines)
    alphabet, stats = assets["alphabet"], assets["stats"]
    length = data.text_length(train_config, *[
        s for s in (train_lines, validation_lines) if s is not None])
    if train_lines is not None:
        train_lines = data.normalized(
            train_lines, stats, train_config.clip, train_config.max_points,
            not synthesis, train_config.downsample)

    def make_batches(lines: StrokeLines, num_batches: int, rng):
        return data.length_sorted_batches(
            lines, num_batches, rng, alphabet, length, synthesis)

    def make_epoch(epoch: int) -> list:
        lines, rng = epoch_lines(train_config, train_lines, epoch)
        if train_lines is None:
            lines = data.normalized(lines, stats, train_config.clip,
                                    train_config.max_points, not synthesis,
                                    train_config.downsample)
        return make_batches(lines, train_config.steps_per_epoch, rng)

    validation = None
    if train_config.validation_examples:
        held_out = data.normalized(
            validation_lines, stats, train_config.clip,
            train_config.max_points, not synthesis, train_config.downsample)
        held_out = held_out.subset(range(min(
            train_config.validation_examples, len(held_out))))
        if len(held_out):
            num_batches = -(-len(held_out) // train_config.batch_size)
            validation = data.FixedBatches(make_batches(
                held_out, num_batches, None))
        else:
            print("No validation line is within --max_points "
                  f"{train_config.max_points}; training without validation.")
    if validation is not None and keras.backend.backend() == "tensorflow":
        validation = data.tf_dataset(validation, synthesis)

    with distributed(train_config):
        model = build_model(model_config, len(alphabet))
        compile_model(model, make_optimizer(train_config), model_config,
                      train_config)
        initial_epoch = resume(model, train_config.run_dir)
        batches = data.StrokeBatches(make_epoch, initial_epoch,
                                     train_config.steps_per_epoch)
        training, callbacks = batches, []
        if keras.backend.backend() == "tensorflow":
            training = data.tf_dataset(batches, synthesis)
            callbacks = [data.NextEpoch(batches)]
        fit(model, train_config, training, validation, initial_epoch,
            callbacks=callbacks, verbose=verbose)
    export_after_training(APP, train_config)
    return model


build_parser, main = train_command(
    APP,
    train,
    "Train Graves' handwriting prediction or synthesis network "
    "(Hershey-font lines by default), then export a SavedModel.",
)


if __name__ == "__main__":
    main()
