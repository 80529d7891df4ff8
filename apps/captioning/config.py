"""How the captioner trains, and what the app framework knows of it (`APP`).

Example:

```python
from apps.captioning.config import APP
from apps.framework import restore

restored = restore(APP, "runs/captioning")
restored.assets["tokenizer"].vocabulary[:4]
# ['<pad>', '<unk>', '<start>', '<end>']
```
"""

import dataclasses
import pathlib

from apps.captioning import data
from apps.captioning.model import ModelConfig, build_model
from apps.framework import App, BaseTrainConfig
from apps.framework.flags import require_choice, require_positive_integers

# A 4 x 4 grey PNG, the good image of the contract test's request.
CONTRACT_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x04\x00\x00\x00\x04"
    b"\x08\x02\x00\x00\x00&\x93\t)\x00\x00\x00\x14IDAT\x08\xd7clhh`\x80\x01"
    b"&\x06$\x80\x9b\x03\x00L\x04\x01\x88\x839\x8e\xd1\x00\x00\x00\x00IEND"
    b"\xaeB`\x82"
)


@dataclasses.dataclass(frozen=True)
class TrainConfig(BaseTrainConfig):
    """How to train the captioner; saved in the run's `config.json`.

    Args:
        run_dir: str, folder for config, vocabulary, checkpoints and logs.
            Defaults to `"runs/captioning"`.
        epochs: int, total epochs (a resumed run trains up to this).
            Defaults to `40`: 4,000 steps of drawn shapes, which caption
            about 98% of fresh scenes exactly after 8 CPU-minutes.
        steps_per_epoch: int, optimizer steps per epoch of drawn shapes; an
            epoch of a real dataset is one pass over its training images.
            Defaults to `100`.
        learning_rate: float, peak learning rate. Defaults to `0.002`.
        clipnorm: float, global gradient-norm clip; `0` disables.
            Defaults to `5.0`.
        export_dir: str, where `train` exports versioned SavedModels
            (`<export_dir>/<version>/`) when it ends; empty to skip.
            Defaults to `"saved_models/captioning"`.
        dataset: str, `"shapes"`, `"flickr8k"` or `"coco"`. Defaults to
            `"shapes"`.
        data_dir: str, folder of the real dataset (unused for shapes).
            Defaults to `""`.
        max_words: int, longest caption in words (longer ones are cut).
            Defaults to `16`.
        max_vocabulary: int, most words kept, specials included.
            Defaults to `5000`.
    """

    run_dir: str = "runs/captioning"
    epochs: int = 40
    steps_per_epoch: int = 100
    learning_rate: float = 0.002
    clipnorm: float = 5.0
    export_dir: str = "saved_models/captioning"
    dataset: str = "shapes"
    data_dir: str = ""
    max_words: int = 16
    max_vocabulary: int = 5000

    def __post_init__(self):
        super().__post_init__()
        require_choice(self, "dataset", data.DATASETS)
        if self.dataset != "shapes" and not self.data_dir:
            raise ValueError(
                f"Received `dataset={self.dataset!r}` without `data_dir`; "
                "pass --data_dir with the dataset's folder."
            )
        require_positive_integers(self, "max_words")
        if self.max_vocabulary <= len(data.CAPTION_TOKENS):
            raise ValueError(
                f"Received `max_vocabulary={self.max_vocabulary}`; expected "
                f"more than {len(data.CAPTION_TOKENS)}, the special tokens "
                f"{list(data.CAPTION_TOKENS.values())}."
            )


def load_assets(run_dir, model_config, train_config) -> dict:
    """`{"tokenizer": Tokenizer}`, read from the run's vocabulary file."""
    del model_config, train_config
    return {"tokenizer": data.read_tokenizer(
        pathlib.Path(run_dir) / data.VOCABULARY_FILE
    )}


APP = App(
    name="captioning",
    model_config=ModelConfig,
    train_config=TrainConfig,
    build_model=lambda model_config, assets: build_model(
        model_config, assets["tokenizer"].vocabulary_size
    ),
    load_assets=load_assets,
    contract_train_flags=(
        "--epochs", "1", "--steps_per_epoch", "2", "--batch_size", "4",
        "--validation_examples", "0", "--max_words", "6",
        "--image_size", "16", "--encoder_blocks", "2", "--encoder_width",
        "4", "--feature_dim", "8", "--embedding_dim", "8", "--units", "16",
        "--attention_units", "8",
    ),
    contract_request={
        "signature": "serving_default",
        "inputs": {"images": [CONTRACT_PNG, b"", b"not an image"]},
        "outputs": ("caption", "error"),
    },
)
