"""Losses over the global batch under a `tf.distribute.MirroredStrategy`.

A subprocess splits the CPU into 2 logical devices, runs each loss on half
the batch per replica (`strategy.run`) and sums the replicas' values, as
Keras sums their gradients: the sum must equal the loss of the whole batch
on one device, although the halves hold different numbers of real tokens
or points.
"""

import pathlib
import subprocess
import sys

import keras
import pytest

REPOSITORY = pathlib.Path(__file__).resolve().parents[3]

SCRIPT = """
import numpy as np
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from rnn_layers import MixtureDensityLoss, masked_sequence_loss

rng = np.random.default_rng(0)
labels = rng.integers(0, 5, size=(4, 6)).astype("int32")
logits = rng.normal(size=(4, 6, 5)).astype("float32")
mask = np.array([[1] * 6, [1] * 6, [1, 0, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0]],
                "float32")  # 12 tokens in the first half, 3 in the second
strokes = rng.normal(size=(4, 6, 3)).astype("float32")
strokes[..., 2] = strokes[..., 2] > 0
params = rng.normal(size=(4, 6, 13)).astype("float32")
mdn = MixtureDensityLoss(2, output_gradient_clip=100.0)
losses = {
    "masked_sequence_loss": lambda a, b, w: masked_sequence_loss(a, b, w),
    "mixture_density_loss": lambda a, b, w: mdn(a, b, sample_weight=w),
}
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
inputs = {"masked_sequence_loss": (labels, logits, mask),
          "mixture_density_loss": (strokes, params, mask)}
for name, loss in losses.items():
    whole = float(loss(*inputs[name]))
    halves = strategy.experimental_distribute_values_from_function(
        lambda context, arrays=inputs[name]: tuple(
            tf.constant(a[2 * context.replica_id_in_sync_group:][:2])
            for a in arrays))
    per_replica = strategy.run(tf.function(loss), args=halves)
    total = float(strategy.reduce("SUM", per_replica, axis=None))
    print(name, whole, total)
"""


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="tf.distribute needs KERAS_BACKEND=tensorflow")
def test_replica_losses_add_up_to_the_global_batch_loss():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=REPOSITORY, capture_output=True,
        text=True, check=False, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [line.split() for line in result.stdout.splitlines()]
    assert [row[0] for row in rows] == [
        "masked_sequence_loss", "mixture_density_loss"]
    for name, whole, total in rows:
        assert float(total) == pytest.approx(float(whole), rel=1e-5), name
