"""Scores a trained chatbot: perplexity, BLEU-1/2, distinct-1/2, greedy
against beam.

- perplexity: `exp` of the mean negative log-likelihood of the held-out
  replies' tokens (the run's tokenizer: subwords, words or characters, see
  `apps/chatbot/data.py`), `</s>` included, teacher-forced, without label
  smoothing; over every pair of the split.
- BLEU-1 and BLEU-2: sacrebleu's corpus BLEU with `max_ngram_order` 1 and 2
  (brevity penalty included) of the first `num_examples` replies against
  the corpus's, tokenized by sacrebleu's `13a` (`zh` for a character-level,
  Chinese run), on a 0-1 scale.
- sentence BLEU-1 and BLEU-2 (`sentence_bleu_1`, `sentence_bleu_2`): the
  formula the DailyDialog literature uses (PLATO, Bao et al. 2020, and the
  Seq2Seq baseline beside it): NLTK's sentence BLEU with weights
  `(1, 0, 0, 0)` and `(0.5, 0.5, 0, 0)` and smoothing method 7, averaged
  over the replies, on lowercased tokens of the same tokenizer, with the
  installed NLTK. Smoothing and averaging make them much higher than
  corpus BLEU; a short exact match even scores above 1 (method 7 includes
  method 5, which averages each n-gram order's matches with its
  neighbours').
- `nltk34_bleu_1` and `nltk34_bleu_2`: the same with NLTK 3.4's method 7,
  the version PLATO's code pins (`nltk == 3.4` in its `requirement.txt`),
  so the figures comparable with its table. NLTK 3.4's method 4 gives an
  order with no match the precision `1 / (i + 5 / ln(length))` (`i`
  counting orders from 0); NLTK 3.10's gives
  `ln(length) / (10 * 2^j * n-grams)` (`j` counting the unmatched orders
  from 0), far less. Method 5 averages the trigram's precision into the
  bigram's, so NLTK 3.4 scores BLEU-2 much higher (0.341 against 0.221
  for the README's beam-4 replies), and a one-token reply 0 (NLTK 3.4
  divides by `ln(1)`, and PLATO's code scores the error 0).
- distinct-1 and distinct-2 (Li et al. 2016): distinct n-grams over all
  n-grams of those replies, same tokenization.

One row per decoding: greedy, the `DecodingConfig`'s (a beam of 4 by
default) when it differs, and the corpus's own replies (`reference`,
distinct-n only), printed with pandas.

Example:

```
python -m apps.chatbot.evaluate --run_dir runs/dailydialog --num_examples 500
```
"""

import dataclasses
import math

import keras
import numpy as np
import pandas
from keras import ops

from apps.chatbot import data
from apps.chatbot.config import APP
from apps.chatbot.decoding import DecodingConfig, Responder
from apps.framework import BaseRunConfig
from apps.framework import cli_errors
from apps.framework import config_parser
from apps.framework import parse_configs
from apps.framework import restore
from apps.framework import seed_everything
from apps.framework.flags import require_choice
from apps.framework.flags import require_positive_integers
from datasets.dialogues import SPLITS


def bleu_tokenize(level: str):
    """sacrebleu's tokenizer for a run: `zh` at char level, else `13a`."""
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
    from sacrebleu.tokenizers.tokenizer_zh import TokenizerZh

    return TokenizerZh() if level == "char" else Tokenizer13a()


def bleu(replies: list[str], references: list[str], order: int,
         level: str) -> float:
    """Corpus BLEU-`order` on a 0-1 scale (see the module docstring).

    Example:

    >>> round(bleu(["the cat sat"], ["the cat sat down"], 1, "word"), 4)
    0.7165
    """
    from sacrebleu.metrics import BLEU

    metric = BLEU(max_ngram_order=order,
                  tokenize="zh" if level == "char" else "13a")
    return metric.corpus_score(replies, [references]).score / 100


def nltk34_smoothing(p_n, references, hypothesis, hyp_len=None, *args,
                     **kwargs):
    """NLTK 3.4's smoothing method 7 (see the module docstring).

    A `smoothing_function` for `nltk.translate.bleu_score.sentence_bleu`:
    NLTK 3.4's method 4 (an order `i`, from 0, without a match gets the
    precision `1 / (i + 5 / ln(hyp_len))`), then the installed NLTK's
    method 5, which NLTK has not changed since.

    Raises:
        ZeroDivisionError: for a one-token hypothesis with an unmatched
            order, as NLTK 3.4 does (`sentence_bleu` scores it `0`).
    """
    from nltk.translate.bleu_score import SmoothingFunction

    hyp_len = hyp_len or len(hypothesis)
    smoothed = [1 / (order + 5 / math.log(hyp_len))
                if precision.numerator == 0 else precision
                for order, precision in enumerate(p_n)]
    return SmoothingFunction().method5(smoothed, references, hypothesis,
                                       hyp_len)


def sentence_bleu(replies: list[str], references: list[str], order: int,
                  level: str, nltk34: bool = False) -> float:
    """Mean smoothed sentence BLEU-`order` (see the module docstring).

    Args:
        replies: the decoded replies.
        references: the corpus's replies, one per reply.
        order: `1` or `2`.
        level: the run's tokenizer level (`"char"` scores Chinese).
        nltk34: bool, smooth as NLTK 3.4 did (`nltk34_smoothing`) rather
            than as the installed NLTK does. Defaults to `False`.

    Example:

    >>> round(sentence_bleu(["the cat sat"], ["the cat sat down"], 1,
    ...                     "word"), 4)
    0.9554
    """
    from nltk.translate.bleu_score import SmoothingFunction
    from nltk.translate.bleu_score import sentence_bleu as nltk_bleu

    tokenize = bleu_tokenize(level)
    weights = (1.0, 0, 0, 0) if order == 1 else (0.5, 0.5, 0, 0)
    smoothing = nltk34_smoothing if nltk34 else SmoothingFunction().method7
    scores = []
    for reply, reference in zip(replies, references):
        hypothesis = tokenize(reply.lower()).split()
        truth = tokenize(reference.lower()).split()
        try:
            score = (nltk_bleu([truth], hypothesis, weights,
                               smoothing_function=smoothing)
                     if hypothesis and truth else 0.0)
        except ZeroDivisionError:  # NLTK 3.4's smoothing of one token
            score = 0.0
        scores.append(score)
    return float(np.mean(scores)) if scores else 0.0


def distinct(replies: list[str], order: int, level: str) -> float:
    """Distinct `order`-grams over all `order`-grams of the replies.

    Example:

    >>> distinct(["a b a b", "a b"], 2, "word")
    0.5
    """
    tokenize = bleu_tokenize(level)
    grams = [tuple(words[i:i + order])
             for words in (tokenize(reply).split() for reply in replies)
             for i in range(len(words) - order + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


def perplexity(model: keras.Model, inputs: dict, targets: np.ndarray,
               batch_size: int = 64) -> float:
    """`exp` of the mean NLL of the non-`<pad>` targets (teacher-forced).

    Args:
        model: the chatbot of `build_model`.
        inputs: `{"context", "reply"}` arrays of `data.encode_pairs`.
        targets: int32 `(n, Tr)` targets of `data.encode_pairs`.
        batch_size: int, pairs per forward pass. Defaults to `64`.
    """
    total, count = 0.0, 0
    for start in range(0, len(targets), batch_size):
        rows = slice(start, start + batch_size)
        logits = model({k: v[rows] for k, v in inputs.items()},
                       training=False)
        log_probs = ops.convert_to_numpy(
            ops.log_softmax(ops.cast(logits, "float32"), axis=-1))
        target = targets[rows]
        picked = np.take_along_axis(log_probs, target[..., None], -1)[..., 0]
        valid = target != 0
        total -= float(picked[valid].sum())
        count += int(valid.sum())
    return math.exp(total / max(count, 1))


def score_replies(name: str, replies: list[str], references: list[str],
                  level: str) -> dict:
    """One row of the table: BLEU-1/2 and distinct-1/2 of `replies`."""
    lengths = [len(bleu_tokenize(level)(r).split()) for r in replies]
    return {
        "decoding": name,
        "bleu_1": bleu(replies, references, 1, level),
        "bleu_2": bleu(replies, references, 2, level),
        "sentence_bleu_1": sentence_bleu(replies, references, 1, level),
        "sentence_bleu_2": sentence_bleu(replies, references, 2, level),
        "nltk34_bleu_1": sentence_bleu(replies, references, 1, level, True),
        "nltk34_bleu_2": sentence_bleu(replies, references, 2, level, True),
        "distinct_1": distinct(replies, 1, level),
        "distinct_2": distinct(replies, 2, level),
        "mean_length": float(np.mean(lengths)) if lengths else 0.0,
    }


def decoding_name(config: DecodingConfig) -> str:
    """`"greedy"`, `"beam 4"`, `"top_p 0.9"`, `"top_p 0.9, best of 8"` or
    `"top_p 0.9, consensus of 8"`."""
    if config.sampling == "top_p":
        rule = "best" if config.ranking == "log_prob" else "consensus"
        best = (f", {rule} of {config.num_samples}"
                if config.num_samples > 1 else "")
        return f"top_p {config.top_p}{best}"
    return "greedy" if config.num_beams == 1 else f"beam {config.num_beams}"


def evaluate(run_dir: str, split: str, num_examples: int,
             decoding: DecodingConfig, batch_size: int = 64,
             seed: int = 0) -> pandas.DataFrame:
    """Rebuilds the model from `run_dir` and scores it on one split.

    Args:
        run_dir: str, a training run directory.
        split: `"train"`, `"validation"` or `"test"`.
        num_examples: int, pairs decoded for BLEU and distinct.
        decoding: `DecodingConfig` compared with greedy decoding.
        batch_size: int, pairs per batch. Defaults to `64`.
        seed: int, seeds `top_p` sampling. Defaults to `0`.

    Returns:
        `pandas.DataFrame`, one row per decoding (see the module docstring).

    Raises:
        ValueError: if the split has no pairs.
    """
    restored = restore(APP, run_dir)
    model, tokenizer = restored.model, restored.assets["tokenizer"]
    train_config = restored.train_config
    pairs = data.load_pairs(train_config.corpus, train_config.data_dir,
                            split, train_config.context_turns)
    if not pairs:
        raise ValueError(
            f"Received `split={split!r}`, which has no pairs in the corpus "
            f"{train_config.corpus!r}; choose another split.")
    inputs, targets = data.encode_pairs(
        tokenizer, pairs, train_config.max_context_tokens,
        train_config.max_reply_tokens, train_config.context_turns)
    ppl = perplexity(model, inputs, targets, batch_size)
    chosen = [(c, r) for c, r in pairs if len(data.encode_message(
        tokenizer, c, train_config.max_context_tokens,
        train_config.context_turns))][:num_examples]
    messages = [c for c, _ in chosen]
    references = [r for _, r in chosen]
    configs = [dataclasses.replace(decoding, sampling="beam", num_beams=1)]
    if decoding_name(decoding) != "greedy":
        configs.append(decoding)
    rows = []
    for config in configs:
        responder = Responder(model, tokenizer, train_config, config, seed)
        replies = []
        for start in range(0, len(messages), batch_size):
            replies += responder.reply(messages[start:start + batch_size])
        rows.append(score_replies(decoding_name(config), replies, references,
                                  tokenizer.level))
    reference = score_replies("reference", references, references,
                              tokenizer.level)
    rows.append({**reference, **{key: np.nan for key in (
        "bleu_1", "bleu_2", "sentence_bleu_1", "sentence_bleu_2",
        "nltk34_bleu_1", "nltk34_bleu_2")}})
    table = pandas.DataFrame(rows)
    table.insert(1, "perplexity", [ppl] * (len(rows) - 1) + [np.nan])
    table["examples"] = len(chosen)
    return table


@dataclasses.dataclass(frozen=True)
class EvaluateConfig(BaseRunConfig):
    """What to score.

    Args:
        run_dir: str, training run to load. Defaults to `"runs/chatbot"`.
        split: str, `"train"`, `"validation"` or `"test"`. Defaults to
            `"test"`.
        num_examples: int, pairs decoded for BLEU and distinct (the first
            of the split). Defaults to `500`.
        batch_size: int, pairs per batch. Defaults to `64`.
        csv: str, also write the table to this CSV file; empty to skip.
            Defaults to `""`.
    """

    run_dir: str = "runs/chatbot"
    split: str = "test"
    num_examples: int = 500
    batch_size: int = 64
    csv: str = ""

    def __post_init__(self):
        super().__post_init__()
        require_choice(self, "split", SPLITS)
        require_positive_integers(self, ("num_examples", "batch_size"))


def build_parser():
    """The command line of `python -m apps.chatbot.evaluate`."""
    return config_parser(
        APP.command("evaluate"),
        "Perplexity, BLEU-1/2 and distinct-1/2 of a trained chatbot on "
        "held-out pairs, greedy against beam search.",
        EvaluateConfig,
        DecodingConfig,
    )


def main(argv=None) -> None:
    """Parses the command line and prints the table."""
    parser = build_parser()
    with cli_errors(parser.prog):
        config, decoding = parse_configs(
            parser, argv, EvaluateConfig, DecodingConfig)
        seed_everything(config.seed)
        table = evaluate(config.run_dir, config.split, config.num_examples,
                         decoding, config.batch_size, config.seed)
        if config.csv:
            table.to_csv(config.csv, index=False)
    print(table.to_string(index=False, float_format="{:.4f}".format))


if __name__ == "__main__":
    main()
