"""NumPy (float64) references of the cell variants, written from the equations.

Each `*_step(w, x, states)` takes a dict of weights by Keras name, one input
step `(batch, input_dim)` and the list of states, and returns
`(output, new_states)`, mirroring the cell contract without sharing any code
with `rnn_layers`. `run_sequence` unrolls a step over time with Keras' mask
semantics (a masked step keeps the states and repeats the previous output).
"""

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def layer_norm(x, gamma, beta, epsilon):
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + epsilon) * gamma + beta


def _projection(w, x, h):
    return x @ w["kernel"] + h @ w["recurrent_kernel"] + w["bias"]


def lstm_step(w, x, states):
    """Keras' LSTM, the seed's equations (gate order i, f, c, o)."""
    h, c = states
    i, f, g, o = np.split(_projection(w, x, h), 4, axis=-1)
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    h = sigmoid(o) * np.tanh(c)
    return h, [h, c]


def no_forget_gate_lstm_step(w, x, states):
    """c_t = c_{t-1} + i_t * c~_t (gate order i, c, o)."""
    h, c = states
    i, g, o = np.split(_projection(w, x, h), 3, axis=-1)
    c = c + sigmoid(i) * np.tanh(g)
    h = sigmoid(o) * np.tanh(c)
    return h, [h, c]


def cifg_lstm_step(w, x, states):
    """f_t = 1 - i_t (gate order i, c, o)."""
    h, c = states
    i, g, o = np.split(_projection(w, x, h), 3, axis=-1)
    i = sigmoid(i)
    c = (1.0 - i) * c + i * np.tanh(g)
    h = sigmoid(o) * np.tanh(c)
    return h, [h, c]


def peephole_lstm_step(w, x, states):
    """Gates i, f see c_{t-1}; gate o sees c_t (diagonal peepholes)."""
    h, c_prev = states
    i, f, g, o = np.split(_projection(w, x, h), 4, axis=-1)
    i = sigmoid(i + w["input_gate_peephole_weights"] * c_prev)
    f = sigmoid(f + w["forget_gate_peephole_weights"] * c_prev)
    c = f * c_prev + i * np.tanh(g)
    o = sigmoid(o + w["output_gate_peephole_weights"] * c)
    h = o * np.tanh(c)
    return h, [h, c]


def layer_norm_lstm_step(w, x, states, epsilon=1e-3):
    """TF Addons' LayerNormLSTMCell."""
    h, c = states
    z = (
        layer_norm(x @ w["kernel"], w["kernel_norm_gamma"],
                   w["kernel_norm_beta"], epsilon)
        + layer_norm(h @ w["recurrent_kernel"], w["recurrent_norm_gamma"],
                     w["recurrent_norm_beta"], epsilon)
        + w["bias"]
    )
    i, f, g, o = np.split(z, 4, axis=-1)
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    c = layer_norm(c, w["state_norm_gamma"], w["state_norm_beta"], epsilon)
    h = sigmoid(o) * np.tanh(c)
    return h, [h, c]


def layer_norm_gru_step(w, x, states, epsilon=1e-3):
    """GRU with normalized projections, reset applied after the matmul."""
    (h,) = states
    a = layer_norm(x @ w["kernel"], w["kernel_norm_gamma"],
                   w["kernel_norm_beta"], epsilon) + w["bias"]
    g = layer_norm(h @ w["recurrent_kernel"], w["recurrent_norm_gamma"],
                   w["recurrent_norm_beta"], epsilon)
    a_z, a_r, a_h = np.split(a, 3, axis=-1)
    g_z, g_r, g_h = np.split(g, 3, axis=-1)
    z = sigmoid(a_z + g_z)
    r = sigmoid(a_r + g_r)
    h = z * h + (1.0 - z) * np.tanh(a_h + r * g_h)
    return h, [h]


def ind_rnn_step(w, x, states):
    """h_t = relu(W x_t + u * h_{t-1} + b)."""
    (h,) = states
    h = np.maximum(x @ w["kernel"] + w["recurrent_kernel"] * h + w["bias"], 0)
    return h, [h]


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def output_feedback_step(w, x, states):
    """h_t = tanh(W x_t + U y_{t-1} + b), y_t = softmax(V h_t + c)."""
    (y,) = states
    h = np.tanh(x @ w["kernel"] + y @ w["recurrent_kernel"] + w["bias"])
    y = softmax(h @ w["output_kernel"] + w["output_bias"])
    return y, [y]


def run_sequence(step, weights, inputs, states, mask=None):
    """Unrolls `step` over `inputs` `(batch, time, features)`.

    Returns:
        `(outputs (batch, time, out), final_states)`; masked steps keep the
        states and repeat the previous output (zeros before the first step).
    """
    outputs = []
    previous = None
    for t in range(inputs.shape[1]):
        out, new_states = step(weights, inputs[:, t], states)
        if mask is not None:
            keep = mask[:, t, None]
            if previous is None:
                previous = np.zeros_like(out)
            out = np.where(keep, out, previous)
            new_states = [
                np.where(keep, new, old) for new, old in zip(new_states, states)
            ]
        outputs.append(out)
        previous = out
        states = new_states
    return np.stack(outputs, axis=1), states


def narx_step(w, x, states):
    """y_t = V tanh(W x_t + U [y_{t-1}..y_{t-K}] + b) + c; states are the
    last output and the history, which shifts by one output, newest first."""
    _, history = states
    hidden = np.tanh(x @ w["kernel"] + history @ w["recurrent_kernel"]
                     + w["bias"])
    y = hidden @ w["output_kernel"] + w["output_bias"]
    keep = history.shape[-1] - y.shape[-1]
    return y, [y, np.concatenate([y, history[:, :keep]], axis=-1)]
