"""Handwriting: Graves' (2013) prediction and text-to-handwriting synthesis.

Entry points: `python -m apps.handwriting.{train,generate,evaluate,export}`.
"""
