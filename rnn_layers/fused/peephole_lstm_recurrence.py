"""The peephole LSTM recurrence with a hand-written backward pass.

As `lstm_recurrence`, plus diagonal peepholes V = [V_i, V_f, V_o], each
`(units,)` (Gers & Schmidhuber, 2000), elementwise inside the loop:

    a = x_t W + b + h_{t-1} U                      (i, f, g, o blocks)
    i = σ(a_i + V_i ⊙ c_{t-1}),  f = σ(a_f + V_f ⊙ c_{t-1}),
    g = tanh(a_g),  c_t = f ⊙ c_{t-1} + i ⊙ g,
    o = σ(a_o + V_o ⊙ c_t),  h_t = o ⊙ tanh(c_t)

Backward, carrying dh, dc (gradients of h_t, c_t; m the padding mask):
    dh' = m ⊙ dh_t,  dA_o = dh' ⊙ tanh(c_t) ⊙ σ'(o)
    dc' = m ⊙ dc_t + dh' ⊙ o ⊙ tanh'(c_t) + dA_o ⊙ V_o
    dA_i = dc' ⊙ g ⊙ σ'(i),  dA_f = dc' ⊙ c_{t-1} ⊙ σ'(f),
    dA_g = dc' ⊙ i ⊙ tanh'(g)
    dh_{t-1} = dA_t U^T + (1 - m) ⊙ dh_t,
    dc_{t-1} = dc' ⊙ f + dA_i ⊙ V_i + dA_f ⊙ V_f + (1 - m) ⊙ dc_t,
and after the loop, sums over time and batch:
    dV_i = Σ dA_i ⊙ c_{t-1},  dV_f = Σ dA_f ⊙ c_{t-1},  dV_o = Σ dA_o ⊙ c_t,
    dU = H_prev^T dA (one matmul), as for the plain LSTM.
"""

from keras import ops

from rnn_layers.fused.matmul import mixed_matmul
from rnn_layers.fused.matmul import recurrent_kernel_grad
from rnn_layers.fused.recurrence_setup import masked_step
from rnn_layers.fused.recurrence_setup import recurrence_setup
from rnn_layers.fused.time_scan import time_scan
from rnn_layers.fused.upstream_gradients import upstream_gradients


def peephole_lstm_recurrence(
    projected_inputs,
    h0,
    c0,
    recurrent_kernel,
    peepholes,
    mask=None,
    recurrent_mask=None,
    activation=ops.tanh,
    recurrent_activation=ops.sigmoid,
    matmul_dtype="float32",
    compile_forward=False,
):
    """Runs the peephole LSTM recurrence over time-major projected inputs.

    Args:
        projected_inputs: float32 `(time, batch, 4 * units)`, `x_t W + b`.
        h0: float32 `(batch, units)`, initial hidden state.
        c0: float32 `(batch, units)`, initial carry state.
        recurrent_kernel: `(units, 4 * units)`, `U`.
        peepholes: float32 `(3, units)`, `[V_i, V_f, V_o]`.
        mask: optional float32 `(time, batch, 1)`. Defaults to `None`.
        recurrent_mask: optional `(batch, units)` recurrent dropout mask.
            Defaults to `None`.
        activation: cell and output activation. Defaults to tanh.
        recurrent_activation: gate activation. Defaults to sigmoid.
        matmul_dtype: dtype of the matmul operands. Defaults to `"float32"`.
        compile_forward: whether the forward loop is XLA-compiled on
            TensorFlow (training graphs only). Defaults to `False`.

    Returns:
        `(hidden_sequence, h_last, c_last)`.

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

    @ops.custom_gradient
    def recurrence(xw, h_init, c_init, u, v, m_seq, r_mask):
        u_mm = ops.cast(u, step_dtype)
        v_i, v_f, v_o = v[0], v[1], v[2]  # (units,) each

        def forward_step(carry, inputs_t):
            h_tm1, c_tm1 = carry
            h_in = h_tm1 * r_mask if dropped else h_tm1
            z = inputs_t[0] + mixed_matmul(h_in, u_mm, step_dtype)  # (b, 4u)
            i = ract(z[:, :units] + v_i * c_tm1)
            f = ract(z[:, units : 2 * units] + v_f * c_tm1)
            g = act(z[:, 2 * units : 3 * units])
            c_new = f * c_tm1 + i * g
            o = ract(z[:, 3 * units :] + v_o * c_new)
            h_new = o * act(c_new)
            if masked:
                m_t = inputs_t[1]
                h_new = masked_step(h_tm1, h_new, m_t)
                c_new = masked_step(c_tm1, c_new, m_t)
            gates = ops.concatenate([i, f, g, o], axis=-1)
            return (h_new, c_new), (h_new, c_new, gates)

        (h_last, c_last), (h_seq, c_seq, gate_seq) = time_scan(
            forward_step,
            (h_init, c_init),
            (xw, m_seq) if masked else (xw,),
            compile_loop=compile_forward,
        )

        def grad(*upstream):
            d_h_seq, d_h_last, d_c_last = upstream_gradients(
                upstream, (h_seq, h_last, c_last)
            )
            i = gate_seq[..., :units]
            f = gate_seq[..., units : 2 * units]
            g = gate_seq[..., 2 * units : 3 * units]
            o = gate_seq[..., 3 * units :]
            c_prev_seq = ops.concatenate([c_init[None], c_seq[:-1]], axis=0)
            tanh_c = act(c_seq)
            # Per-step factors, for all timesteps at once.
            o_factor = tanh_c * ract_grad(o)  # dA_o = dh' * o_factor
            cell_factor = o * act_grad(tanh_c) + o_factor * v_o
            gate_factors = ops.concatenate(
                [g * ract_grad(i), c_prev_seq * ract_grad(f),
                 i * act_grad(g)],
                axis=-1,
            )  # (time, batch, 3 units)
            u_t = ops.transpose(u_mm)

            def backward_step(carry, inputs_t):
                dh, dc = carry
                d_out_t, cell_t, o_t, gates_t, f_t = inputs_t[:5]
                dh_t = dh + d_out_t
                if masked:
                    m_t = inputs_t[5]
                    dh_step = m_t * dh_t
                    dc_step = m_t * dc + dh_step * cell_t
                else:
                    dh_step = dh_t
                    dc_step = dc + dh_t * cell_t
                d_ifg = (
                    ops.concatenate([dc_step, dc_step, dc_step], -1)
                    * gates_t
                )  # (batch, 3 units)
                da = ops.concatenate([d_ifg, dh_step * o_t], -1)  # (b, 4u)
                dh_prev = mixed_matmul(da, u_t, step_dtype)
                if dropped:
                    dh_prev = dh_prev * r_mask
                dc_prev = (
                    dc_step * f_t
                    + d_ifg[:, :units] * v_i
                    + d_ifg[:, units : 2 * units] * v_f
                )
                if masked:
                    dh_prev = dh_prev + (1.0 - m_t) * dh_t
                    dc_prev = dc_prev + (1.0 - m_t) * dc
                return (dh_prev, dc_prev), da

            loop_inputs = (d_h_seq, cell_factor, o_factor, gate_factors, f)
            (dh0, dc0), d_xw = time_scan(
                backward_step,
                (d_h_last, d_c_last),
                loop_inputs + (m_seq,) if masked else loop_inputs,
                reverse=True,
                compile_loop=True,
            )
            d_u = recurrent_kernel_grad(
                h_init, h_seq, d_xw, r_mask if dropped else None,
                matmul_dtype,
            )  # (units, gates * units)
            d_v = ops.stack(
                [
                    ops.sum(d_xw[..., :units] * c_prev_seq, axis=(0, 1)),
                    ops.sum(
                        d_xw[..., units : 2 * units] * c_prev_seq,
                        axis=(0, 1),
                    ),
                    ops.sum(d_xw[..., 3 * units :] * c_seq, axis=(0, 1)),
                ]
            )  # (3, units)
            return (
                d_xw,
                dh0,
                dc0,
                ops.cast(d_u, u.dtype),
                ops.cast(d_v, v.dtype),
                ops.zeros_like(m_seq),
                ops.zeros_like(r_mask),
            )

        return (h_seq, h_last, c_last), grad

    return recurrence(
        projected_inputs,
        h0,
        c0,
        setup.recurrent_kernel,
        ops.cast(peepholes, "float32"),
        setup.mask,
        setup.recurrent_mask,
    )
