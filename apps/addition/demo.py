"""End-to-end demo: train briefly, export, serve from a fresh process.

1. trains the adder (default `TrainConfig`, so well under a minute on two
   CPU cores) in a temporary run directory, unless `--run_dir` is given;
2. exports `saved_models/addition/<next version>/` and writes
   `saved_models/models.config`;
3. starts a fresh Python that imports only `tensorflow`, loads that version
   and answers a few problems, including malformed ones;
4. prints the REST request that TF Serving would take for the same problems.

Example:

```
KERAS_BACKEND=tensorflow python -m apps.addition.demo
```
"""

import dataclasses
import os
import tempfile
import time

from apps.addition.config import APP, TrainConfig
from apps.addition.model import ModelConfig
from apps.addition.train import train
from apps.framework import config_parser
from apps.framework import entry_point
from saved_models.export import require_tensorflow_backend
from saved_models.fresh_process import run_isolated
from saved_models.serving import (
    predict_request_body,
    predict_url,
    write_models_config,
)

DEMO_PROBLEMS = (
    "123+456",
    "999+1",
    "58+7",
    "40302+59698",
    "12345678+87654321",
    "",
    "12+abc",
)

# Runs in a fresh interpreter that imports nothing but tensorflow.
_SERVE_SCRIPT = """
import tensorflow as tf

served = tf.saved_model.load(sys.argv[1])
serve = served.signatures["serving_default"]
answers = serve(problems=tf.constant(sys.argv[2:]))
for problem, total, error in zip(
    sys.argv[2:], answers["sum"].numpy(), answers["error"].numpy()
):
    shown = total.decode() if total else "error: " + error.decode()
    print(f"  {problem!r:>22} -> {shown}")
"""


def demo(run_dir: str | None, model_dir: str, seed: int) -> str:
    """Trains, exports and serves; returns the served output text.

    Args:
        run_dir: str or `None` for a temporary run directory.
        model_dir: str, the versioned export folder.
        seed: int, the training seed.

    Returns:
        str, what the serving process printed.

    Raises:
        RuntimeError: off the TensorFlow backend, or if serving fails.
    """
    require_tensorflow_backend()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        config = TrainConfig(
            run_dir=run_dir or os.path.join(tmp, "run"),
            seed=seed,
            export_dir="",
        )
        model = train(ModelConfig(), config, verbose=2)
        trained = time.perf_counter()
        from apps.addition.export import export_model

        version_dir = export_model(model, model_dir)
    config_path = write_models_config(os.path.dirname(model_dir) or ".")
    exported = time.perf_counter()
    print(f"\nTrained in {trained - started:.1f} s; exported {version_dir} "
          f"and {config_path} in {exported - trained:.1f} s.")
    print("Answers from a fresh process that imports only tensorflow:")
    result = run_isolated(
        _SERVE_SCRIPT, [os.path.abspath(version_dir), *DEMO_PROBLEMS]
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"Serving {version_dir} failed:\n{result.stdout}{result.stderr}"
        )
    print(result.stdout, end="")
    print(f"Served in {time.perf_counter() - exported:.1f} s.")
    name = os.path.basename(os.path.normpath(model_dir))
    print("\nThe same request to TF Serving (see README):")
    print(
        f"  curl -d '{predict_request_body(list(DEMO_PROBLEMS[:3]))}' "
        f"{predict_url(name)}"
    )
    return result.stdout


@dataclasses.dataclass(frozen=True)
class DemoConfig:
    """What the demo trains and where it exports.

    Args:
        run_dir: str, training run folder; `""` uses a temporary one.
            Defaults to `""`.
        model_dir: str, versioned export folder. Defaults to
            `"saved_models/addition"`.
        seed: int, the training seed. Defaults to `0`.
    """

    run_dir: str = ""
    model_dir: str = "saved_models/addition"
    seed: int = 0


def build_parser():
    """The command line of `python -m apps.addition.demo`."""
    return config_parser(
        APP.command("demo"),
        "Train the adder briefly, export it, and answer problems from the "
        "SavedModel in a fresh TensorFlow process.",
        DemoConfig,
    )


def main(argv=None) -> None:
    """Parses the command line and runs the demo."""
    with entry_point(build_parser(), argv, DemoConfig) as (config,):
        demo(config.run_dir or None, config.model_dir, config.seed)


if __name__ == "__main__":
    main()
