"""Structures built from recurrent cells: stacks, encoder-decoders, trees,
graphs, time-delay and NARX networks."""
