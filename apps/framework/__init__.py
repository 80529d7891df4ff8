"""The app framework: what every app's entry points do the same way.

- `configs`: `BaseTrainConfig`, `BaseRunConfig`, `BaseExportConfig`, the
  dataclasses each app's configs extend;
- `flags`: config dataclasses as command-line flags, and the field checks;
- `cli`: `entry_point` and `cli_errors` (expected errors -> one stderr line,
  exit code 2), `parse_configs`;
- `run_directory`: `config.json`, atomic checkpoints, TensorBoard logs;
- `app`: the `App` each app declares in its `config.py`, `restore(app,
  run_dir)` and `export_run`;
- `training`: `start_run`, `make_optimizer`, `resume`, `fit`,
  `export_after_training`;
- `commands`: the `train` and `export` commands (`train_command`,
  `export_command`, and the `train_parser`, `run_train`, `run_export`
  they are built from);
- `distribution`: `distributed(train_config)`, the `--distribute`
  strategies (mirrored, multi-worker, JAX `DataParallel`), `is_chief`;
- `epoch_batches`: `EpochBatches`, reproducible per-epoch data;
- `schedules`: the learning-rate schedules.
"""

from apps.framework.app import App
from apps.framework.app import Restored
from apps.framework.app import export_run
from apps.framework.app import restore
from apps.framework.cli import cli_errors
from apps.framework.cli import entry_point
from apps.framework.cli import parse_configs
from apps.framework.cli import seed_everything
from apps.framework.commands import Command
from apps.framework.commands import export_command
from apps.framework.commands import run_export
from apps.framework.commands import run_train
from apps.framework.commands import train_command
from apps.framework.commands import train_parser
from apps.framework.configs import BaseExportConfig
from apps.framework.configs import BaseRunConfig
from apps.framework.configs import BaseTrainConfig
from apps.framework.distribution import distributed
from apps.framework.distribution import is_chief
from apps.framework.epoch_batches import EpochBatches
from apps.framework.flags import config_parser
from apps.framework.training import export_after_training
from apps.framework.training import fit
from apps.framework.training import make_optimizer
from apps.framework.training import resume
from apps.framework.training import start_run

__all__ = [
    "App",
    "BaseExportConfig",
    "BaseRunConfig",
    "BaseTrainConfig",
    "Command",
    "EpochBatches",
    "Restored",
    "cli_errors",
    "config_parser",
    "distributed",
    "entry_point",
    "export_command",
    "export_after_training",
    "export_run",
    "fit",
    "is_chief",
    "make_optimizer",
    "parse_configs",
    "restore",
    "resume",
    "run_export",
    "run_train",
    "seed_everything",
    "start_run",
    "train_command",
    "train_parser",
]
