"""The layer-normalized LSTM recurrence with a hand-written backward pass.

TF Addons' `LayerNormLSTMCell` (`cells/layer_norm_lstm_cell.py`), with
LN(v; γ, β) = v̂ ⊙ γ + β, v̂ = (v - mean v) s, s = 1 / sqrt(var v + ε) over
the last axis (`cells/layer_norm_math.py`), Keras gate order i, f, c, o:

    a_t = LN_x(x_t W) + b                   (the caller, all t at once)
    z_t = a_t + LN_h(h_{t-1} U)             (in the loop)
    i, f, g, o = σ(z_i), σ(z_f), act(z_c), σ(z_o)
    c̃_t = f ⊙ c_{t-1} + i ⊙ g,  c_t = LN_c(c̃_t),  h_t = o ⊙ act(c_t).

LN_x sees no state, so it is hoisted with the input matmul and left to
autodiff over all timesteps; the loop owns LN_h (over the 4 units of the
recurrent projection) and LN_c (over the units of c̃_t). Padding masks keep
both states at a masked step, as in `lstm_recurrence`.

Backward, carrying dh, dc (gradients of h_t, c_t; m the mask; N(g; v̂, s) =
s (g - mean g - v̂ mean(g ⊙ v̂)) the normalization's backward):

    dh' = m ⊙ dh_t,  dc' = m ⊙ dc_t + dh' ⊙ o ⊙ act'(c_t)   (of LN_c's output)
    dc̃ = N(dc' ⊙ γ_c; ĉ_t, s_c)
    dz = [dc̃ ⊙ g ⊙ σ'(i), dc̃ ⊙ c_{t-1} ⊙ σ'(f), dc̃ ⊙ i ⊙ act'(g),
          dh' ⊙ act(c_t) ⊙ σ'(o)]
    dr = N(dz ⊙ γ_h; r̂_t, s_h)                             (of h_{t-1} U)
    dh_{t-1} = dr U^T + (1 - m) ⊙ dh_t,  dc_{t-1} = dc̃ ⊙ f + (1 - m) ⊙ dc_t.

Inside the loop: one matmul and the two normalization backwards (four row
means). After it, sums over time and batch and one matmul over all steps:

    da = dz (back to the caller),  dU = H_prev^T dR,
    dγ_h = Σ dz ⊙ r̂,  dβ_h = Σ dz,  dγ_c = Σ dc' ⊙ ĉ,  dβ_c = Σ dc'.

With recurrent dropout, H_prev holds the dropped states and dr U^T is
masked alike.
"""

from keras import ops

from rnn_layers.cells.gate_math import layer_norm_lstm_gates
from rnn_layers.cells.layer_norm_math import normalize
from rnn_layers.cells.layer_norm_math import normalize_grad
from rnn_layers.cells.layer_norm_math import scale_shift_grads
from rnn_layers.cells.layer_norm_math import stacked_scale_shift
from rnn_layers.fused.lstm_recurrence import lstm_gate_factors
from rnn_layers.fused.matmul import mixed_matmul
from rnn_layers.fused.matmul import recurrent_kernel_grad
from rnn_layers.fused.recurrence_setup import masked_step
from rnn_layers.fused.recurrence_setup import recurrence_setup
from rnn_layers.fused.time_scan import time_scan
from rnn_layers.fused.upstream_gradients import upstream_gradients


def layer_norm_lstm_recurrence(
    projected_inputs,
    h0,
    c0,
    recurrent_kernel,
    recurrent_norm,
    state_norm,
    epsilon,
    mask=None,
    recurrent_mask=None,
    activation=ops.tanh,
    recurrent_activation=ops.sigmoid,
    matmul_dtype="float32",
    compile_forward=False,
):
    """Runs the layer-normalized LSTM recurrence over projected inputs.

    Args:
        projected_inputs: float32 `(time, batch, 4 * units)`,
            `LN_x(x_t W) + b`.
        h0: float32 `(batch, units)`, initial hidden state.
        c0: float32 `(batch, units)`, initial carry state.
        recurrent_kernel: `(units, 4 * units)`, `U`.
        recurrent_norm: pair `(gamma, beta)` of `LN_h`, each
            `(4 * units,)`.
        state_norm: pair `(gamma, beta)` of `LN_c`, each `(units,)`.
        epsilon: float added to the variances.
        mask: optional float32 `(time, batch, 1)`; 0 keeps the states of the
            previous step. Defaults to `None`.
        recurrent_mask: optional `(batch, units)` recurrent dropout mask
            applied to `h_{t-1}` before `U`. Defaults to `None`.
        activation: cell and output activation. Defaults to tanh.
        recurrent_activation: gate activation. Defaults to sigmoid.
        matmul_dtype: dtype of the matmul operands. Defaults to `"float32"`.
        compile_forward: whether the forward loop is XLA-compiled on
            TensorFlow (training graphs only, see `time_scan`). Defaults to
            `False`.

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

    @ops.custom_gradient
    def recurrence(xw, h_init, c_init, u, r_norm, c_norm, m_seq, r_mask):
        u_mm = ops.cast(u, step_dtype)

        def forward_step(carry, inputs_t):
            h_tm1, c_tm1 = carry
            h_in = h_tm1 * r_mask if dropped else h_tm1
            r_hat, r_inv_std = normalize(
                mixed_matmul(h_in, u_mm, step_dtype), epsilon
            )  # (batch, 4 units), (batch, 1)
            z = inputs_t[0] + (r_hat * r_norm[0] + r_norm[1])
            h_new, c_new, gates, c_stats = layer_norm_lstm_gates(
                z, c_tm1, c_norm[0], c_norm[1], epsilon, act, ract
            )
            if masked:
                h_new = masked_step(h_tm1, h_new, inputs_t[1])
                c_new = masked_step(c_tm1, c_new, inputs_t[1])
            return (h_new, c_new), (
                h_new, c_new, gates, (r_hat, r_inv_std), c_stats,
            )

        (h_last, c_last), step_outputs = time_scan(
            forward_step,
            (h_init, c_init),
            (xw, m_seq) if masked else (xw,),
            compile_loop=compile_forward,
        )
        h_seq, c_seq, gates, (r_hat_seq, r_std_seq), c_stats = step_outputs
        c_hat_seq, c_std_seq = c_stats

        def grad(*upstream):
            d_h_seq, d_h_last, d_c_last = upstream_gradients(
                upstream, (h_seq, h_last, c_last)
            )
            c_prev_seq = ops.concatenate([c_init[None], c_seq[:-1]], axis=0)
            # At masked steps c_seq is the carried state, not this step's
            # LN_c output; m = 0 zeroes everything that reads it there.
            cell_factor, gate_factors = lstm_gate_factors(
                gates, c_prev_seq, c_seq, act, act_grad, ract_grad
            )
            u_t = ops.transpose(u_mm)  # (4 units, units)
            r_gamma, c_gamma = r_norm[0], c_norm[0]

            def backward_step(carry, inputs_t):
                dh, dc = carry
                d_out_t, cell_t, gates_t, f_t = inputs_t[:4]
                r_hat_t, r_std_t, c_hat_t, c_std_t = inputs_t[4:8]
                dh_t = dh + d_out_t
                if masked:
                    m_t = inputs_t[8]
                    dh_step = m_t * dh_t
                    dc_out = m_t * dc + dh_step * cell_t
                else:
                    dh_step = dh_t
                    dc_out = dc + dh_t * cell_t
                dc_cand = normalize_grad(dc_out * c_gamma, c_hat_t, c_std_t)
                dz = (
                    ops.concatenate([dc_cand, dc_cand, dc_cand, dh_step], -1)
                    * gates_t
                )  # (batch, 4 units)
                d_rec = normalize_grad(dz * r_gamma, r_hat_t, r_std_t)
                dh_prev = mixed_matmul(d_rec, u_t, step_dtype)
                if dropped:
                    dh_prev = dh_prev * r_mask
                dc_prev = dc_cand * f_t
                if masked:
                    dh_prev = dh_prev + (1.0 - m_t) * dh_t
                    dc_prev = dc_prev + (1.0 - m_t) * dc
                return (dh_prev, dc_prev), (dz, d_rec, dc_out)

            loop_inputs = (
                d_h_seq, cell_factor, gate_factors, gates[1],
                r_hat_seq, r_std_seq, c_hat_seq, c_std_seq,
            )
            (dh0, dc0), (d_xw, d_rec_seq, d_c_out) = time_scan(
                backward_step,
                (d_h_last, d_c_last),
                loop_inputs + (m_seq,) if masked else loop_inputs,
                reverse=True,
                compile_loop=True,
            )
            d_u = recurrent_kernel_grad(
                h_init, h_seq, d_rec_seq, r_mask if dropped else None,
                matmul_dtype,
            )  # (units, gates * units)
            return (
                d_xw,
                dh0,
                dc0,
                ops.cast(d_u, u.dtype),
                scale_shift_grads(d_xw, r_hat_seq),
                scale_shift_grads(d_c_out, c_hat_seq),
                ops.zeros_like(m_seq),
                ops.zeros_like(r_mask),
            )

        return (h_seq, h_last, c_last), grad

    return recurrence(
        projected_inputs, h0, c0, setup.recurrent_kernel,
        stacked_scale_shift(recurrent_norm), stacked_scale_shift(state_norm),
        setup.mask, setup.recurrent_mask,
    )
