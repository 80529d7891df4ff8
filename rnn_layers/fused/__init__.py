"""Fused recurrences: whole-sequence loops with hand-written backward passes.

A cell opts in by defining
`fused_call(sequences, initial_state, mask, training, go_backwards)` that
returns `(last_output, outputs, new_states)` exactly as
`keras.layers.RNN.inner_loop` does (outputs in processing order, masked steps
carrying the previous output), or raises `NotImplementedError` to fall back to
stepping the cell. `rnn_layers.RNN` calls it when `fused=True`.
"""
