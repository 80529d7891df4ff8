"""The gate math of one LSTM step and one GRU step, written once.

Three code paths compute these steps: the cells' `call` (`LSTMCell`,
`GRUCell`, `LayerNormGRUCell`), the forward loops of the fused recurrences
(`rnn_layers/fused/lstm_recurrence.py`, `gru_recurrence.py`) and the folded
decode step (`rnn_layers/samplers/lstm_step.py`). Each of them does its own
matmuls (plain, mixed precision, or over a folded embedding table) and hands
the projections to the functions here, so the gate equations cannot drift
apart. They are pure functions of tensors on `keras.ops`, and this module
imports nothing else from the package, so the fused loops can use it.
"""

from keras import ops


def lstm_gates(z, c_tm1, activation, recurrent_activation):
    """One LSTM step from its gate pre-activations.

    Hochreiter & Schmidhuber (1997), with Keras' gate order i, f, c, o:

        i = σ(z_i),  f = σ(z_f),  g = act(z_c),  o = σ(z_o),
        c_t = f ⊙ c_{t-1} + i ⊙ g,  h_t = o ⊙ act(c_t),

    where σ is `recurrent_activation` and act is `activation`, each applied
    per gate as `keras.layers.LSTMCell` does.

    Args:
        z: `(batch, 4 * units)`, `x_t W + h_{t-1} U + b`.
        c_tm1: `(batch, units)`, the previous carry state.
        activation: activation of the candidate and of the output.
        recurrent_activation: activation of the gates.

    Returns:
        `(h, c, (i, f, g, o))`: the new hidden and carry states and the four
        gate values, each `(batch, units)` (the fused backward pass stores
        the gates).

    Example:

    >>> z = np.zeros((2, 12), "float32")
    >>> h, c, _ = lstm_gates(z, np.ones((2, 3), "float32"),
    ...                      keras.ops.tanh, keras.ops.sigmoid)
    >>> float(c[0, 0])  # f * c_tm1 + i * tanh(0) = 0.5
    0.5
    """
    z_i, z_f, z_c, z_o = ops.split(z, 4, axis=-1)  # 4 x (batch, units)
    i = recurrent_activation(z_i)
    f = recurrent_activation(z_f)
    g = activation(z_c)
    o = recurrent_activation(z_o)
    c = f * c_tm1 + i * g
    h = o * activation(c)
    return h, c, (i, f, g, o)


def gru_gates(x, hu, h_tm1, activation, recurrent_activation,
              reset_projection=None):
    """One GRU step from its input and recurrent projections.

    Cho et al. (2014), with Keras' gate order z, r, h:

        z = σ(x_z + hu_z),  r = σ(x_r + hu_r),
        n = act(x_h + r ⊙ hu_h)               (reset after the matmul),
        n = act(x_h + (r ⊙ h_{t-1}) U_h)      (reset before it),
        h_t = z ⊙ h_{t-1} + (1 - z) ⊙ n,

    where σ is `recurrent_activation` and act is `activation`, each applied
    per gate as `keras.layers.GRUCell` does.

    Args:
        x: `(batch, 3 * units)`, the input projection `x_t W + b`.
        hu: the recurrent projection of the (dropped-out) previous state:
            `(batch, 3 * units)` `h_{t-1} U + b_rec` when the reset gate
            applies after the matmul, or `(batch, 2 * units)` `h_{t-1} U_zr`
            (the z and r columns only) when it applies before.
        h_tm1: `(batch, units)`, the previous state.
        activation: activation of the candidate.
        recurrent_activation: activation of the gates.
        reset_projection: for the reset-before form, a callable `r ->
            (r ⊙ h_{t-1}) U_h` (the caller owns `U_h`, the matmul and any
            recurrent dropout); `None` for the reset-after form. Defaults to
            `None`.

    Returns:
        `(h, (z, r, n))`: the new state and the gate and candidate values,
        each `(batch, units)`.

    Example:

    >>> x = np.zeros((2, 9), "float32")
    >>> h, _ = gru_gates(x, x, np.ones((2, 3), "float32"),
    ...                  keras.ops.tanh, keras.ops.sigmoid)
    >>> float(h[0, 0])  # z * h_tm1 + (1 - z) * tanh(0) = 0.5
    0.5
    """
    units = ops.shape(h_tm1)[-1]
    z = recurrent_activation(x[:, :units] + hu[:, :units])
    r = recurrent_activation(
        x[:, units : 2 * units] + hu[:, units : 2 * units]
    )
    if reset_projection is None:
        candidate = r * hu[:, 2 * units :]
    else:
        candidate = reset_projection(r)
    n = activation(x[:, 2 * units :] + candidate)
    h = z * h_tm1 + (1.0 - z) * n
    return h, (z, r, n)
