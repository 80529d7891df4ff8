"""The gate math of one LSTM step and one GRU step, written once.

Three code paths compute these steps: the cells' `call` (`LSTMCell`,
`GRUCell`, `LayerNormLSTMCell`, `LayerNormGRUCell`), the forward loops of the
fused recurrences (`rnn_layers/fused/lstm_recurrence.py`, `gru_recurrence.py`,
`layer_norm_*_recurrence.py`) and the folded decode step
(`rnn_layers/samplers/lstm_step.py`). Each of them does its own matmuls
(plain, mixed precision, or over a folded embedding table) and hands the
projections to the functions here, so the gate equations cannot drift apart.
They are pure functions of tensors on `keras.ops`, and this module imports
nothing else from the package but the pure `layer_norm_math`, so the fused
loops can use it.
"""

from keras import ops

from rnn_layers.cells.layer_norm_math import normalize


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
    i, f, g, o = _lstm_gate_values(z, activation, recurrent_activation)
    c = f * c_tm1 + i * g
    h = o * activation(c)
    return h, c, (i, f, g, o)


def _lstm_gate_values(z, activation, recurrent_activation):
    z_i, z_f, z_c, z_o = ops.split(z, 4, axis=-1)  # 4 x (batch, units)
    return (
        recurrent_activation(z_i),
        recurrent_activation(z_f),
        activation(z_c),
        recurrent_activation(z_o),
    )


def layer_norm_lstm_gates(z, c_tm1, state_gamma, state_beta, epsilon,
                          activation, recurrent_activation):
    """One step of TF Addons' layer-normalized LSTM from its pre-activations.

    As `lstm_gates`, but the new carry state is layer-normalized (Ba et al.,
    2016, section 3.1) before it is stored and squashed:

        c̃_t = f ⊙ c_{t-1} + i ⊙ g,  c_t = LN_c(c̃_t),  h_t = o ⊙ act(c_t).

    Args:
        z: `(batch, 4 * units)`, the (normalized) gate pre-activations.
        c_tm1: `(batch, units)`, the previous carry state.
        state_gamma: `(units,)`, the scale of `LN_c`.
        state_beta: `(units,)`, the shift of `LN_c`.
        epsilon: float added to the variance of `c̃_t`.
        activation: activation of the candidate and of the output.
        recurrent_activation: activation of the gates.

    Returns:
        `(h, c, (i, f, g, o), (c_hat, inv_std))`: the new states, the gate
        values, and the normalized `c̃_t` with its `(batch, 1)` inverse
        standard deviation (the fused backward pass stores them).

    Example:

    >>> z = np.zeros((2, 12), "float32")
    >>> c_tm1 = np.array([[1.0, 2.0, 3.0]] * 2, "float32")
    >>> _, c, _, _ = layer_norm_lstm_gates(
    ...     z, c_tm1, np.ones(3, "float32"), np.zeros(3, "float32"), 1e-3,
    ...     keras.ops.tanh, keras.ops.sigmoid)
    >>> round(float(c[0, 0] + c[0, 2]), 6)  # zero mean over the units
    0.0
    """
    i, f, g, o = _lstm_gate_values(z, activation, recurrent_activation)
    c_hat, inv_std = normalize(f * c_tm1 + i * g, epsilon)
    c = c_hat * state_gamma + state_beta
    h = o * activation(c)
    return h, c, (i, f, g, o), (c_hat, inv_std)


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
