"""What the framework knows of an app, and `restore(run_dir)` for all of them.

Each app declares one `App` in `apps/<name>/config.py`, beside its
`TrainConfig`:

```python
APP = App(
    name="addition",
    model_config=ModelConfig,
    train_config=TrainConfig,
    build_model=lambda model_config, assets: build_model(model_config),
)
```

`restore` rebuilds a trained model from a run directory for `generate`,
`evaluate` and `export`, which never import `train`: the configs come from
`config.json`, the app's assets (say its tokenizer) from `load_assets`, the
weights from the latest committed checkpoint. The contract test
(`tests/apps/contract_test.py`) finds every `APP` and checks each app the
same way.
"""

import dataclasses
import importlib
import pathlib
import pkgutil
import sys
from collections.abc import Callable, Mapping
from typing import Any

import keras

from apps.framework.run_directory import load_run_config
from apps.framework.run_directory import read_checkpoint_state
from apps.framework.run_directory import restore_checkpoint
from saved_models.export import non_finite_weights


def no_assets(run_dir: pathlib.Path, model_config, train_config) -> dict:
    """The `load_assets` of an app that keeps nothing beside its weights."""
    del run_dir, model_config, train_config
    return {}


@dataclasses.dataclass(frozen=True)
class App:
    """One application, as the framework and the contract test see it.

    Args:
        name: str, the package name under `apps/` (`"addition"` for
            `apps.addition`); commands are `python -m apps.<name>.<verb>`.
        model_config: the app's frozen `ModelConfig` dataclass class.
        train_config: its `TrainConfig` class (a `BaseTrainConfig`).
        build_model: callable `(model_config, assets) -> keras.Model`
            building the trained (stateless) model's architecture.
        load_assets: callable `(run_dir, model_config, train_config) ->
            dict` reading what else the run keeps (e.g.
            `{"tokenizer": ...}`). Defaults to `no_assets`.
        export_function: str, `"module:function"` of the app's
            `export_restored(restored, model_dir, version, **options) ->
            pathlib.Path`. Defaults to `"apps.<name>.export:export_restored"`.
        reference_function: str, `"module:function"` of the app's
            `reference_requests(restored) -> list of dict`: requests of the
            exported signatures, each `{"signature": name, "inputs":
            {...}, "outputs": {...}}` with the outputs the app's own Python
            path (`keras.ops`, any backend) gives for those inputs; the
            backend parity test (`tests/apps/jax_parity_test.py`) checks
            that a TensorFlow export of a JAX-trained run answers the same.
            Defaults to `"apps.<name>.export:reference_requests"`.
        contract_train_flags: tuple of str, `train` flags of a run of a few
            seconds for the contract test (besides `--run_dir` and
            `--export_dir`). Defaults to `()`.
        contract_request: mapping `{"signature": name, "inputs": {...},
            "outputs": (names...)}`, a request the exported model must
            answer in a fresh TensorFlow-only process. Defaults to `{}`.
        renamed_fields: mapping of a config field's old name to its new
            one, so run directories written before the rename still
            restore. Defaults to `{}`.
        derived_fields: tuple of str, `ModelConfig` fields that `train`
            fills in itself (say the vocabulary size), so they are no flags.
            Defaults to `()`.
    """

    name: str
    model_config: type
    train_config: type
    build_model: Callable[[Any, dict], keras.Model]
    load_assets: Callable[[pathlib.Path, Any, Any], dict] = no_assets
    export_function: str = ""
    reference_function: str = ""
    contract_train_flags: tuple[str, ...] = ()
    contract_request: Mapping[str, Any] = dataclasses.field(
        default_factory=dict
    )
    renamed_fields: Mapping[str, str] = dataclasses.field(
        default_factory=dict
    )
    derived_fields: tuple[str, ...] = ()

    def command(self, verb: str) -> str:
        """The shell command of an entry point, e.g. `python -m apps.x.train`."""
        return f"python -m apps.{self.name}.{verb}"

    def export_callable(self) -> Callable:
        """The app's `export_restored`, imported only when exporting."""
        return _imported(
            self.export_function or f"apps.{self.name}.export:export_restored")

    def reference_callable(self) -> Callable:
        """The app's `reference_requests`, imported only when called."""
        return _imported(self.reference_function
                         or f"apps.{self.name}.export:reference_requests")


def _imported(target: str) -> Callable:
    """The function a `"module:function"` string names."""
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)


@dataclasses.dataclass(frozen=True)
class Restored:
    """A trained model rebuilt from its run directory by `restore`.

    Args:
        model: the `keras.Model` (not compiled) with the checkpoint's weights.
        model_config: the run's `ModelConfig`.
        train_config: the run's `TrainConfig`.
        assets: dict, what the app's `load_assets` returned.
        run_dir: `pathlib.Path` of the run.
        epoch: int, completed epochs of the checkpoint.
        step: int, optimizer steps of the checkpoint.
    """

    model: keras.Model
    model_config: Any
    train_config: Any
    assets: dict
    run_dir: pathlib.Path
    epoch: int
    step: int


def declared_apps() -> list[App]:
    """Every `APP` declared in an `apps/<name>/config.py`, by name.

    Example:

    >>> [app.name for app in declared_apps()]
    ['addition', 'captioning', 'language_model']
    """
    import apps

    root = pathlib.Path(apps.__path__[0])
    found = []
    for module in pkgutil.iter_modules(apps.__path__):
        if module.ispkg and (root / module.name / "config.py").is_file():
            config = importlib.import_module(f"apps.{module.name}.config")
            found.append(config.APP)
    return sorted(found, key=lambda app: app.name)


def load_configs(app: App, run_dir) -> tuple:
    """`(model_config, train_config)` read from `<run_dir>/config.json`."""
    return load_run_config(
        run_dir,
        app.command("train"),
        app.renamed_fields,
        model=app.model_config,
        train=app.train_config,
    )


def restore(app: App, run_dir) -> Restored:
    """Rebuilds the trained model of a run from its config and checkpoint.

    Non-finite weights (a diverged run) are reported on stderr; `export`
    refuses them.

    Args:
        app: the app's `App`.
        run_dir: str or path, the `--run_dir` of a `train` run.

    Returns:
        A `Restored`.

    Raises:
        FileNotFoundError: if the run has no `config.json` or no checkpoint
            yet, or a file it names is missing.
        ValueError: if a file of the run is corrupt (the message names it).

    Example:

    >>> from apps.addition.config import APP
    >>> restored = restore(APP, "runs/addition")
    >>> restored.model.predict(inputs)
    """
    run_dir = pathlib.Path(run_dir)
    model_config, train_config = load_configs(app, run_dir)
    state = read_checkpoint_state(run_dir)
    if state is None:
        raise FileNotFoundError(
            f"Received `run_dir={str(run_dir)!r}`, which has no checkpoint "
            f"yet; train at least one epoch first (`{app.command('train')} "
            f"--run_dir {run_dir}`)."
        )
    assets = app.load_assets(run_dir, model_config, train_config)
    model = app.build_model(model_config, assets)
    epoch = restore_checkpoint(model, run_dir)
    bad = non_finite_weights(model)
    if bad:
        print(
            f"Warning: the checkpoint of {run_dir} (epoch {epoch}) has "
            f"non-finite weights in {', '.join(bad[:3])}"
            f"{' and more' if len(bad) > 3 else ''}; the run diverged, and "
            "export will refuse it.",
            file=sys.stderr,
        )
    return Restored(
        model=model,
        model_config=model_config,
        train_config=train_config,
        assets=assets,
        run_dir=run_dir,
        epoch=epoch,
        step=int(state["step"]),
    )


def export_run(
    app: App, run_dir, model_dir, version: int | None = None, **options
) -> pathlib.Path:
    """Restores a run and exports it as `<model_dir>/<version>/`.

    Args:
        app: the app's `App`.
        run_dir: the training run.
        model_dir: folder of the model's versions.
        version: int, or `None` (or `0`) for the next free one.
        **options: the app's export options (e.g. `num_beams=3`).

    Returns:
        `pathlib.Path` of the version folder.

    Raises:
        RuntimeError: off the TensorFlow backend.
        ValueError: if the weights are not all finite.
    """
    from saved_models.export import require_finite_weights
    from saved_models.export import require_tensorflow_backend

    require_tensorflow_backend()
    restored = restore(app, run_dir)
    require_finite_weights(restored.model, f"the checkpoint of {run_dir}")
    return app.export_callable()(
        restored, model_dir, version or None, **options
    )
