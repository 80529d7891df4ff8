"""One command-line convention for every entry point of every app.

Each `python -m apps.<name>.<verb>` module has `build_parser()` (flags made
from its config dataclasses by `apps.framework.flags`) and `main(argv=None)`,
which parses, seeds and calls a plain function inside `entry_point()` (that
is, `cli_errors()` around `parse_configs()` and `seed_everything()`):

- an expected error (a bad flag value, a missing or corrupt file, an export
  off TensorFlow: `ValueError`, `OSError`, `RuntimeError`) is
  printed as one line `<prog>: error: <message>` on stderr and the process
  exits with code 2, the code argparse uses for bad flags, never with a
  traceback;
- Ctrl-C prints one line saying how to go on and exits with code 130.

Set `RNN_SUITE_TRACEBACK=1` in the environment to see the traceback of an
expected error as well (for debugging).

Example:

```python
def main(argv=None):
    with entry_point(build_parser(), argv, GenerateConfig) as (config,):
        print(generate(config))
```
"""

import argparse
import contextlib
import os
import sys
from collections.abc import Collection, Sequence

import keras

from apps.framework.flags import configs_from_args

# What `cli_errors` reports as one line; anything else is a bug and keeps
# its traceback.
EXPECTED_ERRORS = (ValueError, OSError, RuntimeError)
USAGE_ERROR_CODE = 2
INTERRUPTED_CODE = 130


def one_line(error: BaseException) -> str:
    """The error's message on a single line (newlines become spaces)."""
    text = " ".join(str(error).split())
    if isinstance(error, OSError) and error.filename and not text:
        text = f"{error.strerror}: {error.filename}"
    return text or type(error).__name__


@contextlib.contextmanager
def cli_errors(prog: str, interrupted_hint: str = ""):
    """Turns expected errors into one stderr line and exit code 2.

    Args:
        prog: str, the command named at the start of the line, e.g.
            `"python -m apps.addition.train"`.
        interrupted_hint: str, what to tell the user after Ctrl-C, e.g.
            `"rerun the same command to resume"`. Defaults to `""`.

    Raises:
        SystemExit: code 2 for an `EXPECTED_ERRORS` error, 130 for
            `KeyboardInterrupt`.

    Example:

    >>> with cli_errors("python -m apps.addition.generate"):
    ...     raise ValueError("Received `num_samples=0`; expected >= 1.")
    Traceback (most recent call last):
    SystemExit: 2
    """
    try:
        yield
    except KeyboardInterrupt:
        hint = f"; {interrupted_hint}" if interrupted_hint else ""
        print(f"{prog}: interrupted{hint}.", file=sys.stderr)
        raise SystemExit(INTERRUPTED_CODE) from None
    except EXPECTED_ERRORS as error:
        if os.environ.get("RNN_SUITE_TRACEBACK"):
            raise
        print(f"{prog}: error: {one_line(error)}", file=sys.stderr)
        raise SystemExit(USAGE_ERROR_CODE) from None


def parse_configs(
    parser: argparse.ArgumentParser,
    argv: Sequence[str] | None,
    *config_classes: type,
    skip: Collection[str] = (),
) -> tuple:
    """Parses `argv` and builds one config per class (see `configs_from_args`).

    Call it inside `cli_errors`, so that a value a config's `__post_init__`
    refuses (say `--epochs -3`) is reported as one line with exit code 2.

    Args:
        parser: the entry point's parser from `build_parser()`.
        argv: list of str, or `None` for `sys.argv[1:]`.
        *config_classes: the dataclass classes flagged by `parser`.
        skip: field names left off the command line. Defaults to `()`.

    Returns:
        A tuple with one config instance per class.
    """
    args = parser.parse_args(argv)
    return configs_from_args(args, *config_classes, skip=skip)


def seed_everything(seed: int) -> None:
    """Seeds Python, NumPy and the Keras backend once, in `main`."""
    keras.utils.set_random_seed(seed)


@contextlib.contextmanager
def entry_point(
    parser: argparse.ArgumentParser,
    argv: Sequence[str] | None,
    *config_classes: type,
    skip: Collection[str] = (),
    interrupted_hint: str = "",
):
    """Parses, seeds and reports errors the way every entry point does.

    `cli_errors(parser.prog)` around `parse_configs` and the body of the
    `with` block; the first config with a `seed` field seeds everything.

    Args:
        parser: the entry point's parser from `build_parser()`.
        argv: list of str, or `None` for `sys.argv[1:]`.
        *config_classes: the dataclass classes flagged by `parser`.
        skip: field names left off the command line. Defaults to `()`.
        interrupted_hint: str, said after Ctrl-C. Defaults to `""`.

    Yields:
        The tuple of configs, one per class.

    Example:

    >>> with entry_point(build_parser(), ["--epochs", "2"],
    ...                  ModelConfig, TrainConfig) as (model, train):
    ...     train_model(model, train)
    """
    with cli_errors(parser.prog, interrupted_hint):
        configs = parse_configs(parser, argv, *config_classes, skip=skip)
        seeds = [c.seed for c in configs if hasattr(c, "seed")]
        if seeds:
            seed_everything(seeds[0])
        yield configs
