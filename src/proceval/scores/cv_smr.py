"""CV-SMR (IMPACT cross-view semantic-matching retrieval): Recall@k and mAP.

Each query is a non-null segment; its gallery is every non-null segment of another trial **and** another
view; a gallery item is relevant when it has the query's coarse label. The gallery is sorted by
descending cosine with a **stable** sort (ties keep gallery order, as ``cv_smr_retrieval.py``), giving the
0/1 vector ``hits``. ``AP = sum_i precision@i * hit_i / #relevant`` (non-interpolated, full gallery),
``R@k = any(hits[:k])``. Queries with an empty gallery or no relevant item are skipped and counted.
Overall values are means over evaluated queries pooled over query views; per-query-view means too.

The gallery rule lives in :mod:`proceval.protocols.cv`; this module scores given score vectors.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from proceval.errors import InputValidationError
from proceval.scores._ranking import (
    align_query_inputs,
    as_score_vector,
    average_precision_from_hits,
    ranked_hits,
)
from proceval.scores.bootstrap import with_uncertainty
from proceval.scores.signature import make_signature

CV_SMR_STATUSES: tuple[str, ...] = ("evaluated", "empty_gallery", "no_positive")
_F64 = np.dtype(np.float64)
_ABBREV = {"ks": "k", "ties": "ties", "skip": "skip"}


class CVSMRQueryStat(NamedTuple):
    """One query: its view (or ``""``), status (one of :data:`CV_SMR_STATUSES`), hits at each k, AP."""

    view: str
    status: str
    hits_at_k: tuple[bool, ...]
    average_precision: float


def _cv_smr_arg_validation(ks: Sequence[int]) -> None:
    """Check the options (shared by :func:`cv_smr` and the evaluate module)."""
    ks = list(ks)
    if not ks or any(isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1 for k in ks):
        raise InputValidationError(f"Expected argument `ks` to be positive integers, but got {ks!r}.")


def _as_relevance(value: Any, query_id: Hashable, size: int) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim != 1 or arr.shape[0] != size:
        raise InputValidationError(
            f"Expected `references` for query {query_id!r} to be a 1-D 0/1 vector of length {size} "
            f"(its gallery size), but got shape {arr.shape}."
        )
    if arr.size and arr.dtype != bool:
        if arr.dtype.kind not in "iuf" or not np.all((arr == 0) | (arr == 1)):
            raise InputValidationError(
                f"Expected `references` for query {query_id!r} to hold only 0/1 or booleans, "
                f"but got values {np.unique(arr)[:5].tolist()}."
            )
    return arr.astype(bool)


def _cv_smr_update(
    predictions: Sequence[Any],
    references: Sequence[Any],
    query_views: Sequence[Any] | None,
    query_ids: Sequence[Hashable],
    ks: Sequence[int] = (1, 5),
) -> list[CVSMRQueryStat]:
    """Turn a batch of queries (score vector + relevance vector each) into :class:`CVSMRQueryStat`.

    Skipping policy ("skip", official): an empty gallery gives status ``empty_gallery``; a gallery without
    a relevant item gives ``no_positive``; both are counted, neither enters the means.
    """
    n = len(predictions)
    views = [""] * n if query_views is None else [str(v) for v in query_views]
    out: list[CVSMRQueryStat] = []
    for qid, pred, ref, view in zip(query_ids, predictions, references, views, strict=True):
        vec = pred if _is_clean_scores(pred) else as_score_vector(pred, "predictions", qid)
        rel = _clean_relevance(ref, vec.size)
        if rel is None:
            rel = _as_relevance(ref, qid, vec.size)
        out.append(_cv_smr_query_stat(vec, rel, view, ks))
    return out


def _is_clean_scores(value: Any) -> bool:
    """Whether ``value`` is already a finite 1-D float64 array (one sum instead of an element-wise check)."""
    return (
        type(value) is np.ndarray
        and value.ndim == 1
        and value.dtype == _F64
        and bool(np.isfinite(np.add.reduce(value)) or np.all(np.isfinite(value)))
    )


def _clean_relevance(value: Any, size: int) -> np.ndarray | None:
    """A bool view of an already-valid 0/1 array of ``size`` (bool or 1-byte ints), else None."""
    if type(value) is not np.ndarray or value.shape != (size,):
        return None
    if value.dtype == np.bool_:
        return value
    if value.dtype.itemsize == 1 and value.dtype.kind in "iu":
        as_bytes = value.view(np.uint8)  # -1 as int8 reads as 255
        if size == 0 or np.maximum.reduce(as_bytes) <= 1:
            return as_bytes.view(np.bool_)
    return None


def _cv_smr_query_stat(
    scores: np.ndarray, relevance: np.ndarray, view: str, ks: Sequence[int]
) -> CVSMRQueryStat:
    """Statistics of one query from its gallery scores and boolean relevance (same length, finite scores).

    Without tied scores, the rank of a relevant item is ``1 + #{scores greater}`` (binary searches of the
    relevant scores, in ascending order, in a sorted copy of the gallery) and its rank among relevant items
    follows from its position in that order; no argsort of the gallery. Rows with ties take the stable
    descending argsort, which breaks ties by gallery order as the official code.
    """
    if scores.size == 0:
        return CVSMRQueryStat(view, "empty_gallery", (False,) * len(ks), float("nan"))
    relevant = scores[relevance]
    if relevant.size == 0:
        return CVSMRQueryStat(view, "no_positive", (False,) * len(ks), float("nan"))
    ordered = np.sort(scores)
    if (ordered[1:] == ordered[:-1]).any():
        hits = ranked_hits(scores[None, :], relevance[None, :])
        ap = float(average_precision_from_hits(hits)[0])
        return CVSMRQueryStat(view, "evaluated", tuple(bool(hits[0, :k].any()) for k in ks), ap)
    # Search the relevant scores in ascending order (faster binary searches), then put the per-item
    # precisions back in gallery order so that the mean sums them in the same order as before.
    perm = np.argsort(relevant)
    rank = scores.size - np.searchsorted(ordered, relevant[perm], side="right") + 1
    precision = np.empty(relevant.size, dtype=np.float64)
    precision[perm] = np.arange(relevant.size, 0, -1) / rank  # no ties: i-th smallest has rank m - i
    ap = float(np.add.reduce(precision) / precision.size)  # = np.mean (same pairwise sum, one division)
    best = int(rank[-1])
    return CVSMRQueryStat(view, "evaluated", tuple(best <= k for k in ks), ap)


def _means(stats: Sequence[CVSMRQueryStat], ks: Sequence[int]) -> dict[str, float]:
    ev = [s for s in stats if s.status == "evaluated"]
    if not ev:
        out = {f"recall_at_{k}": float("nan") for k in ks}
        out["map"] = float("nan")
        return out
    hits = np.asarray([s.hits_at_k for s in ev], dtype=float)
    out = {f"recall_at_{k}": float(hits[:, j].mean()) for j, k in enumerate(ks)}
    out["map"] = float(np.mean([s.average_precision for s in ev]))
    return out


def _cv_smr_compute(stats: Sequence[CVSMRQueryStat], ks: Sequence[int] = (1, 5)) -> dict[str, Any]:
    """Overall (pooled over query views) and per-query-view means; NaN where no query was evaluated."""
    overall = _means(stats, ks)
    out: dict[str, Any] = {f"overall_{key}": value for key, value in overall.items()}
    out["num_candidate_queries"] = len(stats)
    out["num_evaluated_queries"] = sum(s.status == "evaluated" for s in stats)
    out["num_skipped_empty_gallery"] = sum(s.status == "empty_gallery" for s in stats)
    out["num_skipped_no_positive"] = sum(s.status == "no_positive" for s in stats)
    views = sorted({s.view for s in stats if s.view})
    if views:
        per_view = {v: _means([s for s in stats if s.view == v], ks) for v in views}
        for key in overall:
            out[f"per_query_view_{key}"] = {v: per_view[v][key] for v in views}
        out["per_query_view_num_evaluated_queries"] = {
            v: sum(s.view == v and s.status == "evaluated" for s in stats) for v in views
        }
    return out


def _cv_smr_result(
    stats: list[CVSMRQueryStat],
    *,
    ks: Sequence[int],
    bootstrap: int,
    confidence: float,
    seed: int,
    paired_stats: list[CVSMRQueryStat] | None,
    signature_extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Compute, attach uncertainty (resampling queries) and the signature."""

    def compute(units: Sequence[CVSMRQueryStat]) -> dict[str, Any]:
        return _cv_smr_compute(units, ks)

    result = with_uncertainty(
        compute(stats),
        stats,
        compute,
        bootstrap=bootstrap,
        confidence=confidence,
        seed=seed,
        paired_units=paired_stats,
    )
    options: dict[str, Any] = dict(signature_extra or {})
    options.update({"ks": list(ks), "ties": "stable", "skip": "empty,nopos"})
    if bootstrap:
        options.update({"bs": bootstrap, "rs": seed})
    result["signature"] = make_signature("cv_smr", options, _ABBREV)
    return result


def cv_smr(
    predictions: Sequence[Any] | Mapping[Hashable, Any],
    references: Sequence[Any] | Mapping[Hashable, Any],
    *,
    query_views: Sequence[str] | Mapping[Hashable, str] | None = None,
    query_ids: Sequence[Hashable] | None = None,
    ks: Sequence[int] = (1, 5),
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    validate_args: bool = True,
) -> dict[str, Any]:
    """CV-SMR Recall@k and mAP from per-query score vectors and binary relevance vectors.

    Args:
        predictions: per query (sequence or mapping keyed by query id) the similarities to every item of
            its gallery (1-D float array, any length including 0). Gallery order breaks score ties.
        references: per query a 0/1 (or bool) vector of the same length: 1 = same coarse label.
        query_views: per query its view, for the ``per_query_view_*`` outputs (optional).
        query_ids: ids for error messages when the inputs are sequences.
        ks: recall cut-offs; the official ones are (1, 5).
        bootstrap: number of query resamples for percentile CIs (0 = none).
        confidence: CI coverage.
        seed: resampling seed.
        paired_predictions: a second system's score vectors for the same queries.
        validate_args: check the options.

    Returns:
        ``overall_recall_at_{k}``, ``overall_map`` (fractions in [0, 1], higher is better),
        ``num_candidate_queries``, ``num_evaluated_queries``, ``num_skipped_empty_gallery``,
        ``num_skipped_no_positive``; with ``query_views`` also ``per_query_view_recall_at_{k}``,
        ``per_query_view_map``, ``per_query_view_num_evaluated_queries``; ``signature``. NaN when no query
        is evaluable.

    Raises:
        InputValidationError: NaN scores, relevance not 0/1 or of another length, mismatched ids, bad ks.

    Example:
        >>> r = cv_smr([[0.9, 0.5, 0.1], [0.3, 0.7], []], [[0, 1, 1], [1, 0], []])
        >>> round(r["overall_map"], 4), r["overall_recall_at_1"], r["num_skipped_empty_gallery"]
        (0.5417, 0.0, 1)
    """
    if validate_args:
        _cv_smr_arg_validation(ks)
    ids, preds, other = align_query_inputs(
        predictions,
        {"references": references, "query_views": query_views, "paired_predictions": paired_predictions},
        query_ids,
    )
    if other["references"] is None:
        raise InputValidationError("Expected `references` (relevance vectors), but got None.")
    ks = list(ks)
    stats = _cv_smr_update(preds, other["references"], other["query_views"], ids, ks)
    paired_stats = None
    if other["paired_predictions"] is not None:
        paired_stats = _cv_smr_update(
            other["paired_predictions"], other["references"], other["query_views"], ids, ks
        )
    return _cv_smr_result(
        stats, ks=ks, bootstrap=bootstrap, confidence=confidence, seed=seed, paired_stats=paired_stats
    )
