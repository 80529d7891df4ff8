"""Tests for apps/framework/epoch_batches.py."""

import numpy as np

from apps.framework import EpochBatches


def test_each_epoch_draws_its_own_arrays_lazily():
    drawn = []

    def make_epoch(epoch):
        drawn.append(epoch)
        rows = np.arange(6)[:, None] + 100 * epoch
        return rows, -rows

    batches = EpochBatches(make_epoch, epoch=2, batch_size=3,
                           steps_per_epoch=2)
    assert len(batches) == 2 and drawn == []
    inputs, targets = batches[1]
    np.testing.assert_array_equal(inputs[:, 0], [203, 204, 205])
    np.testing.assert_array_equal(targets, -inputs)
    batches.on_epoch_end()
    assert drawn == [2]  # the next epoch is drawn on its first batch only
    assert int(batches[0][0][0, 0]) == 300 and drawn == [2, 3]
