"""Character and word language models: train, sample, score, serve.

Entry points: `python -m apps.language_model.{train,generate,evaluate,export}`.
"""
