"""The config dataclasses every app's entry points start from.

An app subclasses them, adding its own fields and redeclaring a field to
change its default (a redeclared field keeps its place and its help):

```python
@dataclasses.dataclass(frozen=True)
class TrainConfig(BaseTrainConfig):
    \"\"\"How to train the adder.

    Args:
        max_digits: int, longest operand seen in training. Defaults to `3`.
    \"\"\"

    run_dir: str = "runs/addition"
    export_dir: str = "saved_models/addition"
    max_digits: int = 3

    def __post_init__(self):
        super().__post_init__()
        ...
```

Flags, help texts and `config.json` sections come from these classes
(`apps.framework.flags`, `apps.framework.run_directory`). Configs are frozen:
nothing changes a config after parsing.
"""

import dataclasses

from apps.framework.flags import require_choice
from apps.framework.flags import require_folder
from apps.framework.flags import require_non_negative
from apps.framework.flags import require_positive_integers
from apps.framework.flags import require_positive_numbers
from apps.framework.schedules import SCHEDULES

OPTIMIZERS = ("adam", "sgd")
DISTRIBUTIONS = ("none", "mirrored", "multi_worker")


@dataclasses.dataclass(frozen=True)
class BaseTrainConfig:
    """How to train; saved as the `train` section of the run's `config.json`.

    Args:
        run_dir: str, folder for config, vocabulary, checkpoints and logs.
            Defaults to `"runs/app"`.
        epochs: int, total epochs (a resumed run trains up to this).
            Defaults to `10`.
        steps_per_epoch: int, optimizer steps per epoch. Defaults to `100`.
        checkpoint_every: int, optimizer steps between checkpoints inside
            an epoch (one is also written after every epoch), so a killed
            run loses at most this many steps; `0` checkpoints at epoch
            ends only. Defaults to `50`.
        batch_size: int, examples per step. Defaults to `32`.
        optimizer: str, `"adam"` or `"sgd"`. Defaults to `"adam"`.
        learning_rate: float, peak learning rate. Defaults to `0.001`.
        schedule: str, `"constant"`, `"cosine"` (warm-up, then cosine decay
            to a tenth at the last step) or `"step"` (times `decay_rate`
            every `decay_every` steps from `decay_start`).
            Defaults to `"constant"`.
        warmup_steps: int, linear warm-up steps (cosine). Defaults to `0`.
        decay_start: int, first decayed step (step). Defaults to `0`.
        decay_every: int, steps between decays (step). Defaults to `1000`.
        decay_rate: float in (0, 1], factor of each decay (step).
            Defaults to `0.5`.
        clipnorm: float, global gradient-norm clip; `0` disables.
            Defaults to `0.0`.
        validation_examples: int, held-out examples scored after each
            epoch; `0` skips validation. Defaults to `256`.
        seed: int, seeds data order and weight initialisation.
            Defaults to `0`.
        export_dir: str, where `train` exports versioned SavedModels
            (`<export_dir>/<version>/`) when it ends; empty to skip.
            Defaults to `"saved_models/app"`.
        distribute: str, data-parallel training over devices: `"none"`,
            `"mirrored"` (every local GPU, else every logical CPU device;
            `keras.distribution.DataParallel` on JAX) or `"multi_worker"`
            (`tf.distribute.MultiWorkerMirroredStrategy` from `TF_CONFIG`,
            TensorFlow only). `batch_size` stays the global batch.
            Defaults to `"none"`.
    """

    run_dir: str = "runs/app"
    epochs: int = 10
    steps_per_epoch: int = 100
    checkpoint_every: int = 50
    batch_size: int = 32
    optimizer: str = "adam"
    learning_rate: float = 0.001
    schedule: str = "constant"
    warmup_steps: int = 0
    decay_start: int = 0
    decay_every: int = 1000
    decay_rate: float = 0.5
    clipnorm: float = 0.0
    validation_examples: int = 256
    seed: int = 0
    export_dir: str = "saved_models/app"
    distribute: str = "none"

    def __post_init__(self):
        require_folder(self, "run_dir", "runs/my_run")
        require_positive_integers(
            self, ("epochs", "steps_per_epoch", "batch_size", "decay_every")
        )
        require_positive_numbers(self, "learning_rate")
        require_non_negative(
            self,
            ("checkpoint_every", "warmup_steps", "decay_start", "clipnorm",
             "validation_examples"),
        )
        require_choice(self, "optimizer", OPTIMIZERS)
        require_choice(self, "schedule", SCHEDULES)
        require_choice(self, "distribute", DISTRIBUTIONS)
        if not 0 < self.decay_rate <= 1:
            raise ValueError(
                f"Received `decay_rate={self.decay_rate}`; expected "
                "0 < decay_rate <= 1."
            )

    @property
    def total_steps(self) -> int:
        """Optimizer steps of the whole run, `epochs * steps_per_epoch`."""
        return self.epochs * self.steps_per_epoch


@dataclasses.dataclass(frozen=True)
class BaseRunConfig:
    """What `generate` and `evaluate` read: a training run and a seed.

    Args:
        run_dir: str, the `--run_dir` of a training run. Defaults to
            `"runs/app"`.
        seed: int, seeds every random draw. Defaults to `0`.
    """

    run_dir: str = "runs/app"
    seed: int = 0

    def __post_init__(self):
        require_folder(self, "run_dir", "runs/my_run")


@dataclasses.dataclass(frozen=True)
class BaseExportConfig(BaseRunConfig):
    """What `export` reads: a training run and where to write the version.

    Args:
        model_dir: str, folder of the model's versioned exports
            (`<model_dir>/<version>/`, what TF Serving watches).
            Defaults to `"saved_models/app"`.
        version: int, version number to write; `0` takes the next free one.
            Defaults to `0`.
    """

    model_dir: str = "saved_models/app"
    version: int = 0

    def __post_init__(self):
        super().__post_init__()
        require_folder(self, "model_dir", "saved_models/my_model")
        require_non_negative(self, "version")
