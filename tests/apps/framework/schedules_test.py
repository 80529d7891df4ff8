"""Tests for apps/framework/schedules.py: tensors match the reference."""

import keras
import numpy as np
import pytest

from apps.framework.schedules import Schedule, learning_rate_at


@pytest.mark.parametrize("name, kwargs", [
    ("constant", {}),
    ("cosine", {"warmup_steps": 10}),
    ("cosine", {}),
    ("step", {"decay_start": 20, "decay_every": 15}),
    ("step", {"decay_start": 6, "decay_every": 10, "decay_rate": 1 / 1.2}),
])
def test_schedule_matches_reference(name, kwargs):
    schedule = Schedule(name, 0.5, 100, **kwargs)
    for step in (0, 5, 9, 10, 19, 20, 21, 50, 99, 150):
        expected = learning_rate_at(step, name, 0.5, 100, **kwargs)
        got = float(keras.ops.convert_to_numpy(schedule(step)))
        np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_cosine_ends_at_a_tenth_and_step_decays():
    assert learning_rate_at(100, "cosine", 1.0, 100) == pytest.approx(0.1)
    assert learning_rate_at(0, "cosine", 1.0, 100) == pytest.approx(1.0)
    assert [learning_rate_at(s, "step", 1.0, 0, decay_start=4,
                             decay_every=2) for s in (3, 4, 6)] == [
        1.0, 0.5, 0.25]
    assert learning_rate_at(26, "step", 1.0, 0, decay_start=6, decay_every=10,
                            decay_rate=0.8) == pytest.approx(0.8 ** 3)
