"""Frozen config dataclasses as command-line flags, and back.

Every entry point of every app (`train`, `generate`, `evaluate`, `export`)
exposes each field of its config dataclasses (say `TrainConfig` and
`ModelConfig`) as a `--<field>` flag whose help is the field's line in the
`Args:` docstring of the class or of a base class, then rebuilds the configs
from the parsed flags. Field types decide the flag: `int`, `float`, `str`,
`bool` (`--stateful true`, `--stateful 0`, a bare `--stateful`), and
`tuple[int, ...]` or `tuple[str, ...]` (one or more values, `--digits 3
5`). A field with `metadata={"positional": True}` is a positional argument
(zero or more values for a tuple). The `require_*` helpers are the field
checks those configs share in `__post_init__`, with the shared error
messages.

Example:

```python
parser = argparse.ArgumentParser(prog="python -m apps.addition.train")
add_config_flags(parser, TrainConfig, ModelConfig)
train_config, model_config = configs_from_args(
    parser.parse_args(["--epochs", "3"]), TrainConfig, ModelConfig
)
```
"""

import argparse
import dataclasses
import typing
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

_TRUE = ("1", "true", "yes")
_FALSE = ("0", "false", "no")
_SCALARS = {kind.__name__: kind for kind in (bool, int, float, str)}


def field_help(config_cls: type, name: str) -> str:
    """The one-line help of a config field, from its `Args:` docstring.

    The entry `name: ...` and its indented continuation lines are joined,
    cut before `Defaults to` and stripped of the final period.

    Args:
        config_cls: a class whose docstring documents `name` in Google style.
        name: str, the field name.

    Returns:
        The help text, e.g. `"int, LSTM units per layer"`; `name` itself
        when the docstring does not document the field.

    Example:

    >>> field_help(ModelConfig, "units")  # "units: int, LSTM units ..."
    'int, LSTM units per layer'
    """
    for cls in getattr(config_cls, "__mro__", (config_cls,)):
        text = _docstring_entry(cls.__doc__ or "", name)
        if text is not None:
            return text
    return name


def _docstring_entry(docstring: str, name: str) -> str | None:
    """The `name: ...` entry of a Google-style docstring, or `None`."""
    lines = docstring.splitlines()
    marker = f"{name}: "
    for index, line in enumerate(lines):
        entry = line.lstrip()
        if not entry.startswith(marker):
            continue
        indent = len(line) - len(entry)
        parts = [entry[len(marker) :]]
        for following in lines[index + 1 :]:
            text = following.lstrip()
            if not text or len(following) - len(text) <= indent:
                break  # a blank line, the next entry or the next section
            parts.append(text)
        text = " ".join(parts).split("Defaults to")[0]
        return " ".join(text.split()).rstrip(".")
    return None


def parse_bool(text: str) -> bool:
    """Reads a boolean flag value: `1/true/yes` or `0/false/no` (any case).

    Args:
        text: str, the value given on the command line.

    Returns:
        The boolean.

    Raises:
        argparse.ArgumentTypeError: for any other text (argparse reports it
            as a usage error naming the flag).

    Example:

    >>> parse_bool("Yes"), parse_bool("0")
    (True, False)
    """
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise argparse.ArgumentTypeError(
        f"Received {text!r}; expected one of {', '.join(_TRUE)} (true) or "
        f"{', '.join(_FALSE)} (false)."
    )


def _default(field: dataclasses.Field) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return dataclasses.MISSING


def _flag_type(
    field: dataclasses.Field, default: Any
) -> tuple[Callable[[str], Any], bool]:
    """The parser of one value and whether the flag takes several.

    `int`, `float`, `parse_bool` or `str`, from the annotation (or the
    default's type); `tuple[X, ...]` gives `X`'s parser and `True`.
    """
    kind = field.type
    if isinstance(kind, str):  # `from __future__ import annotations`
        kind = _SCALARS.get(kind, kind)
    many = typing.get_origin(kind) is tuple
    if many:
        kind = typing.get_args(kind)[0]
    elif kind not in _SCALARS.values() and default is not dataclasses.MISSING:
        kind = type(default)
    if kind is bool:
        return parse_bool, many
    if kind in (int, float):
        return kind, many
    return str, many


def _flag_fields(
    config_cls: type, skip: Collection[str]
) -> list[dataclasses.Field]:
    if not isinstance(config_cls, type) or not dataclasses.is_dataclass(
        config_cls
    ):
        raise TypeError(
            f"Received `config_cls={config_cls!r}`; expected a dataclass "
            "class such as `TrainConfig`."
        )
    return [
        f for f in dataclasses.fields(config_cls)
        if f.init and f.name not in skip
    ]


def add_config_flags(
    parser: argparse.ArgumentParser,
    *config_classes: type,
    skip: Collection[str] = (),
) -> None:
    """Adds a `--<field>` flag for every field of the config dataclasses.

    A name with underscores also answers with hyphens (`--data_dir` and
    `--data-dir`); help shows both. A field annotated (or defaulting to)
    `int` or `float` parses as that type, `bool` through `parse_bool`,
    `tuple[X, ...]` as one or more `X`, anything else as `str`. The help is
    `field_help` followed by `(default: %(default)s)`; a field without a
    default gives a required flag. `metadata={"positional": True}` makes
    the field a positional argument.

    Args:
        parser: the `argparse.ArgumentParser` to extend.
        *config_classes: dataclass classes, flagged in this order.
        skip: field names to leave off the command line (e.g. a field the
            program fills in itself). Defaults to `()`.

    Raises:
        TypeError: if a class is not a dataclass.
        argparse.ArgumentError: if two classes share a field name.

    Example:

    >>> parser = argparse.ArgumentParser()
    >>> add_config_flags(parser, TrainConfig, ModelConfig,
    ...                  skip=("vocabulary_size",))
    >>> parser.parse_args(["--units", "8"]).units
    8
    """
    for config_cls in config_classes:
        for field in _flag_fields(config_cls, skip):
            _add_flag(parser, config_cls, field)


def _add_flag(
    parser: argparse.ArgumentParser,
    config_cls: type,
    field: dataclasses.Field,
) -> None:
    """Adds the flag (or positional argument) of one config field."""
    default = _default(field)
    parse, many = _flag_type(field, default)
    # argparse formats help with %: escape the docstring's own.
    text = field_help(config_cls, field.name).replace("%", "%%")
    positional = field.metadata.get("positional", False)
    extra = {"type": parse}
    if many:
        extra["nargs"] = "*" if positional else "+"
    elif parse is parse_bool and not positional:
        extra.update(nargs="?", const=True)  # a bare `--interactive` is true
    if default is dataclasses.MISSING:
        if not positional:
            extra["required"] = True
    else:
        extra["default"] = default
        # An empty default would read "(default: )".
        text += ' (default: "")' if default == "" else " (default: %(default)s)"
    if positional:
        parser.add_argument(field.name, help=text, **extra)
        return
    names = dict.fromkeys(
        [f"--{field.name}", f"--{field.name.replace('_', '-')}"])
    parser.add_argument(*names, dest=field.name, help=text, **extra)


def config_parser(
    prog: str,
    description: str,
    *config_classes: type,
    skip: Collection[str] = (),
) -> argparse.ArgumentParser:
    """A new `argparse.ArgumentParser` with the flags of the config classes.

    Args:
        prog: str, the command, e.g. `"python -m apps.addition.train"`.
        description: str, what the command does (shown by `--help`).
        *config_classes: dataclass classes, flagged in this order.
        skip: field names to leave off the command line. Defaults to `()`.

    Returns:
        The parser (see `add_config_flags`).

    Example:

    >>> parser = config_parser("python -m apps.addition.train",
    ...                        "Train the adder.", TrainConfig, ModelConfig)
    >>> train_config, model_config = configs_from_args(
    ...     parser.parse_args([]), TrainConfig, ModelConfig)
    """
    parser = argparse.ArgumentParser(prog=prog, description=description)
    add_config_flags(parser, *config_classes, skip=skip)
    return parser


def configs_from_args(
    args: Mapping[str, Any] | argparse.Namespace,
    *config_classes: type,
    skip: Collection[str] = (),
) -> tuple:
    """Builds each config dataclass from its own fields of parsed flags.

    Fields missing from `args`, and those in `skip`, keep their defaults;
    keys that are no field of any class are ignored.

    Args:
        args: parsed flags, an `argparse.Namespace` or a dict of them.
        *config_classes: dataclass classes to build.
        skip: field names not to take from `args`. Defaults to `()`.

    Returns:
        A tuple with one instance per class, in the order given.

    Raises:
        TypeError: if a class is not a dataclass.
        ValueError: whatever a config's `__post_init__` raises.

    Example:

    >>> args = {"epochs": 3, "units": 8}
    >>> train_config, model_config = configs_from_args(
    ...     args, TrainConfig, ModelConfig)
    >>> train_config.epochs, model_config.units
    (3, 8)
    """
    if isinstance(args, argparse.Namespace):
        args = vars(args)
    return tuple(
        config_cls(**{
            field.name: _field_value(field, args[field.name])
            for field in _flag_fields(config_cls, skip)
            if field.name in args
        })
        for config_cls in config_classes
    )


def _field_value(field: dataclasses.Field, value: Any) -> Any:
    """Parsed flag values as the field stores them (lists become tuples)."""
    if isinstance(value, list):
        return tuple(value)
    return value


def _require_each(
    config: Any,
    names: str | Iterable[str],
    passes: Callable[[Any], bool],
    expected: str,
) -> None:
    """Raises "Received `<name>=<value>`; <expected>." at the first failure."""
    for name in (names,) if isinstance(names, str) else names:
        value = getattr(config, name)
        if not passes(value):
            raise ValueError(f"Received `{name}={value}`; {expected}.")


def require_folder(config: Any, name: str, example: str) -> None:
    """Checks that the folder field `name` of `config` is not empty.

    Args:
        config: the config (usually `self` in `__post_init__`).
        name: str, the field name, e.g. `"run_dir"`.
        example: str, a folder named in the error, e.g. `"runs/addition"`.

    Raises:
        ValueError: if the field is empty.

    Example:

    >>> require_folder(TrainConfig(run_dir="runs/a"), "run_dir", "runs/a")
    """
    value = getattr(config, name)
    if not value:
        raise ValueError(
            f"Received `{name}={value!r}`; expected a folder such as "
            f"{example!r}."
        )


def require_positive_integers(config: Any, names: str | Iterable[str]) -> None:
    """Checks that each named field of `config` is at least 1.

    Args:
        config: the config (usually `self` in `__post_init__`).
        names: a field name or an iterable of them, checked in order.

    Raises:
        ValueError: for the first field below 1, e.g. "Received `epochs=0`;
            expected a positive integer."

    Example:

    >>> require_positive_integers(config, ("epochs", "batch_size"))
    """
    _require_each(
        config, names, lambda value: not value < 1,
        "expected a positive integer",
    )


def require_positive_numbers(config: Any, names: str | Iterable[str]) -> None:
    """Checks that each named field of `config` is above 0 (NaN fails).

    Args:
        config: the config (usually `self` in `__post_init__`).
        names: a field name or an iterable of them, checked in order.

    Raises:
        ValueError: for the first field not above 0, e.g. "Received
            `learning_rate=0.0`; expected a positive number."

    Example:

    >>> require_positive_numbers(config, "learning_rate")
    """
    _require_each(
        config, names, lambda value: value > 0, "expected a positive number"
    )


def require_non_negative(config: Any, names: str | Iterable[str]) -> None:
    """Checks that each named field of `config` is at least 0.

    Args:
        config: the config (usually `self` in `__post_init__`).
        names: a field name or an iterable of them, checked in order.

    Raises:
        ValueError: for the first field below 0, e.g. "Received
            `validation_examples=-1`; expected >= 0."

    Example:

    >>> require_non_negative(config, ("warmup_steps", "decay_start"))
    """
    _require_each(config, names, lambda value: not value < 0, "expected >= 0")


def require_choice(config: Any, name: str, choices: Collection[str]) -> None:
    """Checks that the field `name` of `config` is one of `choices`.

    Args:
        config: the config (usually `self` in `__post_init__`).
        name: str, the field name, e.g. `"dataset"`.
        choices: the allowed values.

    Raises:
        ValueError: e.g. "Received `dataset='x'`; expected one of
            ('shapes', 'flickr8k')."

    Example:

    >>> require_choice(config, "optimizer", ("adam", "sgd"))
    """
    value = getattr(config, name)
    if value not in choices:
        raise ValueError(
            f"Received `{name}={value!r}`; expected one of {tuple(choices)}."
        )
