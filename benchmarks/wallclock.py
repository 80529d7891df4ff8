"""Training to a wall-clock budget: time-driven schedule, stop, loss curve.

A run under a budget of `B` seconds measures everything from just before
`model.fit` is called with `time.perf_counter()`: training steps (the first
one's tracing included), drawing the batches, and the periodic validation
evaluations of the loss curve. Three callbacks read one `BudgetClock`:

- `TimeDrivenLearningRate` sets the optimizer's rate before every batch
  from the elapsed fraction `f` of the budget (`budget_learning_rate`:
  linear warm-up, then cosine decay to 0 at `f = 1`), so the schedule
  anneals at the budget whatever the step time turns out to be; `f`
  counts from the end of the first step, whose tracing would otherwise
  use up the warm-up;
- `ValidationCurve` scores a fixed validation subset after the first batch
  that ends past each of `points - 1` evenly spaced times `k B / points`,
  and records `(elapsed seconds, steps, loss)`;
- `StopAtBudget` stops training after the first batch that ends at or past
  `B` (no curve evaluation follows it), so a run overshoots its budget by
  less than one step plus one evaluation.

Example:

```python
result = train_within_budget(model, batches, budget_s=90,
                             learning_rate=1e-3,
                             evaluate=lambda model: 2.0)
result.steps, result.train_s, result.curve
```
"""

import dataclasses
import math
import time

import keras

EPOCHS = 1_000_000  # `fit` epochs: far more than any budget gets through


def budget_learning_rate(fraction: float, learning_rate: float,
                         warmup_fraction: float = 0.05) -> float:
    """The learning rate after `fraction` of the wall-clock budget.

    Linear warm-up from 0 to `learning_rate` over the first
    `warmup_fraction` of the budget, then half a cosine down to 0 at the
    budget (nanoGPT's `get_lr`, with time in place of iterations and a
    final rate of 0); 0 past the budget.

    Args:
        fraction: float, elapsed seconds over the budget's seconds.
        learning_rate: float, the peak rate.
        warmup_fraction: float in [0, 1), share of the budget spent warming
            up. Defaults to `0.05`.

    Returns:
        float, the rate.

    Example:

    >>> budget_learning_rate(0.025, 1.0, warmup_fraction=0.05)
    0.5
    >>> budget_learning_rate(1.0, 1.0)
    0.0
    """
    if fraction < warmup_fraction:
        return learning_rate * fraction / warmup_fraction
    progress = min((fraction - warmup_fraction) / (1 - warmup_fraction), 1.0)
    return learning_rate * 0.5 * (1 + math.cos(math.pi * progress))


class BudgetClock:
    """Seconds since `start()`, against a budget.

    Args:
        budget_s: float, the budget in seconds.
        timer: callable returning seconds, for tests.
            Defaults to `time.perf_counter`.
    """

    def __init__(self, budget_s: float, timer=time.perf_counter):
        if not budget_s > 0:
            raise ValueError(
                f"Received `budget_s={budget_s}`; expected a positive number "
                "of seconds."
            )
        self.budget_s = budget_s
        self.timer = timer
        self.started = None

    def start(self) -> None:
        """Starts counting."""
        self.started = self.timer()

    def elapsed(self) -> float:
        """Seconds since `start()`."""
        return self.timer() - self.started


class TimeDrivenLearningRate(keras.callbacks.Callback):
    """Sets the learning rate before each batch from the elapsed budget.

    The schedule's time starts when the first batch ends, so the first
    step's graph tracing (seconds on CPU) does not eat the warm-up: the
    fraction is `(elapsed - first) / (budget - first)`, `first` the elapsed
    seconds at that moment, and still reaches 1 at the budget. The first
    batch itself runs at the rate of fraction 0. The optimizer must hold a
    plain rate (a variable), not a `LearningRateSchedule`.

    Args:
        clock: the run's `BudgetClock`.
        learning_rate: float, the peak rate.
        warmup_fraction: float, see `budget_learning_rate`.
            Defaults to `0.05`.
    """

    def __init__(self, clock: BudgetClock, learning_rate: float,
                 warmup_fraction: float = 0.05):
        super().__init__()
        self.clock = clock
        self.learning_rate = learning_rate
        self.warmup_fraction = warmup_fraction
        self.first = None

    def fraction(self) -> float:
        """The schedule's share of the budget, 0 until the first batch ends."""
        if self.first is None:
            return 0.0
        span = self.clock.budget_s - self.first
        if span <= 0:
            return 1.0
        return (self.clock.elapsed() - self.first) / span

    def on_train_batch_begin(self, batch, logs=None):
        self.model.optimizer.learning_rate = budget_learning_rate(
            self.fraction(), self.learning_rate, self.warmup_fraction)

    def on_train_batch_end(self, batch, logs=None):
        if self.first is None:
            self.first = self.clock.elapsed()


class ValidationCurve(keras.callbacks.Callback):
    """Scores the model at evenly spaced times inside the budget.

    Args:
        clock: the run's `BudgetClock`.
        evaluate: callable `model -> float`, the validation loss.
        points: int, the curve has `points - 1` evaluations, after the
            batches ending past `k * budget / points`, `k = 1 .. points -
            1` (the run's final evaluation is the last point).

    Attributes:
        curve: list of `{"elapsed_s", "steps", "validation_loss"}`, elapsed
            seconds taken before the evaluation.
        eval_s: float, seconds spent evaluating.
    """

    def __init__(self, clock: BudgetClock, evaluate, points: int):
        super().__init__()
        self.clock = clock
        self.evaluate = evaluate
        self.times = [clock.budget_s * k / points for k in range(1, points)]
        self.curve = []
        self.eval_s = 0.0

    def on_train_batch_end(self, batch, logs=None):
        due = len(self.curve) < len(self.times) and not (
            self.model.stop_training)  # the final evaluation comes next
        elapsed = self.clock.elapsed()
        if due and elapsed >= self.times[len(self.curve)]:
            loss = self.evaluate(self.model)
            self.eval_s += self.clock.elapsed() - elapsed
            self.curve.append({"elapsed_s": elapsed,
                               "steps": optimizer_steps(self.model),
                               "validation_loss": loss})


class StopAtBudget(keras.callbacks.Callback):
    """Stops `fit` after the first batch that ends at or past the budget.

    Args:
        clock: the run's `BudgetClock`.

    Attributes:
        first_step_s: float, elapsed seconds when the first batch ended
            (its tracing included), `None` before.
    """

    def __init__(self, clock: BudgetClock):
        super().__init__()
        self.clock = clock
        self.first_step_s = None

    def on_train_batch_end(self, batch, logs=None):
        elapsed = self.clock.elapsed()
        if self.first_step_s is None:
            self.first_step_s = elapsed
        if elapsed >= self.clock.budget_s:
            self.model.stop_training = True


def optimizer_steps(model: keras.Model) -> int:
    """The optimizer steps the model has taken."""
    return int(keras.ops.convert_to_numpy(model.optimizer.iterations))


@dataclasses.dataclass(frozen=True)
class BudgetRun:
    """What `train_within_budget` measured.

    Args:
        steps: int, optimizer steps trained.
        first_step_s: float, seconds to the end of the first step (graph
            tracing included), part of `train_s`.
        train_s: float, seconds of training (budgeted time less `curve_s`).
        curve_s: float, seconds of the curve's evaluations.
        curve: list of `{"elapsed_s", "steps", "validation_loss"}`.
        cpu_s: float, CPU seconds of this process (all threads) over the
            budgeted time: about 0.85 x `budgeted_s` per usable core when
            the process had its cores to itself (measured on these 2-core
            machines), far less when other work shared them.
    """

    steps: int
    first_step_s: float
    train_s: float
    curve_s: float
    curve: list
    cpu_s: float

    @property
    def budgeted_s(self) -> float:
        """Seconds counted against the budget: training plus the curve."""
        return self.train_s + self.curve_s


def train_within_budget(model: keras.Model, training, budget_s: float,
                        learning_rate: float, evaluate,
                        warmup_fraction: float = 0.05,
                        curve_points: int = 10) -> BudgetRun:
    """Fits `model` until `budget_s` seconds of wall-clock have passed.

    Args:
        model: a model compiled with an optimizer holding a plain rate.
        training: what `model.fit` reads, one epoch per pass (e.g.
            `apps.framework.EpochBatches`); it is read for as many epochs
            as the budget lasts.
        budget_s: float, seconds of training plus curve evaluations.
        learning_rate: float, the peak rate of `budget_learning_rate`.
        evaluate: callable `model -> float`, the curve's validation loss.
        warmup_fraction: float, see `budget_learning_rate`.
            Defaults to `0.05`.
        curve_points: int, see `ValidationCurve`. Defaults to `10`.

    Returns:
        A `BudgetRun`.
    """
    clock = BudgetClock(budget_s)
    curve = ValidationCurve(clock, evaluate, curve_points)
    stop = StopAtBudget(clock)
    callbacks = [TimeDrivenLearningRate(clock, learning_rate,
                                        warmup_fraction), stop, curve]
    cpu_started = time.process_time()
    clock.start()
    model.fit(training, epochs=EPOCHS, callbacks=callbacks, shuffle=False,
              verbose=0)
    elapsed = clock.elapsed()
    return BudgetRun(steps=optimizer_steps(model),
                     first_step_s=stop.first_step_s,
                     train_s=elapsed - curve.eval_s, curve_s=curve.eval_s,
                     curve=curve.curve,
                     cpu_s=time.process_time() - cpu_started)
