"""Tiny chatbots trained once per session, in English and in Chinese.

Each trains through `apps.chatbot.train.train` on two dialogues written as
a DailyDialog file (five `(context, reply)` pairs, two of them with a
two-turn context) until it answers them exactly.
"""

import dataclasses

import keras
import pytest

from apps.chatbot.config import TrainConfig
from apps.chatbot.model import ModelConfig
from apps.chatbot.train import train
from datasets.dialogues import dialogue_pairs

ENGLISH = [["Hello", "Hi there", "How are you?", "I am fine, thanks."],
           ["What is your name?", "I am a bot.", "Good night"]]
CHINESE = [["你好", "你好！", "你好吗？", "我很好，谢谢。"],
           ["你叫什么名字？", "我是机器人。", "晚安"]]
MODEL = ModelConfig(embedding_dim=16, encoder_units=16, units=32,
                    attention_units=16, dropout=0.0)


@dataclasses.dataclass(frozen=True)
class ChatRun:
    """A trained run: its directory, configs and the pairs it learnt."""

    run_dir: str
    model_config: ModelConfig
    train_config: TrainConfig
    pairs: list


def write_dailydialog(folder, dialogues, split="train"):
    """`dialogues_<split>.txt` in DailyDialog's format."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"dialogues_{split}.txt").write_text("".join(
        " __eou__ ".join(turns) + " __eou__\n" for turns in dialogues),
        encoding="utf-8")


def train_run(root, dialogues, level, model_config) -> ChatRun:
    write_dailydialog(root / "data", dialogues)
    train_config = TrainConfig(
        run_dir=str(root / "run"), export_dir="", corpus="dailydialog",
        data_dir=str(root / "data"), level=level, max_vocabulary=200,
        context_turns=2, max_context_tokens=16, max_reply_tokens=12,
        batch_size=5, steps_per_epoch=20, epochs=3, learning_rate=0.03,
        schedule="constant", warmup_steps=0, label_smoothing=0.0,
        validation_examples=0)
    keras.utils.set_random_seed(0)
    train(model_config, train_config, verbose=0)
    return ChatRun(str(root / "run"), model_config, train_config,
                   dialogue_pairs(dialogues, context_turns=2))


@pytest.fixture(scope="session")
def english_run(tmp_path_factory) -> ChatRun:
    """Subword level, Luong attention, shared embeddings."""
    return train_run(tmp_path_factory.mktemp("chatbot_en"), ENGLISH,
                     "subword", MODEL)


@pytest.fixture(scope="session")
def chinese_run(tmp_path_factory) -> ChatRun:
    """Character level, Bahdanau attention, separate embeddings."""
    return train_run(
        tmp_path_factory.mktemp("chatbot_zh"), CHINESE, "char",
        dataclasses.replace(MODEL, attention="bahdanau",
                            shared_embeddings=False))
