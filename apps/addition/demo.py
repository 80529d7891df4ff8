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

import argparse
import os
import tempfile
import time

import keras

from apps.addition.model import ModelConfig
from apps.addition.train import TrainConfig, train
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


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m apps.addition.demo`."""
    parser = argparse.ArgumentParser(
        prog="python -m apps.addition.demo",
        description="Train the adder briefly, export it, and answer "
        "problems from the SavedModel in a fresh TensorFlow process.",
    )
    parser.add_argument(
        "--run_dir",
        default=None,
        help="training run folder (default: a temporary one)",
    )
    parser.add_argument(
        "--model_dir",
        default="saved_models/addition",
        help="versioned export folder (default: 'saved_models/addition')",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="random seed (default: 0)"
    )
    return parser


def main(argv=None) -> None:
    """Parses the command line and runs the demo."""
    args = build_parser().parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    try:
        demo(args.run_dir, args.model_dir, args.seed)
    except RuntimeError as error:
        raise SystemExit(str(error)) from None


if __name__ == "__main__":
    main()
