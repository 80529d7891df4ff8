"""NumPy references of the sampling math (no keras)."""

import numpy as np


def filtered_distribution(probabilities, top_k=0, top_p=1.0):
    """Top-k / top-p filtered, renormalised `(vocabulary,)` distribution.

    `top_k <= 0` and `top_p >= 1` disable the filters, the most probable
    token always stays and ties rank the lower id first (stable sort).
    """
    probabilities = np.asarray(probabilities, "float64")
    order = np.argsort(-probabilities, kind="stable")
    ranked = probabilities[order]
    keep = np.cumsum(ranked) - ranked < top_p
    if top_p >= 1:
        keep[:] = True
    if top_k > 0:
        keep[top_k:] = False
    keep[0] = True
    kept = np.zeros_like(probabilities)
    kept[order[keep]] = ranked[keep]
    return kept / kept.sum()


def tempered(probabilities, temperature):
    """`softmax(log(p) / temperature)`."""
    z = np.log(np.asarray(probabilities, "float64")) / temperature
    z = np.exp(z - z.max())
    return z / z.sum()


def triple32(x):
    """Wellons' `triple32` hash on uint32 values, in uint64 arithmetic."""
    x = np.asarray(x, "uint64")
    for shift, multiplier in ((17, 0xED5AD4BB), (11, 0xAC4C1B51),
                              (15, 0x31848BAB)):
        x = ((x ^ (x >> np.uint64(shift))) * np.uint64(multiplier)) & (
            np.uint64(0xFFFFFFFF))
    return x ^ (x >> np.uint64(14))
