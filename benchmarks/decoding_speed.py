"""Tokens per second of greedy and beam decoding for an LSTM char model.

Compares three ways of generating with a 1-layer LSTM character model
(issue 5, item 6), on CPU, at several batch sizes:

  in_graph     our samplers (`keras.ops.while_loop`), exported with
               `keras.export.ExportArchive` and reloaded with
               `tf.saved_model.load`: one call generates everything.
  in_graph_xla the same endpoints as XLA-compiled `tf.function`s
               (`jit_compile=True`).
  python_loop  the official TF text-generation tutorial's way: a
               `tf.function` one-step model (token + states -> logits +
               states) called from a Python loop, bookkeeping in Python.
  prefix       no state carried: every step re-runs the LSTM over the whole
               prefix (a `tf.function` over the sequence), O(length^2).

Generated tokens per second count output tokens (batch x new tokens), not
beams. Run from the repository root (weights are random; speed only):

    KERAS_BACKEND=tensorflow python benchmarks/decoding_speed.py

It prints a Markdown table and writes benchmarks/results/decoding_speed.csv.
"""

import argparse
import os
import sys
import tempfile
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")  # CPU numbers

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.reporting import cpu_description  # noqa: E402
from benchmarks.reporting import save_csv  # noqa: E402
from rnn_layers import RNN  # noqa: E402
from rnn_layers import BeamSampler  # noqa: E402
from rnn_layers import GreedySampler  # noqa: E402
from rnn_layers import LSTMCell  # noqa: E402
from rnn_layers import recurrent_next  # noqa: E402
from rnn_layers.samplers import folded_step_fn  # noqa: E402

# The prefix method steps the generic (non-fused) RNN loop: the fused TF
# path XLA-compiles per sequence length, so a prefix growing by one token
# per step would measure compilation instead of decoding.
FUSED = False

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vocabulary", type=int, default=65,
                        help="characters in the vocabulary (tinyshakespeare)")
    parser.add_argument("--embedding_dim", type=int, default=256,
                        help="embedding size (as the TF tutorial)")
    parser.add_argument("--units", type=int, default=512, help="LSTM units")
    parser.add_argument("--new_tokens", type=int, default=64,
                        help="tokens generated after a 1-token prompt")
    parser.add_argument("--batch_sizes", type=int, nargs="+", default=[1, 64],
                        help="batch sizes to measure")
    parser.add_argument("--num_beams", type=int, default=4,
                        help="beam width of the beam rows")
    parser.add_argument("--repeats", type=int, default=5,
                        help="timed runs per cell (the fastest is reported: "
                             "robust to other load on a shared machine)")
    parser.add_argument("--prefix_repeats", type=int, default=1,
                        help="timed runs of the slow prefix method")
    parser.add_argument("--methods", nargs="+",
                        default=["in_graph", "in_graph_xla", "python_loop",
                                 "prefix"],
                        help="which of in_graph, in_graph_xla, python_loop, "
                             "prefix to run")
    parser.add_argument("--step", choices=["folded", "unfused"],
                        default="unfused",
                        help="step function of in_graph, in_graph_xla and "
                             "python_loop: the plain embedding -> cell -> "
                             "Dense calls that the language model's export "
                             "runs (`apps.language_model.model."
                             "make_step_fn`; default), or `folded_step_fn` "
                             "(embedding folded into the LSTM kernel)")
    parser.add_argument("--seed", type=int, default=0, help="weights seed")
    parser.add_argument("--output",
                        default=os.path.join(RESULTS, "decoding_speed.csv"),
                        help="CSV file of the rows (default: "
                        "benchmarks/results/decoding_speed.csv)")
    return parser


class CharDecoder(keras.layers.Layer):
    """Embedding -> LSTM cell -> Dense, usable per step or per sequence.

    `decode_step` is the step the decoding methods use: `step_fn`, or with
    `step="folded"` the same step from `folded_step_fn`.
    """

    def __init__(self, vocabulary, embedding_dim, units, step="unfused",
                 **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.embedding = keras.layers.Embedding(vocabulary, embedding_dim)
        self.cell = LSTMCell(units)
        self.sequence = RNN(self.cell, fused=FUSED)
        self.head = keras.layers.Dense(vocabulary)
        self.step_fn(keras.ops.zeros((1,), "int32"), self.initial_cache(1))
        self.built = True
        self.decode_step = self.step_fn
        if step == "folded":
            self.decode_step = folded_step_fn(
                self.embedding, self.cell, self.head)

    def initial_cache(self, batch):
        zeros = keras.ops.zeros((batch, self.units))
        return (zeros, zeros)

    def step_fn(self, tokens, states):
        output, new_states = self.cell(self.embedding(tokens), list(states))
        return self.head(output), tuple(new_states)

    def prefix_logits(self, prefix):
        return self.head(self.sequence(self.embedding(prefix)))

    def generate(self, sampler, prompt):
        cache = self.initial_cache(keras.ops.shape(prompt)[0])
        return sampler(recurrent_next(self.decode_step), prompt, cache)


def _timed(fn, repeats, warm_up=None):
    (warm_up or fn)()  # tracing, loading, XLA compiling, first allocations
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def in_graph_runner(decoder, num_beams, tmp, jit_compile=False):
    """Exports greedy and beam endpoints, reloads them from disk.

    With `jit_compile=True` the endpoints are XLA-compiled `tf.function`s
    (TF Serving needs `--xla_cpu_compilation_enabled=true` for those on CPU).
    """
    import tensorflow as tf

    greedy, beam = GreedySampler(), BeamSampler(num_beams=num_beams)
    spec = [tf.TensorSpec((None, None), tf.int32)]
    archive = keras.export.ExportArchive()
    archive.track(decoder)

    def endpoint(sampler):
        def generate(prompt):
            return decoder.generate(sampler, prompt)

        fn = tf.function(generate, input_signature=spec,
                         jit_compile=jit_compile)
        fn.get_concrete_function()
        return fn

    archive.add_endpoint("greedy", endpoint(greedy))
    archive.add_endpoint("beam", endpoint(beam))
    path = os.path.join(tmp, "decoder_xla" if jit_compile else "decoder")
    archive.write_out(path, verbose=False)
    loaded = tf.saved_model.load(path)

    def run(kind, prompt):
        return getattr(loaded, kind)(tf.constant(prompt)).numpy()

    return run


def python_loop_runner(decoder):
    """The TF tutorial's OneStep model driven from Python."""
    import tensorflow as tf

    units = decoder.units
    spec = [tf.TensorSpec((None,), tf.int32),
            tf.TensorSpec((None, units), tf.float32),
            tf.TensorSpec((None, units), tf.float32),
            tf.TensorSpec((None,), tf.int32)]

    @tf.function(input_signature=spec)
    def one_step(tokens, h, c, parents):
        h, c = tf.gather(h, parents), tf.gather(c, parents)
        logits, (h, c) = decoder.decode_step(tokens, (h, c))
        return tf.nn.log_softmax(logits), h, c

    def run(kind, prompt, num_beams):
        batch, length = prompt.shape
        rows = batch if kind == "greedy" else batch * num_beams
        tokens = np.repeat(prompt[:, 0], rows // batch)
        h = c = tf.zeros((rows, units))
        parents = np.arange(rows, dtype="int32")
        scores = np.where(np.arange(rows) % (rows // batch) == 0, 0.0, -1e9)
        history = np.zeros((rows, length), "int32")
        history[:, 0] = tokens
        for index in range(1, length):
            log_probs, h, c = one_step(tokens, h, c, parents)
            log_probs = log_probs.numpy()
            if kind == "greedy":
                tokens = log_probs.argmax(-1).astype("int32")
            else:
                vocabulary = log_probs.shape[-1]
                cand = (scores[:, None] + log_probs).reshape(batch, -1)
                top = np.argsort(-cand, axis=-1)[:, :num_beams]
                scores = np.take_along_axis(cand, top, -1).ravel()
                parents = ((top // vocabulary)
                           + np.arange(batch)[:, None] * num_beams)
                parents = parents.ravel().astype("int32")
                tokens = (top % vocabulary).ravel().astype("int32")
                history = history[parents]
            history[:, index] = tokens
            if kind == "greedy":
                parents = np.arange(rows, dtype="int32")
        return history

    return run


def prefix_runner(decoder):
    """Re-runs the whole prefix through the LSTM for every new token."""
    import tensorflow as tf

    @tf.function(input_signature=[tf.TensorSpec((None, None), tf.int32)])
    def last_log_probs(prefix):
        return tf.nn.log_softmax(decoder.prefix_logits(prefix))

    def run(kind, prompt, num_beams):
        batch, length = prompt.shape
        rows = batch if kind == "greedy" else batch * num_beams
        history = np.repeat(prompt[:, :1], rows // batch, axis=0)
        scores = np.where(np.arange(rows) % (rows // batch) == 0, 0.0, -1e9)
        for _ in range(1, length):
            log_probs = last_log_probs(history).numpy()
            if kind == "greedy":
                tokens = log_probs.argmax(-1)
            else:
                vocabulary = log_probs.shape[-1]
                cand = (scores[:, None] + log_probs).reshape(batch, -1)
                top = np.argsort(-cand, axis=-1)[:, :num_beams]
                scores = np.take_along_axis(cand, top, -1).ravel()
                parents = ((top // vocabulary)
                           + np.arange(batch)[:, None] * num_beams).ravel()
                history = history[parents]
                tokens = (top % vocabulary).ravel()
            history = np.concatenate(
                [history, tokens[:, None].astype("int32")], axis=1)
        return history

    return run


def main(argv=None):
    args = build_parser().parse_args(argv)
    if keras.config.backend() != "tensorflow":
        raise SystemExit("decoding_speed needs KERAS_BACKEND=tensorflow "
                         "(it exports a SavedModel).")
    keras.utils.set_random_seed(args.seed)
    print(f"CPU: {cpu_description()}")
    decoder = CharDecoder(args.vocabulary, args.embedding_dim, args.units,
                          step=args.step)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        runners = {}
        if "in_graph" in args.methods:
            graph = in_graph_runner(decoder, args.num_beams, tmp)
            runners["in_graph"] = graph
        if "in_graph_xla" in args.methods:
            runners["in_graph_xla"] = in_graph_runner(
                decoder, args.num_beams, tmp, jit_compile=True)
        if "python_loop" in args.methods:
            loop = python_loop_runner(decoder)
            runners["python_loop"] = (
                lambda kind, prompt: loop(kind, prompt, args.num_beams))
        if "prefix" in args.methods:
            prefix = prefix_runner(decoder)
            runners["prefix"] = (
                lambda kind, prompt: prefix(kind, prompt, args.num_beams))
        for batch in args.batch_sizes:
            prompt = np.ones((batch, args.new_tokens + 1), "int32")
            for kind in ("greedy", "beam"):
                for method, runner in runners.items():
                    if method == "prefix":  # slow: short warm-up
                        seconds = _timed(
                            lambda: runner(kind, prompt),
                            args.prefix_repeats,
                            warm_up=lambda: runner(kind, prompt[:, :3]))
                    else:
                        seconds = _timed(lambda: runner(kind, prompt),
                                         args.repeats)
                    rows.append({
                        "method": method,
                        "decoding": "greedy" if kind == "greedy"
                        else f"beam{args.num_beams}",
                        "batch": batch,
                        "new_tokens": args.new_tokens,
                        "seconds": round(seconds, 4),
                        "tokens_per_s": round(batch * args.new_tokens
                                              / seconds, 1),
                    })
                    print(rows[-1], flush=True)
    _report(rows, args)


def _report(rows, args):
    path = args.output
    frame = pd.DataFrame(rows)
    save_csv(frame, path)
    print(f"\n1-layer LSTM({args.units}) char model, vocabulary "
          f"{args.vocabulary}, {args.new_tokens} new tokens, CPU, "
          f"{args.step} step, "
          "generated tokens/s (best of "
          f"{args.repeats}):\n")
    table = speed_table(frame)  # tokens/s to the unit, ratios to a tenth
    print(table.to_markdown(index=False, floatfmt=[
        ".1f" if column.endswith(" / python_loop") else ".0f"
        for column in table]))
    print(f"\nCSV: {path}")


def speed_table(frame):
    """Tokens/s per (decoding, batch), one column per method, in run order.

    Adds `<method> / python_loop` speed ratios for the in-graph methods
    when the Python loop was timed.

    Args:
        frame: `pandas.DataFrame` of the measurement rows (`method`,
            `decoding`, `batch`, `tokens_per_s`, ...).

    Returns:
        `pandas.DataFrame` with columns `decoding`, `batch`, the methods
        and the ratios.
    """
    table = frame.pivot_table(index=["decoding", "batch"], columns="method",
                              values="tokens_per_s")
    order = pd.MultiIndex.from_frame(
        frame[["decoding", "batch"]].drop_duplicates())
    table = table.reindex(index=order, columns=frame["method"].unique())
    if "python_loop" in table:
        for method in ("in_graph", "in_graph_xla"):
            if method in table:
                table[f"{method} / python_loop"] = (
                    table[method] / table["python_loop"])
    return table.reset_index().rename_axis(columns=None)


if __name__ == "__main__":
    main()
