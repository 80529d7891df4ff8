"""The LSTM recurrence with a hand-written, cuDNN-style backward pass.

Only the recurrent part runs here: the input projection `x W + b` for all
timesteps is one large matmul done by the caller (and differentiated by
autodiff as large matmuls too). The forward loop does one fused
`h_{t-1} U` per step; the backward loop keeps only `dA_t U^T` inside, and
`dU = H_prev^T dA` is a single matmul over all timesteps afterwards.
The derivation is in `shared/notes/fast_recurrent_backward.md` (Keras gate
order i, f, c, o).

Zoneout (Krueger et al., 2017) and padding masks combine into per-state
update masks m_h = m ⊙ (1 - d_h), m_c = m ⊙ (1 - d_c):
    c̃_t = f ⊙ c_{t-1} + i ⊙ g,      h̃_t = o ⊙ tanh(c̃_t),
    c_t = c_{t-1} + m_c ⊙ (c̃_t - c_{t-1}),
    h_t = h_{t-1} + m_h ⊙ (h̃_t - h_{t-1}).
Backward, with dh_t, dc_t the gradients of h_t, c_t (upstream + carry):
    dh̃ = m_h ⊙ dh_t,  dc̃ = m_c ⊙ dc_t + dh̃ ⊙ o ⊙ tanh'(c̃_t),
    dA_t from dh̃ and dc̃ as without zoneout (tanh(c̃_t) in the o slot),
    dh_{t-1} = dA_t U^T + (1 - m_h) ⊙ dh_t,
    dc_{t-1} = dc̃ ⊙ f + (1 - m_c) ⊙ dc_t.
With zoneout the loop stores c̃_t as well, since c_t no longer equals it.
"""

from keras import ops

from rnn_layers.cells.gate_math import lstm_gates
from rnn_layers.fused.matmul import mixed_matmul
from rnn_layers.fused.matmul import recurrent_kernel_grad
from rnn_layers.fused.recurrence_setup import masked_step
from rnn_layers.fused.recurrence_setup import recurrence_setup
from rnn_layers.fused.time_scan import time_scan
from rnn_layers.fused.upstream_gradients import upstream_gradients


def lstm_gate_factors(gates, c_prev_seq, c_out_seq, activation,
                      activation_grad, recurrent_activation_grad):
    """The parts of dA_t that do not depend on the carried gradients.

    For all timesteps at once: with dh' and dc' a step's gradients of h̃_t
    and of the carry state that feeds its output (`c_out`),
    dc' = ... + dh' ⊙ cell_factor and dA_t = [dc', dc', dc', dh'] ⊙
    gate_factors (gate order i, f, c, o).

    Args:
        gates: tuple `(i, f, g, o)`, each `(time, batch, units)`.
        c_prev_seq: `(time, batch, units)`, `c_{t-1}` of every step.
        c_out_seq: `(time, batch, units)`, the carry `h̃_t = o ⊙ act(c)`
            squashes at every step.
        activation: the cell activation.
        activation_grad: its derivative from its output.
        recurrent_activation_grad: the gates' derivative from their output.

    Returns:
        `(cell_factor, gate_factors)`, `(time, batch, units)` and
        `(time, batch, 4 units)`.
    """
    i, f, g, o = gates
    tanh_c = activation(c_out_seq)
    cell_factor = o * activation_grad(tanh_c)  # (time, batch, units)
    gate_factors = ops.concatenate(
        [
            g * recurrent_activation_grad(i),
            c_prev_seq * recurrent_activation_grad(f),
            i * activation_grad(g),
            tanh_c * recurrent_activation_grad(o),
        ],
        axis=-1,
    )  # (time, batch, 4 units)
    return cell_factor, gate_factors


def lstm_recurrence(
    projected_inputs,
    h0,
    c0,
    recurrent_kernel,
    mask=None,
    recurrent_mask=None,
    activation=ops.tanh,
    recurrent_activation=ops.sigmoid,
    matmul_dtype="float32",
    compile_forward=False,
    zoneout=None,
):
    """Runs the LSTM recurrence over time-major projected inputs.

    Args:
        projected_inputs: float32 `(time, batch, 4 * units)`, `x_t W + b`.
        h0: float32 `(batch, units)`, initial hidden state.
        c0: float32 `(batch, units)`, initial carry state.
        recurrent_kernel: `(units, 4 * units)`, `U`.
        mask: optional float32 `(time, batch, 1)`; 0 keeps the states of the
            previous step. Defaults to `None`.
        recurrent_mask: optional `(batch, units)` recurrent dropout mask
            applied to `h_{t-1}` before `U`. Defaults to `None`.
        activation: cell and output activation. Defaults to tanh.
        recurrent_activation: gate activation. Defaults to sigmoid.
        matmul_dtype: dtype of the matmul operands (`"float32"` or
            `"bfloat16"`); states and gates stay float32. Defaults to
            `"float32"`.
        compile_forward: whether the forward loop is XLA-compiled on
            TensorFlow: training graphs do, inference and serving graphs must
            not (see `time_scan`). The backward loop, which only training
            graphs hold, always is. Defaults to `False`.
        zoneout: optional pair `(d_h, d_c)` of float32 zoneout masks,
            `(time, batch, units)` (training) or `(time, 1, 1)` (the rate, at
            inference); 1 keeps the previous value. Defaults to `None`.

    Returns:
        `(hidden_sequence, h_last, c_last)`: `(time, batch, units)` hidden
        states (carried through masked steps) and the final states.

    Raises:
        ValueError: for activations the backward pass lacks.
    """
    setup = recurrence_setup(
        projected_inputs, h0, recurrent_kernel, mask, recurrent_mask,
        matmul_dtype, [activation, recurrent_activation],
    )
    (act, act_grad), (ract, ract_grad) = setup.activations
    masked, dropped = setup.masked, setup.dropped
    step_dtype = setup.step_dtype
    mask = setup.mask
    zoned = zoneout is not None
    if zoned:
        # Per-state update masks m_h, m_c; both are loop inputs.
        m_h, m_c = (1.0 - d for d in zoneout)
        if masked:
            m_h, m_c = mask * m_h, mask * m_c
        mask = ops.concatenate([m_h, m_c], axis=-1)  # (time, b|1, 2 u|2)
        half = mask.shape[-1] // 2

    @ops.custom_gradient
    def recurrence(xw, h_init, c_init, u, m_seq, r_mask):
        u_mm = ops.cast(u, step_dtype)

        def forward_step(carry, inputs_t):
            h_tm1, c_tm1 = carry
            h_in = h_tm1 * r_mask if dropped else h_tm1
            z = inputs_t[0] + mixed_matmul(h_in, u_mm, step_dtype)  # (b, 4u)
            h_new, c_new, gates = lstm_gates(z, c_tm1, act, ract)
            if zoned:
                m_t = inputs_t[1]
                c_cand = c_new
                h_new = masked_step(h_tm1, h_new, m_t[:, :half])
                c_new = masked_step(c_tm1, c_new, m_t[:, half:])
                return (h_new, c_new), (h_new, c_new, gates, c_cand)
            if masked:
                h_new = masked_step(h_tm1, h_new, inputs_t[1])
                c_new = masked_step(c_tm1, c_new, inputs_t[1])
            return (h_new, c_new), (h_new, c_new, gates)

        loop_inputs = (xw, m_seq) if masked or zoned else (xw,)
        (h_last, c_last), step_outputs = time_scan(
            forward_step,
            (h_init, c_init),
            loop_inputs,
            compile_loop=compile_forward,
        )
        h_seq, c_seq, (i, f, g_seq, o) = step_outputs[:3]
        # The candidate carry c̃_t (equal to c_t at unmasked steps unless
        # zoned) feeds h̃_t = o ⊙ tanh(c̃_t).
        c_cand_seq = step_outputs[3] if zoned else c_seq

        def grad(*upstream):
            d_h_seq, d_h_last, d_c_last = upstream_gradients(
                upstream, (h_seq, h_last, c_last)
            )
            c_prev_seq = ops.concatenate([c_init[None], c_seq[:-1]], axis=0)
            cell_factor, gate_factors = lstm_gate_factors(
                (i, f, g_seq, o), c_prev_seq, c_cand_seq, act, act_grad,
                ract_grad,
            )
            u_t = ops.transpose(u_mm)  # (4 units, units)

            def backward_step(carry, inputs_t):
                dh, dc = carry
                d_out_t, cell_t, gates_t, f_t = inputs_t[:4]
                dh_t = dh + d_out_t
                if zoned:
                    m_h_t = inputs_t[4][:, :half]
                    m_c_t = inputs_t[4][:, half:]
                    dh_step = m_h_t * dh_t
                    dc_step = m_c_t * dc + dh_step * cell_t
                elif masked:
                    m_t = m_h_t = m_c_t = inputs_t[4]
                    dh_step = m_t * dh_t
                    dc_step = m_t * dc + dh_step * cell_t
                else:
                    dh_step = dh_t
                    dc_step = dc + dh_t * cell_t
                da = (
                    ops.concatenate([dc_step, dc_step, dc_step, dh_step], -1)
                    * gates_t
                )  # (batch, 4 units)
                dh_prev = mixed_matmul(da, u_t, step_dtype)
                if dropped:
                    dh_prev = dh_prev * r_mask
                dc_prev = dc_step * f_t
                if masked or zoned:
                    dh_prev = dh_prev + (1.0 - m_h_t) * dh_t
                    dc_prev = dc_prev + (1.0 - m_c_t) * dc
                return (dh_prev, dc_prev), da

            loop_inputs = (d_h_seq, cell_factor, gate_factors, f)
            (dh0, dc0), d_xw = time_scan(
                backward_step,
                (d_h_last, d_c_last),
                loop_inputs + (m_seq,) if masked or zoned else loop_inputs,
                reverse=True,
                compile_loop=True,
            )
            d_u = recurrent_kernel_grad(
                h_init, h_seq, d_xw, r_mask if dropped else None,
                matmul_dtype,
            )  # (units, gates * units)
            return (
                d_xw,
                dh0,
                dc0,
                ops.cast(d_u, u.dtype),
                ops.zeros_like(m_seq),
                ops.zeros_like(r_mask),
            )

        return (h_seq, h_last, c_last), grad

    return recurrence(
        projected_inputs, h0, c0, setup.recurrent_kernel, mask,
        setup.recurrent_mask,
    )
