"""The `train` and `export` commands, the same for every app.

An app's `train.py` ends with

```python
build_parser, main = train_command(APP, train, "Train an LSTM to add ...")

if __name__ == "__main__":
    main()
```

and its `export.py` with `build_parser, main = export_command(APP, "Export
a trained adder ...", ExportConfig)`: the fields an app's `ExportConfig`
adds to `BaseExportConfig` are passed to its `export_restored` as options.
"""

import argparse
import dataclasses
from collections.abc import Callable, Sequence
from typing import NamedTuple

from apps.framework.app import App
from apps.framework.app import export_run
from apps.framework.cli import entry_point
from apps.framework.configs import BaseExportConfig
from apps.framework.distribution import start_distribution
from apps.framework.flags import config_parser


def train_parser(app: App, description: str) -> argparse.ArgumentParser:
    """The command line of `python -m apps.<name>.train`.

    Every field of the app's `TrainConfig` and `ModelConfig` is a flag,
    except the model fields `train` derives itself (`App.derived_fields`).

    Args:
        app: the app's `App`.
        description: str, what the command does (shown by `--help`).

    Returns:
        The `argparse.ArgumentParser`.
    """
    return config_parser(
        app.command("train"), description, app.train_config,
        app.model_config, skip=app.derived_fields,
    )


def run_train(
    app: App,
    train: Callable,
    parser: argparse.ArgumentParser,
    argv: Sequence[str] | None = None,
) -> None:
    """Parses `argv`, seeds and calls `train(model_config, train_config)`.

    A `--distribute multi_worker` strategy is made first (see
    `apps.framework.distribution.start_distribution`).

    Expected errors are one stderr line and exit code 2; Ctrl-C says
    "rerun the same command to resume" (see `apps.framework.cli`).

    Example:

    >>> def main(argv=None):
    ...     run_train(APP, train, build_parser(), argv)
    """
    with entry_point(
        parser, argv, app.model_config, app.train_config,
        skip=app.derived_fields,
        interrupted_hint="rerun the same command to resume",
    ) as (model_config, train_config):
        start_distribution(train_config)
        train(model_config, train_config)


def run_export(
    app: App,
    parser: argparse.ArgumentParser,
    argv: Sequence[str] | None,
    config_class: type,
    **option_classes: type,
):
    """Parses `argv`, exports the run and prints the version folder.

    Args:
        app: the app's `App`.
        parser: the export command's parser (flags of `config_class` and of
            each option class).
        argv: list of str, or `None` for `sys.argv[1:]`.
        config_class: the app's `ExportConfig` (a `BaseExportConfig`); its
            own fields are passed to `export_restored` by name.
        **option_classes: more config classes, each passed whole under its
            keyword (e.g. `decoding=DecodingConfig`).

    Returns:
        `pathlib.Path` of the exported version.
    """
    base = {field.name for field in dataclasses.fields(BaseExportConfig)}
    with entry_point(
        parser, argv, config_class, *option_classes.values()
    ) as configs:
        config = configs[0]
        options = {
            field.name: getattr(config, field.name)
            for field in dataclasses.fields(config)
            if field.name not in base
        }
        options.update(zip(option_classes, configs[1:]))
        path = export_run(
            app, config.run_dir, config.model_dir, config.version, **options
        )
    print(f"Exported {path}")
    return path


class Command(NamedTuple):
    """An entry point: `build_parser()` and `main(argv=None)`."""

    build_parser: Callable[[], argparse.ArgumentParser]
    main: Callable[..., object]


def train_command(app: App, train: Callable, description: str) -> Command:
    """`python -m apps.<name>.train`: its parser and its `main`.

    Args:
        app: the app's `App`.
        train: the app's `train(model_config, train_config)`.
        description: str, what the command does (shown by `--help`).

    Returns:
        `Command(build_parser, main)`; `main(argv=None)` parses `argv`
        (`None`: `sys.argv[1:]`) and trains (see `run_train`).

    Example:

    >>> build_parser, main = train_command(APP, train, "Train an adder.")
    """

    def build_parser() -> argparse.ArgumentParser:
        return train_parser(app, description)

    def main(argv: Sequence[str] | None = None) -> None:
        run_train(app, train, build_parser(), argv)

    build_parser.__doc__ = f"The command line of `{app.command('train')}`."
    main.__doc__ = "Parses the command line and trains."
    return Command(build_parser, main)


def export_command(
    app: App,
    description: str,
    config_class: type,
    **option_classes: type,
) -> Command:
    """`python -m apps.<name>.export`: its parser and its `main`.

    Args:
        app: the app's `App`.
        description: str, what the command does (shown by `--help`).
        config_class: the app's `ExportConfig` (see `run_export`).
        **option_classes: more config classes, each passed whole to
            `export_restored` under its keyword (see `run_export`).

    Returns:
        `Command(build_parser, main)`; `main(argv=None)` exports and returns
        the version folder.

    Example:

    >>> build_parser, main = export_command(
    ...     APP, "Export a trained adder.", ExportConfig)
    """

    def build_parser() -> argparse.ArgumentParser:
        return config_parser(app.command("export"), description,
                             config_class, *option_classes.values())

    def main(argv: Sequence[str] | None = None):
        return run_export(app, build_parser(), argv, config_class,
                          **option_classes)

    build_parser.__doc__ = f"The command line of `{app.command('export')}`."
    main.__doc__ = "Parses the command line and exports."
    return Command(build_parser, main)
