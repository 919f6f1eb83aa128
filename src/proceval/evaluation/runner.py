"""Score a predictions mapping against one split of a dataset config and package the result."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from proceval.catalog import metric as catalog_metric
from proceval.errors import InputValidationError
from proceval.benchmarks.impact.adapters import EvalContext, adapter

ANNOTATION_VERSION = "impact-v1"


def metric_for_config(config: str) -> str:
    """The metric that scores ``config`` (from the catalog's task list)."""
    from proceval.catalog import METRICS

    task = config.rsplit("_", 1)[0]
    for m in METRICS:
        if task in m.tasks:
            return m.name
    raise InputValidationError(f"No metric scores config {config!r}.")


def evaluate_config(
    metric: str,
    source: str | os.PathLike[str],
    config: str,
    predictions: Mapping[str, Any],
    *,
    split: str = "test",
    options: Mapping[str, Any] | None = None,
    paired_predictions: Mapping[str, Any] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Score ``predictions`` (keyed by the ids :mod:`~proceval.benchmarks.impact.adapters` documents).

    Args:
        metric: a metric name (``tas``, ``psr``, ...).
        source: the IMPACT release (top folder, ``dataset/`` folder or archive).
        config: a config name such as ``tas_s_s1``.
        predictions: ``{id: prediction}``.
        split: the split holding the references.
        options: keyword options forwarded to the score function (conventions, bootstrap, ...).
        paired_predictions: a second system's predictions (same ids) for a paired bootstrap comparison.
        cache_dir: Arrow cache folder for the dataset.

    Returns:
        ``{"metric", "config", "split", "num_references", "scores", "signature"}`` where
        ``signature`` extends the score's signature with the data version, config and split.
    """
    from proceval.benchmarks.impact.release import resolve_dataset_dir
    from proceval.datasets.load import load_impact

    entry = catalog_metric(metric)
    task = config.rsplit("_", 1)[0]
    if task not in entry.tasks:
        raise InputValidationError(
            f"Expected a config of the tasks {entry.tasks} for metric `{metric}`, but got {config!r}."
        )
    dataset_dir = resolve_dataset_dir(source)

    @lru_cache(maxsize=4)
    def load_split(name: str):
        return load_impact(dataset_dir, config, split=name, cache_dir=cache_dir)

    ds = load_split(split)
    ctx = EvalContext(
        config=config, protocol=config.rsplit("_", 1)[1], dataset_dir=dataset_dir, load_split=load_split
    )
    ad = adapter(metric)
    scores = ad.score(ds, predictions, dict(options or {}), ctx, paired=paired_predictions)
    return {
        "metric": metric,
        "config": config,
        "split": split,
        "num_references": len(ds),
        "scores": scores,
        "signature": _signature(scores, config, split),
    }


def _signature(scores: Mapping[str, Any], config: str, split: str) -> str:
    sig = scores.get("signature")
    if sig is None:  # nested results (one per protocol / level): join the distinct signatures
        sigs = sorted(
            {v["signature"] for v in scores.values() if isinstance(v, Mapping) and "signature" in v}
        )
        sig = " + ".join(sigs)
    head, _, version = sig.rpartition("|v:")
    return f"{head}|data:{ANNOTATION_VERSION}|cfg:{config}|split:{split}|v:{version}" if head else sig
