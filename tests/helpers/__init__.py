"""Shared test helpers (torchmetrics keeps its own under ``tests/unittests/_helpers``)."""
