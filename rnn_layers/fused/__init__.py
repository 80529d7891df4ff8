"""Fused recurrences: whole-sequence loops with hand-written backward passes.

A cell opts in by declaring `fused_support()` (returning `None` when its
configuration can take the loop, else the reason it cannot) and defining
`fused_call(sequences, initial_state, mask, training, go_backwards)` that
returns `(last_output, outputs, new_states)` exactly as
`keras.layers.RNN.inner_loop` does (outputs in processing order, masked steps
carrying the previous output). `rnn_layers.RNN` asks `fused_support()` first
and calls `fused_call` only when it returns `None` (and `fused` is not
`False`); otherwise it steps the cell.
"""
