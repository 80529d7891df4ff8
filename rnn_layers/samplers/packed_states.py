"""Recurrent states as one float32 tensor, for serving signatures.

A streaming client carries a decoder's states between calls; a signature
is easier to call (and its shape easier to read) with one `(batch,
state_size)` tensor than with a tuple whose length depends on the model.
`pack_states` concatenates the states along their last axis in order,
`unpack_states` cuts them apart again by their sizes.
"""

from keras import ops


def state_sizes(states) -> tuple:
    """The static last dimension of each `(batch, size)` state."""
    sizes = tuple(state.shape[-1] for state in states)
    if any(size is None for size in sizes):
        raise ValueError(
            f"Received states with sizes {sizes}; expected every state's "
            "last dimension to be known, e.g. from `get_initial_state`."
        )
    return tuple(int(size) for size in sizes)


def pack_states(states):
    """Concatenates states `(batch, size_i)` to float32 `(batch, sum)`.

    Example:

    >>> packed = pack_states((np.zeros((2, 3)), np.ones((2, 4))))
    >>> tuple(packed.shape)
    (2, 7)
    """
    return ops.concatenate(
        [ops.cast(state, "float32") for state in states], axis=-1
    )  # (batch, state_size)


def unpack_states(state, sizes) -> tuple:
    """Cuts `(batch, sum(sizes))` back into states `(batch, size_i)`.

    Args:
        state: float `(batch, state_size)` from `pack_states`.
        sizes: sequence of ints, `state_sizes` of the packed states.

    Returns:
        A tuple of `len(sizes)` tensors.

    Example:

    >>> h, c = unpack_states(np.arange(10.0).reshape(2, 5), (2, 3))
    >>> tuple(h.shape), tuple(c.shape)
    ((2, 2), (2, 3))
    """
    states, offset = [], 0
    for size in sizes:
        states.append(state[:, offset : offset + size])  # (batch, size)
        offset += size
    return tuple(states)
