"""NumPy (float64) references of the structures, written from the equations.

Each reference loops the way the equations read (per tree node, per edge,
per time step) and shares no code with `rnn_layers`.
"""

import numpy as np

from tests.rnn_layers.cells.variant_references import sigmoid


def time_delay(x, kernel, bias, delays, dilation, activation=np.tanh):
    """h_t = f(sum_k x_{t - k d} W_k + b), zeros before the start."""
    batch, time, _ = x.shape
    out = np.zeros((batch, time, kernel.shape[-1]))
    for t in range(time):
        z = bias.copy()
        for k in range(delays + 1):
            if t - k * dilation >= 0:
                z = z + x[:, t - k * dilation] @ kernel[k]
        out[:, t] = activation(z)
    return out


def tree_rnn(w, node_inputs, children, levels):
    """Recursion per tree: h_n = tanh(x_n W + [h_c1; ..; h_cK] U + b)."""
    batch, size, max_children = children.shape
    units = w["bias"].shape[0]
    h = np.zeros((batch, size, units))
    for b in range(batch):
        def node(n):
            kids = [
                node(c) if c >= 0 else np.zeros(units) for c in children[b, n]
            ]
            h[b, n] = np.tanh(
                node_inputs[b, n] @ w["kernel"]
                + np.concatenate(kids) @ w["recurrent_kernel"]
                + w["bias"]
            )
            return h[b, n]
        node(int(np.argmax(levels[b])))
    return h


def tree_lstm(w, node_inputs, children, levels, variant):
    """Tai et al. (2015) eqs. 2-8 (child_sum) or 9-14 (n_ary), per node."""
    batch, size, max_children = children.shape
    u = w["bias"].shape[0] // 4
    h = np.zeros((batch, size, u))
    c = np.zeros((batch, size, u))
    W, U, bias = w["kernel"], w["recurrent_kernel"], w["bias"]
    for b in range(batch):
        def node(n):
            kids = [k for k in children[b, n] if k >= 0]
            for k in kids:
                node(k)
            x = node_inputs[b, n] @ W + bias
            x_i, x_f, x_c, x_o = np.split(x, 4)
            if variant == "child_sum":
                h_sum = sum((h[b, k] for k in kids), np.zeros(u))
                i = sigmoid(x_i + h_sum @ U[:, :u])
                o = sigmoid(x_o + h_sum @ U[:, 3 * u:])
                cand = np.tanh(x_c + h_sum @ U[:, 2 * u:3 * u])
                forgets = [sigmoid(x_f + h[b, k] @ U[:, u:2 * u]) for k in kids]
            else:
                hs = np.concatenate([
                    h[b, k] if k >= 0 else np.zeros(u) for k in children[b, n]
                ])
                r = hs @ U
                K = max_children
                i = sigmoid(x_i + r[:u])
                forgets = [
                    sigmoid(x_f + r[(1 + l) * u:(2 + l) * u])
                    for l, k in enumerate(children[b, n]) if k >= 0
                ]
                cand = np.tanh(x_c + r[(1 + K) * u:(2 + K) * u])
                o = sigmoid(x_o + r[(2 + K) * u:])
            c[b, n] = i * cand + sum(
                (f * c[b, k] for f, k in zip(forgets, kids)), np.zeros(u)
            )
            h[b, n] = o * np.tanh(c[b, n])
        node(int(np.argmax(levels[b])))
    return h


def graph_network(w, nodes, edges, node_mask, num_steps, readout):
    """Message passing edge by edge, GRU node update, readout over nodes."""
    batch, num_nodes, _ = nodes.shape
    u = w["message_bias"].shape[0]
    graphs = []
    for b in range(batch):
        real = [v for v in range(num_nodes) if node_mask[b, v]]
        h = {v: nodes[b, v] @ w["input_kernel"] for v in real}
        for _ in range(num_steps):
            m = {v: np.zeros(u) for v in real}
            for source, target in edges[b]:
                if source < 0:
                    continue
                pre = np.concatenate([h[source], h[target]])
                m[target] += np.maximum(
                    pre @ w["message_kernel"] + w["message_bias"], 0.0
                )
            new = {}
            for v in real:
                x = m[v] @ w["kernel"] + w["bias"]
                U = w["recurrent_kernel"]
                z = sigmoid(x[:u] + h[v] @ U[:, :u])
                r = sigmoid(x[u:2 * u] + h[v] @ U[:, u:2 * u])
                cand = np.tanh(x[2 * u:] + (r * h[v]) @ U[:, 2 * u:])
                new[v] = z * h[v] + (1 - z) * cand
            h = new
        states = np.stack([h[v] for v in real])  # (real nodes, u)
        graphs.append(graph_readout(states, readout, w.get("kernel_readout")))
    return np.stack(graphs)


def graph_readout(states, mode, kernel=None):
    """Pools `(nodes, units)` into `(units,)`."""
    if mode == "sum":
        return states.sum(0)
    if mode == "mean":
        return states.mean(0)
    if mode == "max":
        return states.max(0)
    scores = states @ kernel[:, 0]
    alpha = np.exp(scores - scores.max())
    alpha /= alpha.sum()
    return alpha @ states


def narx(w, x, input_delays, output_delays, output_units, y_true=None):
    """y_t = V tanh(W [x_t..x_{t-Kx}] + U [y_{t-1}..y_{t-Ky}] + b) + c.

    With `y_true` `(batch, time, output_units)` the delayed outputs are the
    true ones (teacher forcing); otherwise the model's own.
    """
    batch, time, features = x.shape
    ys = []
    for t in range(time):
        window = [
            x[:, t - k] if t - k >= 0 else np.zeros((batch, features))
            for k in range(input_delays + 1)
        ]
        source = ys if y_true is None else [y_true[:, s] for s in range(t)]
        past = [
            source[t - k] if t - k >= 0 else np.zeros((batch, output_units))
            for k in range(1, output_delays + 1)
        ]
        hidden = np.tanh(
            np.concatenate(window, -1) @ w["kernel"]
            + np.concatenate(past, -1) @ w["recurrent_kernel"]
            + w["bias"]
        )
        ys.append(hidden @ w["output_kernel"] + w["output_bias"])
    return np.stack(ys, axis=1)
