"""How the chatbot trains, and what the app framework knows of it (`APP`).

Example:

```python
from apps.chatbot.config import APP
from apps.framework import restore

restored = restore(APP, "runs/chatbot")
tokenizer = restored.assets["tokenizer"]
```
"""

import dataclasses
import pathlib

from apps.chatbot import data
from apps.chatbot.model import ModelConfig, build_model
from apps.framework import App, BaseTrainConfig
from apps.framework.flags import require_choice
from apps.framework.flags import require_non_negative
from apps.framework.flags import require_positive_integers
from datasets.vocabulary import load_tokenizer


@dataclasses.dataclass(frozen=True)
class TrainConfig(BaseTrainConfig):
    """How to train the chatbot; saved in the run's `config.json`.

    Args:
        run_dir: str, folder for config, vocabulary, checkpoints and logs.
            Defaults to `"runs/chatbot"`.
        epochs: int, total epochs (a resumed run trains up to this).
            Defaults to `20`.
        batch_size: int, dialogue pairs per step. Defaults to `64`.
        learning_rate: float, peak learning rate. Defaults to `0.002`.
        schedule: str, `"constant"`, `"cosine"` (warm-up, then cosine decay
            to a tenth at the last step) or `"step"` (times `decay_rate`
            every `decay_every` steps from `decay_start`).
            Defaults to `"cosine"`.
        warmup_steps: int, linear warm-up steps (cosine). Defaults to `100`.
        clipnorm: float, global gradient-norm clip; `0` disables.
            Defaults to `5.0`.
        validation_examples: int, held-out pairs scored after each epoch;
            `0` skips validation. Defaults to `256`.
        export_dir: str, where `train` exports versioned SavedModels
            (`<export_dir>/<version>/`) when it ends; empty to skip.
            Defaults to `"saved_models/chatbot"`.
        corpus: str, `"chatterbot_english"`, `"chatterbot_chinese"`
            (embedded), `"dailydialog"`, `"cornell"` or `"parallel"` (a
            `source TAB target` file). Defaults to `"chatterbot_english"`.
        data_dir: str, the corpus's folder (`parallel`: its file); unused by
            the embedded corpora. Defaults to `""`.
        level: str, tokenizer level: `"char"`, `"word"`, `"subword"`, or
            `"auto"` (char for Chinese, subword otherwise).
            Defaults to `"auto"`.
        max_vocabulary: int, most vocabulary entries, special tokens
            included; `0` keeps all (not at subword level).
            Defaults to `2000`.
        context_turns: int, turns of history the model reads (the message
            and the turns before it). Defaults to `2`.
        max_context_tokens: int, most context tokens read (the last ones).
            Defaults to `48`.
        max_reply_tokens: int, most reply tokens trained on and generated.
            Defaults to `24`.
        label_smoothing: float in [0, 1), of the cross-entropy.
            Defaults to `0.1`.
    """

    run_dir: str = "runs/chatbot"
    epochs: int = 20
    batch_size: int = 64
    learning_rate: float = 0.002
    schedule: str = "cosine"
    warmup_steps: int = 100
    clipnorm: float = 5.0
    export_dir: str = "saved_models/chatbot"
    corpus: str = "chatterbot_english"
    data_dir: str = ""
    level: str = "auto"
    max_vocabulary: int = 2000
    context_turns: int = 2
    max_context_tokens: int = 48
    max_reply_tokens: int = 24
    label_smoothing: float = 0.1

    def __post_init__(self):
        super().__post_init__()
        require_choice(self, "corpus", data.CORPORA)
        require_choice(self, "level", data.LEVELS)
        if self.corpus in ("dailydialog", "cornell", "parallel") and (
                not self.data_dir):
            raise ValueError(
                f"Received `corpus={self.corpus!r}` without `data_dir`; pass "
                "--data_dir with the corpus's folder (for `parallel`, its "
                "file)."
            )
        require_non_negative(self, "max_vocabulary")
        if self.tokenizer_level == "subword" and not self.max_vocabulary:
            raise ValueError(
                "Received `max_vocabulary=0` at subword level; WordPiece "
                "needs a target size, e.g. --max_vocabulary 2000."
            )
        require_positive_integers(
            self, ("context_turns", "max_context_tokens", "max_reply_tokens"))
        if not 0 <= self.label_smoothing < 1:
            raise ValueError(
                f"Received `label_smoothing={self.label_smoothing}`; "
                "expected 0 <= x < 1."
            )

    @property
    def tokenizer_level(self) -> str:
        """The level `"auto"` resolves to for this corpus."""
        return data.corpus_level(self.corpus, self.level)


def load_assets(run_dir, model_config, train_config) -> dict:
    """`{"tokenizer": Tokenizer}`, read from the run's vocabulary file."""
    del model_config, train_config
    return {"tokenizer": load_tokenizer(
        pathlib.Path(run_dir) / data.VOCABULARY_FILE)}


APP = App(
    name="chatbot",
    model_config=ModelConfig,
    train_config=TrainConfig,
    build_model=lambda model_config, assets: build_model(
        model_config, assets["tokenizer"].vocabulary_size),
    load_assets=load_assets,
    contract_train_flags=(
        "--epochs", "1", "--steps_per_epoch", "2", "--batch_size", "4",
        "--validation_examples", "0", "--level", "word",
        "--max_vocabulary", "200", "--max_context_tokens", "8",
        "--max_reply_tokens", "6", "--embedding_dim", "8",
        "--encoder_units", "8", "--units", "16", "--attention_units", "8",
    ),
    contract_request={
        "signature": "serving_default",
        "inputs": {"message": ["Hello\nHow are you?", "", "你好 hello"]},
        "outputs": ("reply", "error"),
    },
)
