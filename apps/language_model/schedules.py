"""Learning-rate schedules as pure functions plus a Keras wrapper.

- `"constant"`: `lr`.
- `"cosine"`: linear warm-up from 0 over `warmup_steps`, then cosine decay
  to `FINAL_FRACTION * lr` at the last step (nanoGPT's `get_lr`).
- `"halving"`: `lr` until `decay_start`, then halved every `decay_every`
  steps (Zaremba et al. 2014 halve per epoch after epoch 4).
"""

import math

import keras
from keras import ops

SCHEDULES = ("cosine", "constant", "halving")
FINAL_FRACTION = 0.1


def learning_rate_at(step: int, name: str, lr: float, total_steps: int,
                     warmup_steps: int = 0, decay_start: int = 0,
                     decay_every: int = 1) -> float:
    """The learning rate at optimizer step `step` (numpy reference).

    Example:

    >>> learning_rate_at(10, "halving", 1.0, 100, decay_start=4,
    ...                  decay_every=2)
    0.0625
    """
    if name == "constant":
        return lr
    if name == "halving":
        if step < decay_start:
            return lr
        return lr * 0.5 ** ((step - decay_start) // decay_every + 1)
    if step < warmup_steps:
        return lr * (step + 1) / warmup_steps
    span = max(total_steps - warmup_steps, 1)
    progress = min((step - warmup_steps) / span, 1.0)
    cosine = 0.5 * (1 + math.cos(math.pi * progress))
    return lr * (FINAL_FRACTION + (1 - FINAL_FRACTION) * cosine)


@keras.saving.register_keras_serializable(package="apps.language_model")
class Schedule(keras.optimizers.schedules.LearningRateSchedule):
    """`learning_rate_at` on tensors, for a Keras optimizer."""

    def __init__(self, name, lr, total_steps, warmup_steps=0, decay_start=0,
                 decay_every=1):
        self.name, self.lr, self.total_steps = name, lr, total_steps
        self.warmup_steps, self.decay_start = warmup_steps, decay_start
        self.decay_every = decay_every

    def __call__(self, step):
        step = ops.cast(step, "float32")
        lr = ops.cast(self.lr, "float32")
        if self.name == "constant":
            return lr
        if self.name == "halving":
            halvings = ops.maximum(
                ops.floor((step - self.decay_start) / self.decay_every) + 1,
                0.0)
            return lr * ops.power(0.5, halvings)
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
                "decay_every": self.decay_every}


def make_schedule(config, total_steps: int) -> Schedule:
    """The schedule of a `TrainConfig`."""
    return Schedule(config.schedule, config.learning_rate, total_steps,
                    config.warmup_steps, config.decay_start,
                    config.decay_every)
