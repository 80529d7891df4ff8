"""Validation NLL of a trained network, in nats per line and per point.

Graves 2013 reports the negative log-likelihood of the validation lines in
nats per line (Tables 3 and 4: -1041.0 for the 3x400 prediction network,
-1096.9 for the synthesis network on IAM-OnDB; negative because offsets are
continuous, so their density can exceed 1). Here the offsets are in the
run's normalised units (divided by their standard deviation, as Graves
normalised his inputs); `nll_raw_per_point` adds `log(std_x std_y)` per
point to give the NLL in the data's own units. Lines are scored as in
training: clipped offsets, the synthesis network skipping lines over
`--max_points` of the run (`0` scores all).

Example:

```
python -m apps.handwriting.evaluate --run_dir runs/handwriting
```
"""

import dataclasses

import keras
import pandas

from apps.framework import BaseRunConfig
from apps.framework import Restored
from apps.framework import config_parser
from apps.framework import entry_point
from apps.framework import restore
from apps.framework.flags import require_non_negative
from apps.handwriting import data
from apps.handwriting.config import APP
from rnn_layers import MixtureDensityLoss

BATCH_SIZE = 16


def score_lines(restored: Restored, lines, text_length: int) -> dict:
    """NLL totals of normalised lines under the restored network.

    Returns:
        dict with `lines`, `points`, `nll_per_line`, `nll_per_point` (nats,
        normalised units) and `nll_raw_per_point` (nats, data units).
    """
    synthesis = restored.model_config.network == "synthesis"
    num_batches = max(-(-len(lines) // BATCH_SIZE), 1)
    per_point = MixtureDensityLoss(restored.model_config.num_mixtures,
                                   reduction="none")
    total, points = 0.0, 0
    for inputs, targets, weights in data.length_sorted_batches(
        lines, num_batches, None, restored.assets["alphabet"], text_length,
        synthesis,
    ):
        params = restored.model(inputs, training=False)
        nll = keras.ops.convert_to_numpy(per_point(targets, params))
        total += float((nll * weights).sum())
        points += int(weights.sum())
    per_point = total / max(points, 1)
    return {
        "lines": len(lines),
        "points": points,
        "nll_per_line": total / max(len(lines), 1),
        "nll_per_point": per_point,
        "nll_raw_per_point": per_point + restored.assets["stats"].log_scale(),
    }


def evaluate(run_dir: str, num_lines: int) -> dict:
    """Scores up to `num_lines` validation lines (`0`: all) of the run's data.

    Returns:
        The `score_lines` dict plus `network`, `dataset`, `epoch` and
        `step`.
    """
    restored = restore(APP, run_dir)
    train_config = restored.train_config
    train, lines = data.load_split(train_config, num_lines)
    text_length = data.text_length(train_config, *[
        s for s in (train, lines) if s is not None])
    if num_lines:
        lines = lines.subset(range(min(num_lines, len(lines))))
    synthesis = restored.model_config.network == "synthesis"
    lines = data.normalized(lines, restored.assets["stats"],
                            train_config.clip, train_config.max_points,
                            keep_long=not synthesis,
                            downsample=train_config.downsample)
    scores = score_lines(restored, lines, text_length)
    return {"network": restored.model_config.network,
            "dataset": train_config.dataset, "epoch": restored.epoch,
            "step": restored.step, **scores}


@dataclasses.dataclass(frozen=True)
class EvaluateConfig(BaseRunConfig):
    """What to score.

    Args:
        run_dir: str, training run to load. Defaults to
            `"runs/handwriting"`.
        num_lines: int, validation lines to score; `0` scores the whole
            split (Hershey: the run's `validation_examples`).
            Defaults to `0`.
    """

    run_dir: str = "runs/handwriting"
    num_lines: int = 0

    def __post_init__(self):
        super().__post_init__()
        require_non_negative(self, "num_lines")


def build_parser():
    """The command line of `python -m apps.handwriting.evaluate`."""
    return config_parser(
        APP.command("evaluate"),
        "Validation NLL of a trained handwriting network, in nats per line "
        "and per point (Graves 2013, Tables 3-4).",
        EvaluateConfig,
    )


def main(argv=None) -> None:
    """Parses the command line and prints a table."""
    with entry_point(build_parser(), argv, EvaluateConfig) as (config,):
        row = evaluate(config.run_dir, config.num_lines)
    table = pandas.DataFrame([row])
    print(table.to_string(index=False, float_format="{:.3f}".format))


if __name__ == "__main__":
    main()
