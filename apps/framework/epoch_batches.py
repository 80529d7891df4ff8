"""Training batches drawn afresh for every epoch, reproducibly.

`resumed_epochs` serves a run resumed from a checkpoint inside an epoch:
the rest of that epoch, then the epochs after it
(`apps.framework.training.fit`).
"""

import keras


class EpochBatches(keras.utils.PyDataset):
    """Serves `steps_per_epoch` batches of arrays that `make_epoch` draws.

    `make_epoch(epoch)` returns the `(inputs, targets)` arrays of one whole
    epoch (e.g. from a generator seeded by `(seed, epoch)`), so a run
    resumed at epoch `e` sees the same data as an uninterrupted one. The
    arrays are drawn on the epoch's first batch, and batches keep their
    order (stateful models rely on it; `apps.framework.fit` passes
    `shuffle=False`). Keras's `fit` calls `on_epoch_end` once as it starts,
    so under `fit` each epoch `e` is drawn as `make_epoch(e + 1)`, in
    resumed and uninterrupted runs alike.

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


def resumed_epochs(training, first_batch: int) -> tuple:
    """What the two `fit`s of a run resumed inside an epoch train on.

    The first `fit` trains the rest of the interrupted epoch, the second
    the whole epochs after it. Keras's `fit` calls the data's
    `on_epoch_end` once as it starts (`EpochIterator.reset`), so in every
    run an epoch-counting `PyDataset` (`EpochBatches`) has advanced one
    pass before the first epoch; the first `fit` keeps that call and the
    second drops its own, so each epoch gets the data an uninterrupted run
    gives it.

    Args:
        training: a `keras.utils.PyDataset` (`EpochBatches` and the apps'
            own) or a `tf.data.Dataset`, serving one epoch per pass.
        first_batch: int, batches of the current epoch already trained,
            `0 < first_batch < len(training)`.

    Returns:
        `(rest of the epoch, following epochs)`: for a `PyDataset`, views
        that pass epoch ends on to `training`; for a `tf.data.Dataset`,
        `(training.skip(first_batch), training)` (a dataset that
        reshuffles on every pass skips batches of a fresh order).

    Raises:
        TypeError: for other kinds of training data.
        ValueError: if `first_batch` is not inside the epoch.

    Example:

    >>> import numpy as np
    >>> batches = EpochBatches(
    ...     lambda epoch: (np.arange(6)[:, None], np.zeros((6, 1))),
    ...     epoch=0, batch_size=2, steps_per_epoch=3)
    >>> rest, following = resumed_epochs(batches, 2)
    >>> len(rest), int(rest[0][0][0, 0]), len(following)
    (1, 4, 3)
    """
    if isinstance(training, keras.utils.PyDataset):
        if not 0 < first_batch < len(training):
            raise ValueError(
                f"Received `first_batch={first_batch}` for an epoch of "
                f"{len(training)} batches; expected 0 < first_batch < "
                f"{len(training)}: the checkpoint is from a run with another "
                "--steps_per_epoch. Resume with the run's --steps_per_epoch."
            )
        return (_EpochView(training, first_batch, keep_first_end=True),
                _EpochView(training, 0, keep_first_end=False))
    if hasattr(training, "skip") and hasattr(training, "cardinality"):
        return training.skip(first_batch), training
    raise TypeError(
        f"Received training data of type {type(training).__name__}, which "
        "cannot resume inside an epoch; pass a `keras.utils.PyDataset` or a "
        "`tf.data.Dataset`, or train with --checkpoint_every 0."
    )


class _EpochView(keras.utils.PyDataset):
    """`dataset[first:]` for each pass; epoch ends go on to `dataset`.

    Args:
        dataset: the `keras.utils.PyDataset` viewed.
        first: int, batches of each pass to leave out.
        keep_first_end: bool, whether an `on_epoch_end` before any epoch
            began (the one `fit` makes as it starts) is passed on.
    """

    def __init__(self, dataset, first, keep_first_end):
        super().__init__(
            workers=dataset.workers,
            use_multiprocessing=dataset.use_multiprocessing,
            max_queue_size=dataset.max_queue_size,
        )
        self.dataset = dataset
        self.first = first
        self.keep_first_end = keep_first_end
        self._begun = False

    def __len__(self):
        return len(self.dataset) - self.first

    def __getitem__(self, index):
        return self.dataset[self.first + index]

    def on_epoch_begin(self):
        self._begun = True
        self.dataset.on_epoch_begin()

    def on_epoch_end(self):
        if self._begun or self.keep_first_end:
            self.dataset.on_epoch_end()
