"""How the adder trains, and what the app framework knows of it (`APP`).

Example:

```python
from apps.addition.config import APP, TrainConfig
from apps.framework import restore

restored = restore(APP, "runs/addition")
```
"""

import dataclasses

from apps.addition import data
from apps.addition.model import ModelConfig, build_model
from apps.framework import App, BaseTrainConfig


@dataclasses.dataclass(frozen=True)
class TrainConfig(BaseTrainConfig):
    """How to train the adder; saved in the run's `config.json`.

    Args:
        run_dir: str, folder for config, checkpoints and TensorBoard logs.
            Defaults to `"runs/addition"`.
        batch_size: int, problems per step. Defaults to `128`.
        learning_rate: float, peak Adam learning rate. Defaults to `0.01`.
        validation_examples: int, held-out problems scored after each
            epoch. Defaults to `1000`.
        export_dir: str, where `train` exports versioned SavedModels
            (`<export_dir>/<version>/`); empty to skip.
            Defaults to `"saved_models/addition"`.
        max_digits: int, longest operand seen in training. Defaults to `3`.
    """

    run_dir: str = "runs/addition"
    batch_size: int = 128
    learning_rate: float = 0.01
    validation_examples: int = 1000
    export_dir: str = "saved_models/addition"
    max_digits: int = 3

    def __post_init__(self):
        super().__post_init__()
        data.num_steps_for(self.max_digits)  # validates max_digits


APP = App(
    name="addition",
    model_config=ModelConfig,
    train_config=TrainConfig,
    build_model=lambda model_config, assets: build_model(model_config),
    contract_train_flags=(
        "--epochs", "1", "--steps_per_epoch", "2", "--batch_size", "8",
        "--validation_examples", "0", "--units", "4", "--embedding_dim", "2",
    ),
    contract_request={
        "signature": "serving_default",
        "inputs": {"problems": ["12+3", "", "1+x"]},
        "outputs": ("sum", "error"),
    },
)
