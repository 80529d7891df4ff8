"""Image captioning: Show, Attend and Tell over a CNN feature grid.

Entry points: `python -m apps.captioning.{train,generate,evaluate,export}`.
"""
