"""Exports every app from a tiny training and checks each as TF Serving would.

`make serve-check` runs `python -m apps.framework.serve_check`: for every
`APP` (`apps.framework.app.declared_apps`) it trains the app's contract run
(`APP.contract_train_flags`, seconds each) into a temporary run directory,
exports it to `<saved_models>/<name>/<version>/`, writes `models.config`
for the whole tree and runs `saved_models.check` on it (files, ops,
signatures, warm-up replay in a fresh TensorFlow-only process, and the
same replay through `tensorflow::LoadSavedModel` in C++, TF Serving's
loader), ending with one C++ line per app. Then `saved_models.soak` calls
every version `--soak_calls` times from `--soak_threads` threads with valid
and hostile requests and prints its table (`--soak_calls 0` skips it).

Example:

```
python -m apps.framework.serve_check --saved_models /tmp/serve_check
```
"""

import dataclasses
import importlib
import sys
import tempfile

from apps.framework.app import declared_apps
from apps.framework.cli import entry_point
from apps.framework.flags import config_parser
from apps.framework.flags import require_non_negative
from apps.framework.flags import require_positive_integers
from saved_models import check
from saved_models import soak
from saved_models.serving import write_models_config


@dataclasses.dataclass(frozen=True)
class ServeCheckConfig:
    """Where to export and which apps.

    Args:
        saved_models: str, the folder of model folders to export into;
            `""` uses a temporary one. Defaults to `""`.
        apps: tuple of str, app names to export; none exports every app.
            Defaults to `()`.
        seed: int, seeds the tiny trainings. Defaults to `0`.
        soak_calls: int, calls of the soak test per version after its
            warm-up (`python -m saved_models.soak`); `0` skips the soak.
            Defaults to `500`.
        soak_threads: int, threads the soak calls from. Defaults to `8`.
    """

    saved_models: str = ""
    apps: tuple[str, ...] = ()
    seed: int = 0
    soak_calls: int = 500
    soak_threads: int = 8

    def __post_init__(self):
        require_non_negative(self, "soak_calls")
        require_positive_integers(self, "soak_threads")


def export_every_app(saved_models: str, names=()) -> list[str]:
    """Trains each app's contract run and exports it under `saved_models`.

    Returns:
        list of str, the names of the exported apps.
    """
    chosen = [app for app in declared_apps()
              if not names or app.name in names]
    unknown = set(names) - {app.name for app in chosen}
    if unknown:
        raise ValueError(
            f"Received `apps={sorted(unknown)}`; expected names among "
            f"{[app.name for app in declared_apps()]}.")
    for app in chosen:
        train = importlib.import_module(f"apps.{app.name}.train")
        with tempfile.TemporaryDirectory() as run_dir:
            print(f"== {app.command('train')} (contract run)", flush=True)
            train.main([*app.contract_train_flags, "--run_dir", run_dir,
                        "--export_dir", f"{saved_models}/{app.name}"])
    return [app.name for app in chosen]


def serve_check(config: ServeCheckConfig) -> int:
    """Exports, writes `models.config`, checks and soaks; returns the code."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = config.saved_models or tmp
        export_every_app(folder, config.apps)
        print(f"Wrote {write_models_config(folder)}")
        versions = check.find_versions(folder)
        reports = check.check_and_print(versions)
        soaked = []
        if config.soak_calls:
            print(f"Soak: {config.soak_calls} calls per version from "
                  f"{config.soak_threads} threads", flush=True)
            soaked = soak.soak(versions, calls=config.soak_calls,
                               threads=config.soak_threads)
    print("C++ LoadSavedModel per app:")
    for report in reports:
        print(f"  {report.path.parent.name}/{report.path.name}: "
              f"{report.cpp_result}")
    if soaked:
        print(soak.format_table(soaked))
    return 0 if all(r.ok for r in [*reports, *soaked]) else 1


def main(argv=None) -> None:
    """Parses the command line and runs the check."""
    parser = config_parser(
        "python -m apps.framework.serve_check",
        "Export every app from a tiny training and check each version as "
        "TF Serving loads it.",
        ServeCheckConfig,
    )
    with entry_point(parser, argv, ServeCheckConfig) as (config,):
        code = serve_check(config)
    sys.exit(code)


if __name__ == "__main__":
    main()
