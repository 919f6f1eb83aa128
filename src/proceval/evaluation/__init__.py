"""Scoring predictions against a dataset config: prediction files, per-metric adapters, results files.

``adapters`` turns a dataset split (the references) and a predictions mapping keyed by id into the
arguments of a score function in :mod:`proceval.scores`; ``runner`` loads the config and writes the
results JSON atomically. ``proceval evaluate`` and ``proceval demo`` both go through it.
"""
