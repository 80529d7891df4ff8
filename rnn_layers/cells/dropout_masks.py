"""Per-sequence dropout masks shared by the recurrent cells."""

from keras import ops
from keras import random


class DropoutMasks:
    """Mixin that draws one dropout mask per sequence for a recurrent cell.

    Recurrent dropout (Gal & Ghahramani, 2016) uses the same mask at every
    timestep of a sequence. The sequence layer calls
    `prepare_dropout_masks(batch_size)` once before the loop, so the loop
    body itself stays free of random ops (this is what lets JAX trace it),
    and `reset_dropout_masks()` afterwards. A cell mixing this in needs the
    attributes `dropout`, `recurrent_dropout`, `units`, `kernel` (built) and
    `seed_generator`.
    """

    _dropout_mask = None
    _recurrent_dropout_mask = None

    def prepare_dropout_masks(self, batch_size):
        """Draws the masks for one batch of sequences.

        Args:
            batch_size: int or scalar tensor, the number of sequences.
        """
        if self.dropout > 0:
            input_dim = self.kernel.shape[0]
            self._dropout_mask = random.dropout(
                ops.ones((batch_size, input_dim), dtype=self.compute_dtype),
                rate=self.dropout,
                seed=self.seed_generator,
            )
        if self.recurrent_dropout > 0:
            self._recurrent_dropout_mask = random.dropout(
                ops.ones((batch_size, self.units), dtype=self.compute_dtype),
                rate=self.recurrent_dropout,
                seed=self.seed_generator,
            )

    def get_dropout_mask(self, step_input):
        """Returns the input mask, `(batch, input_dim)`, drawing it if needed.

        Args:
            step_input: one timestep of inputs, `(batch, input_dim)`.
        """
        if self._dropout_mask is None and self.dropout > 0:
            self.prepare_dropout_masks(ops.shape(step_input)[0])
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, h_tm1):
        """Returns the recurrent mask, `(batch, units)`, drawing it if needed.

        Args:
            h_tm1: the previous hidden state, `(batch, units)`.
        """
        if self._recurrent_dropout_mask is None and self.recurrent_dropout > 0:
            self.prepare_dropout_masks(ops.shape(h_tm1)[0])
        return self._recurrent_dropout_mask

    def reset_dropout_masks(self):
        """Forgets the masks so that the next batch draws new ones."""
        self._dropout_mask = None
        self._recurrent_dropout_mask = None
