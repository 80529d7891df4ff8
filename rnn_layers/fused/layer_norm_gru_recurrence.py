"""The layer-normalized GRU recurrence with a hand-written backward pass.

`LayerNormGRUCell` (`cells/layer_norm_gru_cell.py`): the reset-after GRU of
`gru_recurrence` whose recurrent projection is layer-normalized instead of
biased, LN(v; γ, β) = v̂ ⊙ γ + β over the 3 units (`cells/layer_norm_math.py`),
Keras gate order z, r, h:

    a_t = LN_x(x_t W) + b                  (the caller, all t at once)
    hu_t = LN_h(h_{t-1} U)                 (in the loop)
    z = σ(a_z + hu_z),  r = σ(a_r + hu_r),  n = act(a_h + r ⊙ hu_h),
    h_t = z ⊙ h_{t-1} + (1 - z) ⊙ n.

LN_x sees no state, so it is hoisted with the input matmul and left to
autodiff. Backward, carrying dh (m the padding mask, dh' = m ⊙ dh_t, and
N(g; v̂, s) = s (g - mean g - v̂ mean(g ⊙ v̂)) the normalization's backward):

    dA_x = [dh', dh', dh'] ⊙ x_factors,  dA_h = [dh', dh', dh'] ⊙ h_factors
        (the gate factors of `gru_recurrence.reset_after_factors`)
    dr = N(dA_h ⊙ γ_h; r̂_t, s_h)                        (of h_{t-1} U)
    dh_{t-1} = dh' ⊙ z + dr U^T + (1 - m) ⊙ dh_t.

Inside the loop: one matmul and one normalization backward. After it, over
all timesteps: da = dA_x (back to the caller), dU = H_prev^T dR,
dγ_h = Σ dA_h ⊙ r̂, dβ_h = Σ dA_h. With recurrent dropout, H_prev holds the
dropped states and dr U^T is masked alike.
"""

from keras import ops

from rnn_layers.cells.gate_math import gru_gates
from rnn_layers.cells.layer_norm_math import normalize
from rnn_layers.cells.layer_norm_math import normalize_grad
from rnn_layers.cells.layer_norm_math import scale_shift_grads
from rnn_layers.cells.layer_norm_math import stacked_scale_shift
from rnn_layers.fused.gru_recurrence import reset_after_factors
from rnn_layers.fused.matmul import mixed_matmul
from rnn_layers.fused.recurrence_setup import masked_step
from rnn_layers.fused.recurrence_setup import recurrence_setup
from rnn_layers.fused.time_scan import time_scan
from rnn_layers.fused.upstream_gradients import upstream_gradients


def layer_norm_gru_recurrence(
    projected_inputs,
    h0,
    recurrent_kernel,
    recurrent_norm,
    epsilon,
    mask=None,
    recurrent_mask=None,
    activation=ops.tanh,
    recurrent_activation=ops.sigmoid,
    matmul_dtype="float32",
    compile_forward=False,
):
    """Runs the layer-normalized GRU recurrence over projected inputs.

    Args:
        projected_inputs: float32 `(time, batch, 3 units)`,
            `LN_x(x_t W) + b`.
        h0: float32 `(batch, units)`, initial state.
        recurrent_kernel: `(units, 3 units)`, `U`.
        recurrent_norm: pair `(gamma, beta)` of `LN_h`, each `(3 units,)`.
        epsilon: float added to the variances.
        mask: optional float32 `(time, batch, 1)`; 0 keeps the state of the
            previous step. Defaults to `None`.
        recurrent_mask: optional `(batch, units)` dropout mask on `h_{t-1}`
            before `U`. Defaults to `None`.
        activation: candidate activation. Defaults to tanh.
        recurrent_activation: gate activation. Defaults to sigmoid.
        matmul_dtype: dtype of the matmul operands. Defaults to `"float32"`.
        compile_forward: whether the forward loop is XLA-compiled on
            TensorFlow (training graphs only, see `time_scan`). Defaults to
            `False`.

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

    @ops.custom_gradient
    def recurrence(xw, h_init, u, r_norm, m_seq, r_mask):
        u_mm = ops.cast(u, step_dtype)

        def forward_step(h_tm1, inputs_t):
            h_in = h_tm1 * r_mask if dropped else h_tm1
            r_hat, r_inv_std = normalize(
                mixed_matmul(h_in, u_mm, step_dtype), epsilon
            )  # (batch, 3 units), (batch, 1)
            hu = r_hat * r_norm[0] + r_norm[1]
            h_new, (z, r, n) = gru_gates(inputs_t[0], hu, h_tm1, act, ract)
            if masked:
                h_new = masked_step(h_tm1, h_new, inputs_t[1])
            return h_new, (
                h_new, z, r, n, hu[:, 2 * units :], r_hat, r_inv_std,
            )

        h_last, step_outputs = time_scan(
            forward_step,
            h_init,
            (xw, m_seq) if masked else (xw,),
            compile_loop=compile_forward,
        )
        h_seq, z_seq, r_seq, n_seq, hu_h_seq, r_hat_seq, r_std_seq = (
            step_outputs
        )

        def grad(*upstream):
            d_h_seq, d_h_last = upstream_gradients(upstream, (h_seq, h_last))
            h_prev_seq = ops.concatenate([h_init[None], h_seq[:-1]], axis=0)
            x_factors, h_factors = reset_after_factors(
                z_seq, r_seq, n_seq, hu_h_seq, h_prev_seq, act_grad,
                ract_grad,
            )
            u_t = ops.transpose(u_mm)  # (3 units, units)
            r_gamma = r_norm[0]

            def backward_step(dh, inputs_t):
                d_out_t, h_factors_t, z_t, r_hat_t, r_std_t = inputs_t[:5]
                dh_t = dh + d_out_t
                dh_step = inputs_t[5] * dh_t if masked else dh_t
                d_hu = (
                    ops.concatenate([dh_step, dh_step, dh_step], axis=-1)
                    * h_factors_t
                )  # (batch, 3 units)
                d_rec = normalize_grad(d_hu * r_gamma, r_hat_t, r_std_t)
                dh_rec = mixed_matmul(d_rec, u_t, step_dtype)
                if dropped:
                    dh_rec = dh_rec * r_mask
                dh_prev = dh_step * z_t + dh_rec
                if masked:
                    dh_prev = dh_prev + (1.0 - inputs_t[5]) * dh_t
                return dh_prev, (dh_step, d_rec)

            loop_inputs = (d_h_seq, h_factors, z_seq, r_hat_seq, r_std_seq)
            dh0, (dh_steps, d_rec_seq) = time_scan(
                backward_step,
                d_h_last,
                loop_inputs + (m_seq,) if masked else loop_inputs,
                reverse=True,
                compile_loop=True,
            )
            tiled = ops.concatenate([dh_steps, dh_steps, dh_steps], axis=-1)
            h_in_seq = h_prev_seq * r_mask if dropped else h_prev_seq
            d_u = mixed_matmul(
                ops.transpose(ops.reshape(h_in_seq, (-1, units))),
                ops.reshape(d_rec_seq, (-1, 3 * units)),
                matmul_dtype,
            )  # (units, 3 units)
            return (
                tiled * x_factors,
                dh0,
                ops.cast(d_u, u.dtype),
                scale_shift_grads(tiled * h_factors, r_hat_seq),
                ops.zeros_like(m_seq),
                ops.zeros_like(r_mask),
            )

        return (h_seq, h_last), grad

    return recurrence(
        projected_inputs, h0, setup.recurrent_kernel,
        stacked_scale_shift(recurrent_norm), setup.mask,
        setup.recurrent_mask,
    )
