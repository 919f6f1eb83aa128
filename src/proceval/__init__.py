"""Procedural-video benchmarks as Hugging Face datasets, with evaluate metrics that reproduce their official scores."""

__version__ = "0.1.0"
