"""Training batches drawn afresh for every epoch, reproducibly."""

import keras


class EpochBatches(keras.utils.PyDataset):
    """Serves `steps_per_epoch` batches of arrays that `make_epoch` draws.

    `make_epoch(epoch)` returns the `(inputs, targets)` arrays of one whole
    epoch (e.g. from a generator seeded by `(seed, epoch)`), so a run
    resumed at epoch `e` sees the same data as an uninterrupted one. The
    arrays are drawn on the epoch's first batch, and batches keep their
    order (stateful models rely on it).

    Args:
        make_epoch: callable `epoch -> (inputs, targets)`, each an array
            (or a dict of arrays, for a model with named inputs) with
            `steps_per_epoch * batch_size` rows.
        epoch: int, the epoch the first pass serves (the completed epochs
            when resuming).
        batch_size: int, rows per batch.
        steps_per_epoch: int, batches per epoch.

    Example:

    >>> import numpy as np
    >>> batches = EpochBatches(
    ...     lambda epoch: (np.full((4, 1), epoch), np.zeros((4, 1))),
    ...     epoch=2, batch_size=2, steps_per_epoch=2)
    >>> int(batches[0][0][0, 0])
    2
    """

    def __init__(self, make_epoch, epoch, batch_size, steps_per_epoch):
        super().__init__()
        self.make_epoch = make_epoch
        self.epoch = epoch
        self.batch_size = batch_size
        self.steps_per_epoch = steps_per_epoch
        self._arrays = None

    def __len__(self):
        return self.steps_per_epoch

    def __getitem__(self, index):
        if self._arrays is None:
            self._arrays = self.make_epoch(self.epoch)
        rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return keras.tree.map_structure(lambda array: array[rows],
                                        tuple(self._arrays))

    def on_epoch_end(self):
        self.epoch += 1
        self._arrays = None
