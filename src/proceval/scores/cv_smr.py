"""CV-SMR (IMPACT cross-view semantic-matching retrieval): Recall@k and mAP.

Each query is a non-null segment; its gallery is every non-null segment of another trial **and** another
view; a gallery item is relevant when it has the query's coarse label. The gallery is sorted by
descending cosine with a **stable** sort (ties keep gallery order, as ``cv_smr_retrieval.py``), giving the
0/1 vector ``hits``. ``AP = sum_i precision@i * hit_i / #relevant`` (non-interpolated, full gallery),
``R@k = any(hits[:k])``. Queries with an empty gallery or no relevant item are skipped and counted.
Overall values are means over evaluated queries pooled over query views; per-query-view means too.

The gallery rule lives in :mod:`proceval.benchmarks.impact.protocols`; this module scores given score vectors.
"""

from __future__ import annotations

import math
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
from proceval.scores.bootstrap import ColumnStats, with_uncertainty
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


_EVALUATED, _EMPTY, _NO_POSITIVE = 0, 1, 2  # status codes: indices into CV_SMR_STATUSES
_NAN = float("nan")
_isfinite = math.isfinite


class CVSMRStats(ColumnStats[CVSMRQueryStat]):
    """Per-query statistics held as columns; indexing gives :class:`CVSMRQueryStat`, the bootstrap
    resamples queries with :meth:`take`.

    Attributes:
        ks: the recall cut-offs.
        view_names: the distinct query views (``""`` = none given); ``view_codes`` index into it.
        view_codes: int64 ``[n]``.
        status: int8 ``[n]``, index into :data:`CV_SMR_STATUSES`.
        hits: bool ``[n, len(ks)]``, whether a relevant item is in the top k (False if not evaluated).
        average_precision: float64 ``[n]`` (NaN if not evaluated).
    """

    def __init__(
        self,
        ks: Sequence[int],
        view_names: Sequence[str],
        view_codes: np.ndarray,
        status: np.ndarray,
        hits: np.ndarray,
        average_precision: np.ndarray,
    ) -> None:
        self.ks = list(ks)
        self.view_names = list(view_names)
        self.view_codes = view_codes
        self.status = status
        self.hits = hits
        self.average_precision = average_precision

    @classmethod
    def from_stats(cls, stats: Sequence[CVSMRQueryStat], ks: Sequence[int]) -> CVSMRStats:
        """Columns from a sequence of :class:`CVSMRQueryStat` (e.g. a bootstrap resample)."""
        if isinstance(stats, CVSMRStats):
            return stats
        views: dict[str, int] = {}
        n = len(stats)
        codes = np.fromiter((views.setdefault(s.view, len(views)) for s in stats), np.int64, n)
        status = np.fromiter((CV_SMR_STATUSES.index(s.status) for s in stats), np.int8, n)
        hits = np.asarray([s.hits_at_k for s in stats], dtype=bool).reshape(n, len(ks))
        ap = np.fromiter((s.average_precision for s in stats), np.float64, n)
        return cls(ks, list(views), codes, status, hits, ap)

    def __len__(self) -> int:
        return int(self.status.shape[0])

    def row(self, i: int) -> CVSMRQueryStat:
        return CVSMRQueryStat(
            self.view_names[int(self.view_codes[i])],
            CV_SMR_STATUSES[int(self.status[i])],
            tuple(bool(h) for h in self.hits[i]),
            float(self.average_precision[i]),
        )

    def take(self, indices: np.ndarray) -> CVSMRStats:
        return CVSMRStats(
            self.ks,
            self.view_names,
            self.view_codes[indices],
            self.status[indices],
            self.hits[indices],
            self.average_precision[indices],
        )


class _StatsBuilder:
    """Collects per-query (status, best rank, AP) and turns them into :class:`CVSMRStats`."""

    def __init__(self, ks: Sequence[int]) -> None:
        self.ks = list(ks)
        self.views: dict[str, int] = {}
        self.view_codes: list[int] = []
        self.status: list[int] = []
        self.best: list[int] = []
        self.ap: list[float] = []

    def add(self, view: str, stat: tuple[int, int, float]) -> None:
        self.view_codes.append(self.views.setdefault(view, len(self.views)))
        self.status.append(stat[0])
        self.best.append(stat[1])
        self.ap.append(stat[2])

    def build(self) -> CVSMRStats:
        status = np.asarray(self.status, dtype=np.int8)
        best = np.asarray(self.best, dtype=np.int64)
        ks = np.asarray(self.ks, dtype=np.int64)
        hits = (best[:, None] <= ks[None, :]) & (status == _EVALUATED)[:, None]
        return CVSMRStats(
            self.ks,
            list(self.views),
            np.asarray(self.view_codes, dtype=np.int64),
            status,
            hits,
            np.asarray(self.ap, dtype=np.float64),
        )


def _cv_smr_update(
    predictions: Sequence[Any],
    references: Sequence[Any],
    query_views: Sequence[Any] | None,
    query_ids: Sequence[Hashable],
    ks: Sequence[int] = (1, 5),
) -> CVSMRStats:
    """Turn a batch of queries (score vector + relevance vector each) into :class:`CVSMRStats`.

    Skipping policy ("skip", official): an empty gallery gives status ``empty_gallery``; a gallery without
    a relevant item gives ``no_positive``; both are counted, neither enters the means.
    """
    n = len(predictions)
    views = [""] * n if query_views is None else [str(v) for v in query_views]
    out = _StatsBuilder(ks)
    for qid, pred, ref, view in zip(query_ids, predictions, references, views, strict=True):
        if type(pred) is np.ndarray and pred.ndim == 1 and pred.dtype == _F64:
            vec = pred  # finiteness is checked on the sorted copy (NaN sorts last, -inf first)
        else:
            vec = as_score_vector(pred, "predictions", qid)
        rel = _clean_relevance(ref, vec.size)
        if rel is None:
            rel = _as_relevance(ref, qid, vec.size)
        stat = _query_stat(vec, rel)
        if stat is None:
            as_score_vector(vec, "predictions", qid)  # raises, naming the query and the value
        out.add(view, stat)
    return out.build()


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


def _query_stat(scores: np.ndarray, relevance: np.ndarray) -> tuple[int, int, float] | None:
    """``(status code, rank of the best relevant item, AP)`` of one query; None if a score is not finite.

    ``scores`` is 1-D float64 and ``relevance`` a bool vector of the same length. Without tied scores,
    the rank of a relevant item is ``1 + #{scores greater}`` (binary searches of the sorted relevant scores
    in a sorted copy of the gallery) and its rank among relevant items is its position in that order; no
    argsort of the gallery. Rows where a relevant score ties with any other score take the stable
    descending argsort, which breaks ties by gallery order as the official code (ties among irrelevant
    items change nothing).
    """
    size = scores.size
    if size == 0:
        return _EMPTY, 0, _NAN
    ordered = np.sort(scores)
    if not (_isfinite(ordered[0]) and _isfinite(ordered[-1])):
        return None
    relevant = scores[relevance]
    m = relevant.size
    if m == 0:
        return _NO_POSITIVE, 0, _NAN
    relevant.sort()
    above = ordered.searchsorted(relevant, side="right")  # 1 + position of each relevant score
    # A relevant score equal to its sorted neighbour ties with another item (index -1 wraps around to the
    # maximum, equal only when every score is equal): take the stable argsort.
    if (ordered[above - 2] == relevant).any():
        hits = ranked_hits(scores[None, :], relevance[None, :])
        return _EVALUATED, int(np.argmax(hits[0])) + 1, float(average_precision_from_hits(hits)[0])
    # The j-th smallest relevant score has rank size + 1 - above[j] and m - j relevant items at or above it:
    # AP = mean over relevant items of (m - j) / rank.
    rank = size + 1 - above
    return _EVALUATED, int(rank[-1]), float(np.dot(np.arange(m, 0, -1), 1.0 / rank) / m)


def _means(stats: CVSMRStats, rows: np.ndarray | None) -> dict[str, float]:
    """Recall@k and mAP over the evaluated queries (among ``rows`` when given); NaN when there are none."""
    evaluated = stats.status == _EVALUATED
    if rows is not None:
        evaluated &= rows
    if not evaluated.any():
        out = {f"recall_at_{k}": float("nan") for k in stats.ks}
        out["map"] = float("nan")
        return out
    hits = stats.hits[evaluated]
    out = {f"recall_at_{k}": float(np.mean(hits[:, j])) for j, k in enumerate(stats.ks)}
    out["map"] = float(np.mean(stats.average_precision[evaluated]))
    return out


def _cv_smr_compute(stats: Sequence[CVSMRQueryStat], ks: Sequence[int] = (1, 5)) -> dict[str, Any]:
    """Overall (pooled over query views) and per-query-view means; NaN where no query was evaluated."""
    cols = CVSMRStats.from_stats(stats, ks)
    overall = _means(cols, None)
    out: dict[str, Any] = {f"overall_{key}": value for key, value in overall.items()}
    counts = np.bincount(cols.status, minlength=len(CV_SMR_STATUSES))
    out["num_candidate_queries"] = len(cols)
    out["num_evaluated_queries"] = int(counts[_EVALUATED])
    out["num_skipped_empty_gallery"] = int(counts[_EMPTY])
    out["num_skipped_no_positive"] = int(counts[_NO_POSITIVE])
    present = np.bincount(cols.view_codes, minlength=len(cols.view_names)) > 0  # a resample may lack a view
    views = sorted(v for v, here in zip(cols.view_names, present.tolist(), strict=True) if v and here)
    if views:
        code = {v: c for c, v in enumerate(cols.view_names)}
        per_view = {v: _means(cols, cols.view_codes == code[v]) for v in views}
        for key in overall:
            out[f"per_query_view_{key}"] = {v: per_view[v][key] for v in views}
        evaluated = cols.status == _EVALUATED
        out["per_query_view_num_evaluated_queries"] = {
            v: int(np.count_nonzero(evaluated & (cols.view_codes == code[v]))) for v in views
        }
    return out


def _cv_smr_result(
    stats: Sequence[CVSMRQueryStat],
    *,
    ks: Sequence[int],
    bootstrap: int,
    confidence: float,
    seed: int,
    paired_stats: Sequence[CVSMRQueryStat] | None,
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
