"""Evaluation protocols: which queries, galleries and positives a benchmark scores.

Score functions in :mod:`proceval.scores` take per-query score vectors; the modules here build those
queries from release annotations exactly as the official evaluators do, so that a model only has to
supply embeddings.
"""
