"""How a language model trains, and what the app framework knows of it (`APP`).

Example:

```python
from apps.framework import restore
from apps.language_model.config import APP

restored = restore(APP, "runs/language_model")
tokenizer = restored.assets["tokenizer"]
```
"""

import dataclasses
import pathlib

from apps.framework import App, BaseTrainConfig
from apps.framework.flags import require_choice
from apps.framework.flags import require_non_negative
from apps.framework.flags import require_positive_integers
from apps.language_model import data
from apps.language_model.model import ModelConfig, build_model
from datasets.tang_poetry import POEM_SETS
from datasets.text import CORPORA

# The level of each corpus, for run directories whose vocabulary file
# predates the saved level (a bare JSON list); new files carry their level.
LEGACY_CORPUS_LEVELS = {"ptb": "word"}


@dataclasses.dataclass(frozen=True)
class TrainConfig(BaseTrainConfig):
    """How to train a language model; saved in the run's `config.json`.

    Args:
        run_dir: str, folder for config, vocabulary, checkpoints and logs.
            Defaults to `"runs/language_model"`.
        learning_rate: float, peak learning rate. Defaults to `0.003`.
        schedule: str, `"constant"`, `"cosine"` (warm-up, then cosine decay
            to a tenth at the last step) or `"step"` (times `decay_rate`
            every `decay_every` steps from `decay_start`).
            Defaults to `"cosine"`.
        clipnorm: float, global gradient-norm clip; `0` disables.
            Defaults to `5.0`.
        validation_examples: int, validation windows of `sequence_length`
            tokens scored after each epoch (whole batches of contiguous
            streams when `stateful`); `0` skips validation.
            Defaults to `256`.
        export_dir: str, where `train` exports versioned SavedModels
            (`<export_dir>/<version>/`); empty to skip.
            Defaults to `"saved_models/language_model"`.
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
        sequence_length: int, tokens per sequence (BPTT length).
            Defaults to `64`.
        stateful: bool, train on contiguous streams carrying the state
            across batches (truncated BPTT) instead of random windows.
            Defaults to `False`.
    """

    run_dir: str = "runs/language_model"
    learning_rate: float = 0.003
    schedule: str = "cosine"
    clipnorm: float = 5.0
    export_dir: str = "saved_models/language_model"
    dataset: str = "python_docs"
    data_dir: str = ""
    script: str = "simplified"
    poems: str = "all"
    max_vocabulary: int = 0
    sequence_length: int = 64
    stateful: bool = False

    def __post_init__(self):
        super().__post_init__()
        require_choice(self, "dataset", CORPORA)
        require_choice(self, "poems", POEM_SETS)
        require_positive_integers(self, "sequence_length")
        require_non_negative(self, "max_vocabulary")
        require_choice(self, "stateful", (False, True))
        if self.stateful and self.distribute != "none":
            raise ValueError(
                f"Received `stateful=True` with `distribute="
                f"{self.distribute!r}`; a stateful run carries each row's "
                "state from batch to batch on one device: pass "
                "--distribute none, or --stateful false."
            )

    @property
    def legacy_level(self) -> str:
        """The corpus level, only for vocabulary files without their own."""
        return LEGACY_CORPUS_LEVELS.get(self.dataset, "char")


def load_assets(run_dir, model_config: ModelConfig, train_config: TrainConfig):
    """`{"tokenizer": ...}`: the run's tokenizer from its vocabulary file."""
    del model_config
    return {
        "tokenizer": data.load_tokenizer(
            pathlib.Path(run_dir), train_config.legacy_level
        )
    }


APP = App(
    name="language_model",
    model_config=ModelConfig,
    train_config=TrainConfig,
    build_model=lambda model_config, assets: build_model(model_config),
    load_assets=load_assets,
    contract_train_flags=(
        "--epochs", "1", "--steps_per_epoch", "2", "--batch_size", "4",
        "--sequence_length", "16", "--validation_examples", "0",
        "--units", "8", "--embedding_dim", "8", "--num_layers", "1",
    ),
    contract_request={
        "signature": "serving_default",
        "inputs": {"prompts": ["The ", "", "x" * 64]},
        "outputs": ("completion",),
    },
    # Runs trained before the app framework named it `validation_windows`.
    renamed_fields={"validation_windows": "validation_examples"},
    derived_fields=("vocabulary_size",),  # from the vocabulary, not a flag
)
