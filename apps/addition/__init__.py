"""Learning to carry: an LSTM that adds integers written as strings.

Entry points: `python -m apps.addition.{train,generate,evaluate,export,demo}`.
"""
