"""The simple (Elman) recurrence with a hand-written backward pass.

h_t = act(x_t W + b + h_{t-1} U). The backward loop holds only
`dA_t U^T`; `dU = H_prev^T dA` is one matmul over all timesteps afterwards.
"""

from keras import ops

from rnn_layers.fused.matmul import mixed_matmul
from rnn_layers.fused.matmul import recurrent_kernel_grad
from rnn_layers.fused.recurrence_setup import masked_step
from rnn_layers.fused.recurrence_setup import recurrence_setup
from rnn_layers.fused.time_scan import time_scan
from rnn_layers.fused.upstream_gradients import upstream_gradients


def simple_rnn_recurrence(
    projected_inputs,
    h0,
    recurrent_kernel,
    mask=None,
    recurrent_mask=None,
    activation=ops.tanh,
    matmul_dtype="float32",
    compile_forward=False,
):
    """Runs the simple RNN recurrence over time-major projected inputs.

    Args:
        projected_inputs: float32 `(time, batch, units)`, `x_t W + b`.
        h0: float32 `(batch, units)`, initial state.
        recurrent_kernel: `(units, units)`, `U`.
        mask: optional float32 `(time, batch, 1)`; 0 keeps the previous
            state. Defaults to `None`.
        recurrent_mask: optional `(batch, units)` dropout mask on `h_{t-1}`.
            Defaults to `None`.
        activation: the state activation. Defaults to tanh.
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
        matmul_dtype, [activation],
    )
    ((act, act_grad),) = setup.activations
    masked, dropped = setup.masked, setup.dropped
    step_dtype = setup.step_dtype

    @ops.custom_gradient
    def recurrence(xw, h_init, u, m_seq, r_mask):
        u_mm = ops.cast(u, step_dtype)

        def forward_step(h_tm1, inputs_t):
            h_in = h_tm1 * r_mask if dropped else h_tm1
            h_new = act(inputs_t[0] + mixed_matmul(h_in, u_mm, step_dtype))
            if masked:
                h_out = masked_step(h_tm1, h_new, inputs_t[1])
                return h_out, (h_out, h_new)
            return h_new, (h_new, h_new)

        h_last, (h_seq, h_new_seq) = time_scan(
            forward_step,
            h_init,
            (xw, m_seq) if masked else (xw,),
            compile_loop=compile_forward,
        )

        def grad(*upstream):
            d_h_seq, d_h_last = upstream_gradients(upstream, (h_seq, h_last))
            u_t = ops.transpose(u_mm)

            def backward_step(dh, inputs_t):
                dh_t = dh + inputs_t[0]
                dh_step = inputs_t[2] * dh_t if masked else dh_t
                da = dh_step * inputs_t[1]  # (batch, units)
                dh_prev = mixed_matmul(da, u_t, step_dtype)
                if dropped:
                    dh_prev = dh_prev * r_mask
                if masked:
                    dh_prev = dh_prev + (1.0 - inputs_t[2]) * dh_t
                return dh_prev, da

            loop_inputs = (d_h_seq, act_grad(h_new_seq))
            dh0, d_xw = time_scan(
                backward_step,
                d_h_last,
                loop_inputs + (m_seq,) if masked else loop_inputs,
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
                ops.cast(d_u, u.dtype),
                ops.zeros_like(m_seq),
                ops.zeros_like(r_mask),
            )

        return (h_seq, h_last), grad

    return recurrence(
        projected_inputs, h0, setup.recurrent_kernel, setup.mask,
        setup.recurrent_mask,
    )
