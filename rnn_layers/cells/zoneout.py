"""Zoneout (Krueger et al., 2017) for the gated cells: masks and update.

Zoneout keeps each unit of each state at its previous value with
probability `rate`, at every timestep:

    training:  s_t = d ⊙ s_{t-1} + (1 - d) ⊙ s̃_t,   d ~ Bernoulli(rate)
    inference: s_t = rate · s_{t-1} + (1 - rate) · s̃_t

where s̃_t is the state the cell computes (`h̃`, and `c̃` for the LSTM, whose
output `h̃ = o ⊙ tanh(c̃)` uses the candidate carry). A fresh `d` is drawn
per timestep, batch row, unit and state.

How the masks reach the cell: `rnn_layers.RNN` calls
`cell.draw_zoneout_masks(time, batch)` once before the loop (so the loop body
holds no random op and JAX can trace it). The fused loop takes the masks as
loop inputs; the generic loop hands the cell its step's slice as
`cell(inputs, states, training=..., zoneout_mask=[d_h, ...])`. A cell
stepped without `zoneout_mask` while training (e.g. by `keras.layers.RNN`)
draws its own per call. Masks are time-major in input order,
`(time, batch, units)` per state, 1 meaning "keep the previous value".
"""

from keras import ops
from keras import random


def zoneout_update(previous, candidate, keep):
    """`keep ⊙ previous + (1 - keep) ⊙ candidate` (the zoneout mix).

    Args:
        previous: `s_{t-1}`.
        candidate: `s̃_t`.
        keep: zoneout mask `d` (or the scalar rate at inference).

    Returns:
        `s_t`.
    """
    return keep * previous + (1.0 - keep) * candidate


class ZoneoutMixin:
    """Zoneout masks for a cell with `zoneout`, `units`, `state_size`.

    The cell also needs `seed_generator` and `compute_dtype`.
    """

    def draw_zoneout_masks(self, time, batch):
        """Draws one float32 `(time, batch, units)` mask per state.

        Args:
            time: number of timesteps.
            batch: batch size.

        Returns:
            A list of masks, 1 where the unit keeps its previous value.
        """
        return [
            ops.cast(
                random.uniform((time, batch, size), seed=self.seed_generator)
                < self.zoneout,
                "float32",
            )
            for size in self.state_size
        ]

    def zoned_states(self, previous, candidates, training, zoneout_mask):
        """Applies zoneout to the new states of one step.

        Args:
            previous: list of the previous states.
            candidates: list of the states the cell computed.
            training: whether to draw (or use) Bernoulli masks.
            zoneout_mask: list of `(batch, units)` masks or `None` (drawn
                here when training).

        Returns:
            The list of new states (`candidates` when `zoneout=0`).
        """
        if self.zoneout == 0:
            return candidates
        if not training:
            return [
                zoneout_update(p, s, self.zoneout)
                for p, s in zip(previous, candidates)
            ]
        if zoneout_mask is None:
            batch = ops.shape(previous[0])[0]
            zoneout_mask = [m[0] for m in self.draw_zoneout_masks(1, batch)]
        return [
            zoneout_update(p, s, ops.cast(d, s.dtype))
            for p, s, d in zip(previous, candidates, zoneout_mask)
        ]

    def fused_zoneout(self, zoneout_masks, time, go_backwards):
        """The zoneout masks the fused loop takes, time-major, or `None`.

        Args:
            zoneout_masks: the drawn training masks (input time order) or
                `None` at inference.
            time: number of timesteps.
            go_backwards: whether the loop runs the sequence reversed.

        Returns:
            `None` when `zoneout=0`; else one float32 mask per state,
            `(time, batch, units)` when training or `(time, 1, 1)` filled
            with the rate at inference.
        """
        if self.zoneout == 0:
            return None
        if zoneout_masks is None:
            rate = ops.full((time, 1, 1), self.zoneout, dtype="float32")
            return [rate for _ in self.state_size]
        if go_backwards:
            return [ops.flip(m, axis=0) for m in zoneout_masks]
        return list(zoneout_masks)
