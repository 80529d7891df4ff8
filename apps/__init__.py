"""Applications built on `rnn_layers`, one package each (see DESIGN.md §3)."""
