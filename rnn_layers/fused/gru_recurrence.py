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

from rnn_layers.cells.gate_math import gru_gates
from rnn_layers.fused.matmul import mixed_matmul
from rnn_layers.fused.recurrence_setup import masked_step
from rnn_layers.fused.recurrence_setup import recurrence_setup
from rnn_layers.fused.time_scan import time_scan
from rnn_layers.fused.upstream_gradients import upstream_gradients


def _flat(x, width):
    return ops.reshape(x, (-1, width))  # (time * batch, width)


def _update_factors(z, n, h_prev_seq, activation_grad,
                    recurrent_activation_grad):
    """`(a, b_z)` with dA_n = dh' ⊙ a and dA_z = dh' ⊙ b_z at every step."""
    a = (1.0 - z) * activation_grad(n)  # (time, batch, units)
    b_z = (h_prev_seq - n) * recurrent_activation_grad(z)
    return a, b_z


def reset_after_factors(z, r, n, hu_h, h_prev_seq, activation_grad,
                        recurrent_activation_grad):
    """The reset-after gate gradients' parts free of the carried gradient.

    For all timesteps at once: with dh' a step's gradient of h̃_t, the
    gradient of the input projection is dA_x = [dh', dh', dh'] ⊙ x_factors
    and that of the recurrent projection `hu` is dA_h = [dh', dh', dh'] ⊙
    h_factors (gate order z, r, h).

    Args:
        z, r, n: `(time, batch, units)`, the gates and the candidate.
        hu_h: `(time, batch, units)`, the candidate's recurrent projection.
        h_prev_seq: `(time, batch, units)`, `h_{t-1}` of every step.
        activation_grad: the candidate activation's derivative from its
            output.
        recurrent_activation_grad: the gates' derivative from their output.

    Returns:
        `(x_factors, h_factors)`, each `(time, batch, 3 units)`.
    """
    a, b_z = _update_factors(
        z, n, h_prev_seq, activation_grad, recurrent_activation_grad
    )
    c = a * hu_h * recurrent_activation_grad(r)
    x_factors = ops.concatenate([b_z, c, a], axis=-1)
    h_factors = ops.concatenate([b_z, c, a * r], axis=-1)
    return x_factors, h_factors


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
    compile_forward=False,
):
    """Runs the GRU recurrence over time-major projected inputs.

    Args:
        projected_inputs: float32 `(time, batch, 3 units)`, `x_t W + b_in`.
        h0: float32 `(batch, units)`, initial state.
        recurrent_kernel: `(units, 3 units)`, `U`.
        recurrent_bias: `(3 units,)` bias of the recurrent projection
            (zeros when the cell has none; unused when `reset_after=False`).
        reset_after: where the reset gate applies. Defaults to `True`.
        mask: optional float32 `(time, batch, 1)`, or per unit
            `(time, batch, units)` / `(time, 1, 1)`: h_t = h_{t-1} +
            m_t ⊙ (h̃_t - h_{t-1}); `GRUCell` folds zoneout into it as
            m ⊙ (1 - d). Defaults to `None`.
        recurrent_mask: optional `(batch, units)` dropout mask on `h_{t-1}`
            before `U`. Defaults to `None`.
        activation: candidate activation. Defaults to tanh.
        recurrent_activation: gate activation. Defaults to sigmoid.
        matmul_dtype: dtype of the matmul operands. Defaults to `"float32"`.
        compile_forward: whether the forward loop is XLA-compiled on
            TensorFlow: training graphs do, inference and serving graphs must
            not (see `time_scan`). The backward loop, which only training
            graphs hold, always is. Defaults to `False`.
    Returns:
        `(hidden_sequence, h_last)`.

    Raises:
        ValueError: for activations the backward pass lacks.
    """
    setup = recurrence_setup(
        projected_inputs, h0, recurrent_kernel, mask, recurrent_mask,
        matmul_dtype, [activation, recurrent_activation],
    )
    (act, act_grad), (ract, ract_grad) = setup.activations
    units, masked, dropped = setup.units, setup.masked, setup.dropped
    step_dtype = setup.step_dtype

    def masked_update(h_tm1, h_new, inputs_t):
        if masked:
            return masked_step(h_tm1, h_new, inputs_t[-1])
        return h_new

    @ops.custom_gradient
    def recurrence(xw, h_init, u, b_rec, m_seq, r_mask):
        u_mm = ops.cast(u, step_dtype)
        u_zr, u_h = u_mm[:, : 2 * units], u_mm[:, 2 * units :]

        def forward_after(h_tm1, inputs_t):
            h_in = h_tm1 * r_mask if dropped else h_tm1
            hu = mixed_matmul(h_in, u_mm, step_dtype) + b_rec  # (b, 3u)
            h_new, (z, r, n) = gru_gates(inputs_t[0], hu, h_tm1, act, ract)
            h_out = masked_update(h_tm1, h_new, inputs_t)
            return h_out, (h_out, z, r, n, hu[:, 2 * units :])

        def forward_before(h_tm1, inputs_t):
            h_in = h_tm1 * r_mask if dropped else h_tm1

            def reset_projection(r):
                return mixed_matmul(r * h_in, u_h, step_dtype)

            h_new, (z, r, n) = gru_gates(
                inputs_t[0], mixed_matmul(h_in, u_zr, step_dtype), h_tm1,
                act, ract, reset_projection=reset_projection,
            )
            h_out = masked_update(h_tm1, h_new, inputs_t)
            return h_out, (h_out, z, r, n)

        loop_inputs = (xw, m_seq) if masked else (xw,)
        h_last, step_outputs = time_scan(
            forward_after if reset_after else forward_before,
            h_init,
            loop_inputs,
            compile_loop=compile_forward,
        )
        h_seq, z_seq, r_seq, n_seq = step_outputs[:4]

        def grad(*upstream):
            d_h_seq, d_h_last = upstream_gradients(upstream, (h_seq, h_last))
            h_prev_seq = ops.concatenate([h_init[None], h_seq[:-1]], axis=0)
            h_in_seq = h_prev_seq * r_mask if dropped else h_prev_seq
            z, r = z_seq, r_seq
            m_seqs = (m_seq,) if masked else ()
            if reset_after:
                x_factors, h_factors = reset_after_factors(
                    z, r, n_seq, step_outputs[4], h_prev_seq, act_grad,
                    ract_grad,
                )
                d_xw, d_rec, dh0 = _backward_reset_after(
                    d_h_seq, d_h_last, z, x_factors, h_factors, m_seqs
                )
                d_u = mixed_matmul(
                    ops.transpose(_flat(h_in_seq, units)),
                    _flat(d_rec, 3 * units),
                    matmul_dtype,
                )
                d_b_rec = ops.sum(_flat(d_rec, 3 * units), axis=0)
            else:
                a, b_z = _update_factors(
                    z, n_seq, h_prev_seq, act_grad, ract_grad
                )
                d_xw, dh0 = _backward_reset_before(
                    d_h_seq, d_h_last, z, r, a, b_z, h_in_seq, m_seqs
                )
                d_u = ops.concatenate(
                    [
                        mixed_matmul(
                            ops.transpose(_flat(h_in_seq, units)),
                            _flat(d_xw[..., : 2 * units], 2 * units),
                            matmul_dtype,
                        ),
                        mixed_matmul(
                            ops.transpose(_flat(r * h_in_seq, units)),
                            _flat(d_xw[..., 2 * units :], units),
                            matmul_dtype,
                        ),
                    ],
                    axis=-1,
                )
                d_b_rec = ops.zeros_like(b_rec)
            return (
                d_xw,
                dh0,
                ops.cast(d_u, u.dtype),
                ops.cast(d_b_rec, b_rec.dtype),
                ops.zeros_like(m_seq),
                ops.zeros_like(r_mask),
            )

        def _step_gradient(dh, inputs_t):
            """`(dh_t, dh_step)` at one step: upstream + carry, masked."""
            dh_t = dh + inputs_t[0]
            if masked:
                return dh_t, inputs_t[-1] * dh_t
            return dh_t, dh_t

        def _carry(dh_prev, dh_t, inputs_t):
            if masked:
                return dh_prev + (1.0 - inputs_t[-1]) * dh_t
            return dh_prev

        def _backward_reset_after(d_h_seq, d_h_last, z, x_factors,
                                  h_factors, m_seqs):
            u_t = ops.transpose(u_mm)

            def backward_step(dh, inputs_t):
                dh_t, dh_step = _step_gradient(dh, inputs_t)
                h_factors_t, z_t = inputs_t[1], inputs_t[2]
                d_h = (
                    ops.concatenate([dh_step, dh_step, dh_step], axis=-1)
                    * h_factors_t
                )  # (batch, 3 units)
                dh_rec = mixed_matmul(d_h, u_t, step_dtype)
                if dropped:
                    dh_rec = dh_rec * r_mask
                return _carry(dh_step * z_t + dh_rec, dh_t, inputs_t), dh_step

            dh0, dh_steps = time_scan(
                backward_step,
                d_h_last,
                (d_h_seq, h_factors, z) + m_seqs,
                reverse=True,
                compile_loop=True,
            )
            tiled = ops.concatenate([dh_steps, dh_steps, dh_steps], axis=-1)
            return tiled * x_factors, tiled * h_factors, dh0

        def _backward_reset_before(d_h_seq, d_h_last, z, r, a, b_z, h_in_seq,
                                   m_seqs):
            e = h_in_seq * ract_grad(r)
            u_h_t = ops.transpose(u_h)
            u_zr_t = ops.transpose(u_zr)

            def backward_step(dh, inputs_t):
                dh_t, dh_step = _step_gradient(dh, inputs_t)
                a_t, b_z_t, e_t, z_t, r_t = inputs_t[1:6]
                da_n = dh_step * a_t
                d_rh = mixed_matmul(da_n, u_h_t, step_dtype)
                d_zr = ops.concatenate([dh_step * b_z_t, d_rh * e_t], -1)
                dh_in = d_rh * r_t + mixed_matmul(d_zr, u_zr_t, step_dtype)
                if dropped:
                    dh_in = dh_in * r_mask
                dh_prev = _carry(dh_step * z_t + dh_in, dh_t, inputs_t)
                return dh_prev, ops.concatenate([d_zr, da_n], axis=-1)

            dh0, d_xw = time_scan(
                backward_step,
                d_h_last,
                (d_h_seq, a, b_z, e, z, r) + m_seqs,
                reverse=True,
                compile_loop=True,
            )
            return d_xw, dh0

        return (h_seq, h_last), grad

    return recurrence(
        projected_inputs, h0, setup.recurrent_kernel, recurrent_bias,
        setup.mask, setup.recurrent_mask,
    )
