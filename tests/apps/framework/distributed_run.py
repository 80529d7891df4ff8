"""One app's contract training under several `--distribute` kinds, as JSON.

`python -m tests.apps.framework.distributed_run <app> <root> <out.json>
--kinds none mirrored [--cpu_devices N] [train flags...]` splits the CPU
into N logical TensorFlow devices (or asks XLA for N host devices on JAX)
before the backend starts, then runs `python -m apps.<app>.train` once per
kind (a fresh run directory under `root` each, the same seed) with the
app's `contract_train_flags`, the train flags given and `--distribute
KIND`, and writes `{kind: [running training loss after each batch]}`. The
distribution tests compare those lists between kinds.
"""

import argparse
import json
import os
import pathlib


def _split_devices(count: int) -> None:
    """N logical CPU devices: TensorFlow config, or XLA's host device count."""
    if os.environ.get("KERAS_BACKEND") == "jax":
        os.environ["XLA_FLAGS"] = (
            f"--xla_force_host_platform_device_count={count}")
        return
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * count)


def _train_flags(app, extra) -> list:
    """The app's contract flags, one epoch of three steps, no validation."""
    flags = list(app.contract_train_flags)
    for name in ("--epochs", "--steps_per_epoch", "--validation_examples"):
        if name in flags:
            index = flags.index(name)
            del flags[index:index + 2]
    return flags + ["--epochs", "1", "--steps_per_epoch", "3",
                    "--validation_examples", "0", "--export_dir", "", *extra]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("app")
    parser.add_argument("root")
    parser.add_argument("out")
    parser.add_argument("--kinds", nargs="+", default=["none"])
    parser.add_argument("--cpu_devices", type=int, default=1)
    args, extra = parser.parse_known_args()
    if args.cpu_devices > 1:
        _split_devices(args.cpu_devices)

    import importlib

    import keras

    from apps.framework import training

    losses = []

    class RecordLoss(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            losses.append(float(logs["loss"]))

    callbacks = training.training_callbacks
    training.training_callbacks = (
        lambda run_dir: callbacks(run_dir) + [RecordLoss()])
    app = importlib.import_module(f"apps.{args.app}.config").APP
    train = importlib.import_module(f"apps.{args.app}.train").main
    results = {}
    for kind in args.kinds:
        losses.clear()
        run_dir = pathlib.Path(args.root) / kind
        train(_train_flags(app, extra) + [
            "--run_dir", str(run_dir), "--distribute", kind])
        results[kind] = list(losses)
    pathlib.Path(args.out).write_text(json.dumps(results))


if __name__ == "__main__":
    main()
