"""Learning-rate schedules as pure functions plus a Keras wrapper.

- `"constant"`: `lr`.
- `"cosine"`: linear warm-up from 0 over `warmup_steps`, then cosine decay
  to `FINAL_FRACTION * lr` at the last step (nanoGPT's `get_lr`).
- `"step"`: `lr` until `decay_start`, then multiplied by `decay_rate`
  every `decay_every` steps (Zaremba et al. 2014 decay once per epoch: by
  0.5 after epoch 4 for the small model, by 1 / 1.2 after epoch 6 for the
  medium one, by 1 / 1.15 after epoch 14 for the large one).
"""

import math

import keras
from keras import ops

SCHEDULES = ("cosine", "constant", "step")
FINAL_FRACTION = 0.1


def learning_rate_at(step: int, name: str, lr: float, total_steps: int,
                     warmup_steps: int = 0, decay_start: int = 0,
                     decay_every: int = 1, decay_rate: float = 0.5) -> float:
    """The learning rate at optimizer step `step` (numpy reference).

    Example:

    >>> learning_rate_at(10, "step", 1.0, 100, decay_start=4,
    ...                  decay_every=2)
    0.0625
    """
    if name == "constant":
        return lr
    if name == "step":
        if step < decay_start:
            return lr
        return lr * decay_rate ** ((step - decay_start) // decay_every + 1)
    if step < warmup_steps:
        return lr * (step + 1) / warmup_steps
    span = max(total_steps - warmup_steps, 1)
    progress = min((step - warmup_steps) / span, 1.0)
    cosine = 0.5 * (1 + math.cos(math.pi * progress))
    return lr * (FINAL_FRACTION + (1 - FINAL_FRACTION) * cosine)


@keras.saving.register_keras_serializable(package="apps.framework")
class Schedule(keras.optimizers.schedules.LearningRateSchedule):
    """`learning_rate_at` on tensors, for a Keras optimizer."""

    def __init__(self, name, lr, total_steps, warmup_steps=0, decay_start=0,
                 decay_every=1, decay_rate=0.5):
        self.name, self.lr, self.total_steps = name, lr, total_steps
        self.warmup_steps, self.decay_start = warmup_steps, decay_start
        self.decay_every, self.decay_rate = decay_every, decay_rate

    def __call__(self, step):
        step = ops.cast(step, "float32")
        lr = ops.cast(self.lr, "float32")
        if self.name == "constant":
            return lr
        if self.name == "step":
            decays = ops.maximum(
                ops.floor((step - self.decay_start) / self.decay_every) + 1,
                0.0)
            return lr * ops.power(ops.cast(self.decay_rate, "float32"),
                                  decays)
        warm = lr * (step + 1) / max(self.warmup_steps, 1)
        span = max(self.total_steps - self.warmup_steps, 1)
        progress = ops.minimum((step - self.warmup_steps) / span, 1.0)
        cosine = 0.5 * (1 + ops.cos(math.pi * progress))
        decayed = lr * (FINAL_FRACTION + (1 - FINAL_FRACTION) * cosine)
        return ops.where(step < self.warmup_steps, warm, decayed)

    def get_config(self):
        return {"name": self.name, "lr": self.lr,
                "total_steps": self.total_steps,
                "warmup_steps": self.warmup_steps,
                "decay_start": self.decay_start,
                "decay_every": self.decay_every,
                "decay_rate": self.decay_rate}


def make_schedule(config, total_steps: int) -> Schedule:
    """The schedule of a `TrainConfig`."""
    return Schedule(config.schedule, config.learning_rate, total_steps,
                    config.warmup_steps, config.decay_start,
                    config.decay_every, config.decay_rate)
