"""Simple baselines for every task, used by ``proceval demo`` to exercise the whole pipeline.

They are deliberately plain (colour features, nearest centroids, class priors, bigram chains): a
reference point that a real model must beat, and a check that the datasets, the media columns and
the metrics fit together.
"""
