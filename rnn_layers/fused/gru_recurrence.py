"""The GRU recurrence (both reset placements) with a hand-written backward.

Keras gate order z, r, h. With `reset_after=True` (Keras' default, cuDNN's
form) the reset gate multiplies the recurrent projection:
n = act(x_h + r ⊙ (h_{t-1} U_h + b_h^rec)), one recurrent matmul per step in
both directions. With `reset_after=False` (Cho et al., 2014) it multiplies the
state before the matmul: n = act(x_h + (r ⊙ h_{t-1}) U_h), which takes a
second, dependent matmul per step. Either way h_t = z ⊙ h_{t-1} + (1 - z) ⊙ n,
and the weight gradients are single matmuls over all timesteps after the
reverse loop (derivation: `shared/notes/fast_recurrent_backward.md`).
"""

from keras import ops

from rnn_layers.fused.activation_grads import activation_and_grad
from rnn_layers.fused.matmul import mixed_matmul
from rnn_layers.fused.time_scan import time_scan
from rnn_layers.fused.upstream_gradients import upstream_gradients


def _flat(x, width):
    return ops.reshape(x, (-1, width))  # (time * batch, width)


def gru_recurrence(
    projected_inputs,
    h0,
    recurrent_kernel,
    recurrent_bias,
    reset_after=True,
    mask=None,
    recurrent_mask=None,
    activation=ops.tanh,
    recurrent_activation=ops.sigmoid,
    matmul_dtype="float32",
):
    """Runs the GRU recurrence over time-major projected inputs.

    Args:
        projected_inputs: float32 `(time, batch, 3 units)`, `x_t W + b_in`.
        h0: float32 `(batch, units)`, initial state.
        recurrent_kernel: `(units, 3 units)`, `U`.
        recurrent_bias: `(3 units,)` bias of the recurrent projection
            (zeros when the cell has none; unused when `reset_after=False`).
        reset_after: where the reset gate applies. Defaults to `True`.
        mask: optional float32 `(time, batch, 1)`. Defaults to `None`.
        recurrent_mask: optional `(batch, units)` dropout mask on `h_{t-1}`
            before `U`. Defaults to `None`.
        activation: candidate activation. Defaults to tanh.
        recurrent_activation: gate activation. Defaults to sigmoid.
        matmul_dtype: dtype of the matmul operands. Defaults to `"float32"`.

    Returns:
        `(hidden_sequence, h_last)`.

    Raises:
        NotImplementedError: for activations the backward pass lacks.
    """
    act, act_grad = activation_and_grad(activation)
    ract, ract_grad = activation_and_grad(recurrent_activation)
    units = ops.shape(h0)[-1]
    # A tensor, not a variable: the custom gradient returns dU itself.
    recurrent_kernel = ops.copy(recurrent_kernel)
    masked = mask is not None
    dropped = recurrent_mask is not None
    if not masked:
        mask = ops.ones((ops.shape(projected_inputs)[0], 1, 1), "float32")
    if not dropped:
        recurrent_mask = ops.ones((1, units), "float32")

    def masked_update(h_tm1, h_new, m_t):
        return h_tm1 + m_t * (h_new - h_tm1) if masked else h_new

    @ops.custom_gradient
    def recurrence(xw, h_init, u, b_rec, m_seq, r_mask):
        u_mm = ops.cast(u, matmul_dtype)
        u_zr, u_h = u_mm[:, : 2 * units], u_mm[:, 2 * units :]

        def forward_after(h_tm1, inputs_t):
            xw_t, m_t = inputs_t
            h_in = h_tm1 * r_mask if dropped else h_tm1
            hu = mixed_matmul(h_in, u_mm, matmul_dtype) + b_rec  # (b, 3u)
            zr = ract(xw_t[:, : 2 * units] + hu[:, : 2 * units])
            z, r = zr[:, :units], zr[:, units:]
            hu_h = hu[:, 2 * units :]
            n = act(xw_t[:, 2 * units :] + r * hu_h)
            h_out = masked_update(h_tm1, z * h_tm1 + (1.0 - z) * n, m_t)
            return h_out, (h_out, zr, n, hu_h)

        def forward_before(h_tm1, inputs_t):
            xw_t, m_t = inputs_t
            h_in = h_tm1 * r_mask if dropped else h_tm1
            zr = ract(
                xw_t[:, : 2 * units] + mixed_matmul(h_in, u_zr, matmul_dtype)
            )
            z, r = zr[:, :units], zr[:, units:]
            rh = r * h_in
            n = act(xw_t[:, 2 * units :] + mixed_matmul(rh, u_h, matmul_dtype))
            h_out = masked_update(h_tm1, z * h_tm1 + (1.0 - z) * n, m_t)
            return h_out, (h_out, zr, n, rh)

        forward_step = forward_after if reset_after else forward_before
        h_last, (h_seq, zr_seq, n_seq, extra_seq) = time_scan(
            forward_step, h_init, (xw, m_seq)
        )
        h_prev_seq = ops.concatenate([h_init[None], h_seq[:-1]], axis=0)

        def gate_grads(dh_t, h_tm1, zr, n, m_t):
            dh_step = m_t * dh_t if masked else dh_t
            z, r = zr[:, :units], zr[:, units:]
            da_n = dh_step * (1.0 - z) * act_grad(n)
            da_z = dh_step * (h_tm1 - n) * ract_grad(z)
            return dh_step, z, r, da_n, da_z

        def carried(dh_prev, dh_t, m_t):
            return dh_prev + (1.0 - m_t) * dh_t if masked else dh_prev

        def backward_after(dh, inputs_t):
            d_out_t, h_tm1, zr, n, hu_h, m_t = inputs_t
            dh_t = dh + d_out_t
            dh_step, z, r, da_n, da_z = gate_grads(dh_t, h_tm1, zr, n, m_t)
            da_r = da_n * hu_h * ract_grad(r)
            d_x = ops.concatenate([da_z, da_r, da_n], axis=-1)
            d_h = ops.concatenate([da_z, da_r, da_n * r], axis=-1)
            dh_rec = mixed_matmul(d_h, ops.transpose(u_mm), matmul_dtype)
            if dropped:
                dh_rec = dh_rec * r_mask
            return carried(dh_step * z + dh_rec, dh_t, m_t), (d_x, d_h)

        def backward_before(dh, inputs_t):
            d_out_t, h_tm1, zr, n, rh, m_t = inputs_t
            dh_t = dh + d_out_t
            dh_step, z, r, da_n, da_z = gate_grads(dh_t, h_tm1, zr, n, m_t)
            d_rh = mixed_matmul(da_n, ops.transpose(u_h), matmul_dtype)
            h_in = h_tm1 * r_mask if dropped else h_tm1
            da_r = d_rh * h_in * ract_grad(r)
            d_zr = ops.concatenate([da_z, da_r], axis=-1)
            dh_in = d_rh * r + mixed_matmul(
                d_zr, ops.transpose(u_zr), matmul_dtype
            )
            if dropped:
                dh_in = dh_in * r_mask
            d_x = ops.concatenate([d_zr, da_n], axis=-1)
            return carried(dh_step * z + dh_in, dh_t, m_t), (d_x, da_n)

        def grad(*upstream):
            d_h_seq, d_h_last = upstream_gradients(upstream, (h_seq, h_last))
            backward_step = backward_after if reset_after else backward_before
            dh0, (d_xw, d_rec) = time_scan(
                backward_step,
                d_h_last,
                (d_h_seq, h_prev_seq, zr_seq, n_seq, extra_seq, m_seq),
                reverse=True,
            )
            h_in_seq = h_prev_seq * r_mask if dropped else h_prev_seq
            h_in_t = ops.transpose(_flat(h_in_seq, units))  # (units, t*b)
            if reset_after:
                d_u = mixed_matmul(h_in_t, _flat(d_rec, 3 * units),
                                   matmul_dtype)
                d_b_rec = ops.sum(_flat(d_rec, 3 * units), axis=0)
            else:
                d_u_zr = mixed_matmul(
                    h_in_t, _flat(d_xw[..., : 2 * units], 2 * units),
                    matmul_dtype,
                )
                d_u_h = mixed_matmul(
                    ops.transpose(_flat(extra_seq, units)),
                    _flat(d_rec, units),
                    matmul_dtype,
                )
                d_u = ops.concatenate([d_u_zr, d_u_h], axis=-1)
                d_b_rec = ops.zeros_like(b_rec)
            return (
                d_xw,
                dh0,
                ops.cast(d_u, u.dtype),
                ops.cast(d_b_rec, b_rec.dtype),
                ops.zeros_like(m_seq),
                ops.zeros_like(r_mask),
            )

        return (h_seq, h_last), grad

    return recurrence(
        projected_inputs, h0, recurrent_kernel, recurrent_bias, mask,
        recurrent_mask,
    )
