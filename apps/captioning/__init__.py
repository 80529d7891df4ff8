"""Image captioning: Show, Attend and Tell over a CNN feature grid.

Entry points: `python -m apps.captioning.{train,generate,evaluate,export,demo}`;
`apps.captioning.config.APP` is what the app framework knows of it.
"""
