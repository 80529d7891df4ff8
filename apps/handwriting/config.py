"""How the handwriting networks train, and what the framework knows (`APP`).

Example:

```python
from apps.framework import restore
from apps.handwriting.config import APP

restored = restore(APP, "runs/handwriting")
alphabet = restored.assets["alphabet"]
```
"""

import dataclasses

from apps.framework import App, BaseTrainConfig
from apps.framework.flags import require_choice
from apps.framework.flags import require_non_negative
from apps.framework.flags import require_positive_integers
from apps.framework.flags import require_positive_numbers
from apps.handwriting import data
from apps.handwriting.model import ModelConfig, build_model
from datasets.hershey_strokes import FONTS


@dataclasses.dataclass(frozen=True)
class TrainConfig(BaseTrainConfig):
    """How to train a handwriting network; saved in the run's `config.json`.

    Args:
        run_dir: str, folder for config, alphabet, statistics, checkpoints
            and logs. Defaults to `"runs/handwriting"`.
        epochs: int, total epochs (a resumed run trains up to this).
            Defaults to `30`.
        learning_rate: float, peak Adam learning rate. Defaults to `0.002`.
        clipnorm: float, global gradient-norm clip; `0` disables.
            Defaults to `10.0`.
        validation_examples: int, held-out lines scored after each epoch
            (Hershey: lines drawn once; files: the first of the validation
            split); `0` skips validation. Defaults to `64`.
        export_dir: str, where `train` exports versioned SavedModels
            (`<export_dir>/<version>/`); empty to skip.
            Defaults to `"saved_models/handwriting"`.
        dataset: str, `"hershey"` (embedded), `"iam_ondb"` or
            `"sketch_rnn"` (prediction network only). Defaults to
            `"hershey"`.
        data_dir: str, the IAM-OnDB folder (default
            `../shared/data/iam_ondb_strokes`) or the sketch-rnn `.npz`.
            Defaults to `""`.
        fonts: tuple of str, Hershey fonts lines are written in.
            Defaults to `("scripts",)`.
        min_chars: int, shortest Hershey text. Defaults to `4`.
        max_chars: int, longest Hershey text. Defaults to `16`.
        max_points: int, longest line trained on: the synthesis network
            skips longer lines, the prediction network cuts them; `0` keeps
            all. Defaults to `0`.
        clip: float, offsets are clipped at this many standard deviations.
            Defaults to `15.0`.
        output_gradient_clip: float, Graves' clip of the derivative of each
            point's loss with respect to the network outputs; `0` disables.
            Defaults to `100.0`.
        downsample: int, keep every `downsample`-th point of each stroke
            (and each stroke's ends; `datasets.strokes.downsample`) of every
            line, priming lines included: `2` halves IAM-OnDB's 19 points
            per character, so a CPU-minute trains on twice the text. NLL is
            then per downsampled line, not comparable with Graves'.
            Defaults to `1` (every point).
    """

    run_dir: str = "runs/handwriting"
    epochs: int = 30
    learning_rate: float = 0.002
    clipnorm: float = 10.0
    validation_examples: int = 64
    export_dir: str = "saved_models/handwriting"
    dataset: str = "hershey"
    data_dir: str = ""
    fonts: tuple[str, ...] = ("scripts",)
    min_chars: int = 4
    max_chars: int = 16
    max_points: int = 0
    clip: float = 15.0
    output_gradient_clip: float = 100.0
    downsample: int = 1

    def __post_init__(self):
        super().__post_init__()
        require_choice(self, "dataset", data.DATASETS)
        for font in self.fonts:
            if font not in FONTS:
                raise ValueError(
                    f"Received `fonts` with {font!r}; expected fonts among "
                    f"{FONTS}."
                )
        if not self.fonts:
            raise ValueError("Received `fonts=()`; expected at least one.")
        require_positive_integers(self, ("min_chars", "max_chars",
                                         "downsample"))
        if self.min_chars > self.max_chars:
            raise ValueError(
                f"Received `min_chars={self.min_chars}` > `max_chars="
                f"{self.max_chars}`; expected min_chars <= max_chars."
            )
        require_non_negative(self, ("max_points", "output_gradient_clip"))
        require_positive_numbers(self, "clip")


def load_assets(run_dir, model_config: ModelConfig,
                train_config: TrainConfig) -> dict:
    """`{"alphabet": str, "stats": NormalizationStats}` of the run."""
    del model_config, train_config
    return data.load_assets(run_dir)


APP = App(
    name="handwriting",
    model_config=ModelConfig,
    train_config=TrainConfig,
    build_model=lambda model_config, assets: build_model(
        model_config, len(assets["alphabet"])),
    load_assets=load_assets,
    contract_train_flags=(
        "--epochs", "1", "--steps_per_epoch", "2", "--batch_size", "4",
        "--validation_examples", "4", "--max_chars", "6", "--units", "8",
        "--num_mixtures", "2", "--num_window_components", "2",
    ),
    contract_request={
        "signature": "serving_default",
        "inputs": {"text": ["hi there", "", "caf\u00e9", "x" * 10000]},
        "outputs": ("strokes", "lengths", "svg", "error"),
    },
)
