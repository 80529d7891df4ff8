"""Tests for apps/framework/epoch_batches.py."""

import numpy as np
import pytest

from apps.framework import EpochBatches
from apps.framework.epoch_batches import resumed_epochs


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


def test_resumed_epochs_serve_the_rest_then_whole_epochs():
    def make_epoch(epoch):
        rows = np.arange(6)[:, None] + 100 * epoch
        return rows, -rows

    batches = EpochBatches(make_epoch, epoch=0, batch_size=2,
                           steps_per_epoch=3)
    rest, following = resumed_epochs(batches, 2)
    rest.on_epoch_end()  # the call `fit` makes as it starts: kept
    rest.on_epoch_begin()
    assert len(rest) == 1 and int(rest[0][0][0, 0]) == 104
    rest.on_epoch_end()
    following.on_epoch_end()  # the second `fit`'s own start: dropped
    following.on_epoch_begin()
    assert len(following) == 3 and int(following[0][0][0, 0]) == 200


def test_resumed_epochs_refuse_a_batch_outside_the_epoch():
    batches = EpochBatches(lambda epoch: (np.zeros((4, 1)),) * 2, epoch=0,
                           batch_size=2, steps_per_epoch=2)
    with pytest.raises(ValueError, match="another --steps_per_epoch"):
        resumed_epochs(batches, 2)
    with pytest.raises(TypeError, match="--checkpoint_every 0"):
        resumed_epochs([np.zeros(3)], 1)
