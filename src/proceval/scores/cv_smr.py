"""CV-SMR (cross-view semantic-matching retrieval): Recall@k and mAP.

Each query ranks its gallery; a gallery item is relevant when it has the query's coarse label. The
gallery is sorted by descending cosine with a **stable** sort (ties keep gallery order, as the official
evaluator), giving the 0/1 vector ``hits``. ``AP = sum_i precision@i * hit_i / #relevant``
(non-interpolated, full gallery), ``R@k = any(hits[:k])``. Queries with an empty gallery or no relevant
item are skipped and counted. Overall values are means over evaluated queries pooled over query views;
per-query-view means too.

Entry points: :func:`cv_smr_scores` scores given score and relevance vectors; :func:`cv_smr_stats_scores`
scores per-query statistics computed elsewhere (e.g. by a benchmark's protocol from embeddings, with
:meth:`CVSMRStats.from_query_results`). The AP / rank math is :mod:`proceval.scores.retrieval`; which
items form each query's gallery is a benchmark's protocol.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np

from proceval.errors import InputValidationError
from proceval.scores._ranking import align_query_inputs, as_score_vector
from proceval.scores.bootstrap import ColumnStats, with_uncertainty
from proceval.scores.options import ScoreOptions, Uncertainty, opt
from proceval.scores.retrieval import (
    EMPTY_GALLERY,
    EVALUATED,
    NO_POSITIVE,
    RETRIEVAL_STATUSES,
    check_cutoffs,
    relevant_rank_and_ap,
)
from proceval.scores.signature import score_signature

CV_SMR_STATUSES: tuple[str, ...] = RETRIEVAL_STATUSES
"""Query statuses: evaluated, or skipped for an empty gallery / no relevant item."""
DEFAULT_KS: tuple[int, ...] = (1, 5)
SIGNATURE_CONSTANTS: dict[str, str] = {"ties": "stable", "skip": "empty,nopos"}
"""Conventions fixed by this implementation, written into every signature after the options."""
_F64 = np.dtype(np.float64)


@dataclass(frozen=True)
class CvSmrOptions(ScoreOptions):
    """Every option that changes a CV-SMR number.

    Attributes:
        ks: the recall cut-offs (official: 1, 5).
    """

    score_name: ClassVar[str] = "cv_smr"
    ks: tuple[int, ...] = opt(DEFAULT_KS, "k")

    def check(self) -> None:
        """``ks`` must be positive integers (stored as a tuple)."""
        object.__setattr__(self, "ks", check_cutoffs("ks", self.ks))


class CVSMRQueryStat(NamedTuple):
    """One query: its view (or ``""``), status (one of :data:`CV_SMR_STATUSES`), hits at each k, AP."""

    view: str
    status: str
    hits_at_k: tuple[bool, ...]
    average_precision: float


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


class CVSMRStats(ColumnStats[CVSMRQueryStat]):
    """Per-query statistics held as columns.

    Indexing gives :class:`CVSMRQueryStat`; the bootstrap resamples queries with :meth:`take`.

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

    @classmethod
    def from_query_results(
        cls, ks: Sequence[int], views: Sequence[str], results: Sequence[tuple[int, int, float]]
    ) -> CVSMRStats:
        """Columns from per-query ``(status, rank of the best relevant item, AP)`` and each query's view.

        ``results`` are as :func:`proceval.scores.retrieval.relevant_rank_and_ap` returns them.
        """
        index: dict[str, int] = {}
        n = len(results)
        view_codes = np.fromiter((index.setdefault(v, len(index)) for v in views), np.int64, len(views))
        status = np.fromiter((r[0] for r in results), np.int8, n)
        best = np.fromiter((r[1] for r in results), np.int64, n)
        ap = np.fromiter((r[2] for r in results), np.float64, n)
        cut = np.asarray(ks, dtype=np.int64)
        hits = (best[:, None] <= cut[None, :]) & (status == EVALUATED)[:, None]
        return cls(ks, list(index), view_codes, status, hits, ap)

    def __len__(self) -> int:
        return int(self.status.shape[0])

    def row(self, i: int) -> CVSMRQueryStat:
        """Query ``i`` as a :class:`CVSMRQueryStat`."""
        return CVSMRQueryStat(
            self.view_names[int(self.view_codes[i])],
            CV_SMR_STATUSES[int(self.status[i])],
            tuple(bool(h) for h in self.hits[i]),
            float(self.average_precision[i]),
        )

    def take(self, indices: np.ndarray) -> CVSMRStats:
        """The queries at ``indices`` (repeats allowed, as a bootstrap resample draws them)."""
        return CVSMRStats(
            self.ks,
            self.view_names,
            self.view_codes[indices],
            self.status[indices],
            self.hits[indices],
            self.average_precision[indices],
        )


def _cv_smr_update(
    predictions: Sequence[Any],
    references: Sequence[Any],
    query_views: Sequence[Any] | None,
    query_ids: Sequence[Hashable],
    ks: Sequence[int] = DEFAULT_KS,
) -> CVSMRStats:
    """Turn a batch of queries (score vector + relevance vector each) into :class:`CVSMRStats`.

    Skipping policy ("skip", official): an empty gallery gives status ``empty_gallery``; a gallery without
    a relevant item gives ``no_positive``; both are counted, neither enters the means.
    """
    n = len(predictions)
    views = [""] * n if query_views is None else [str(v) for v in query_views]
    results = []
    for qid, pred, ref in zip(query_ids, predictions, references, strict=True):
        if type(pred) is np.ndarray and pred.ndim == 1 and pred.dtype == _F64:
            vec = pred  # finiteness is checked on the sorted copy (NaN sorts last, -inf first)
        else:
            vec = as_score_vector(pred, "predictions", qid)
        rel = _clean_relevance(ref, vec.size)
        if rel is None:
            rel = _as_relevance(ref, qid, vec.size)
        stat = relevant_rank_and_ap(vec, rel)
        if stat is None:
            as_score_vector(vec, "predictions", qid)  # raises, naming the query and the value
        results.append(stat)
    return CVSMRStats.from_query_results(ks, views, results)


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


def _means(stats: CVSMRStats, rows: np.ndarray | None) -> dict[str, float]:
    """Recall@k and mAP over the evaluated queries (among ``rows`` when given); NaN when there are none."""
    evaluated = stats.status == EVALUATED
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


def _cv_smr_compute(stats: Sequence[CVSMRQueryStat], ks: Sequence[int] = DEFAULT_KS) -> dict[str, Any]:
    """Overall (pooled over query views) and per-query-view means; NaN where no query was evaluated."""
    cols = CVSMRStats.from_stats(stats, ks)
    overall = _means(cols, None)
    out: dict[str, Any] = {f"overall_{key}": value for key, value in overall.items()}
    counts = np.bincount(cols.status, minlength=len(CV_SMR_STATUSES))
    out["num_candidate_queries"] = len(cols)
    out["num_evaluated_queries"] = int(counts[EVALUATED])
    out["num_skipped_empty_gallery"] = int(counts[EMPTY_GALLERY])
    out["num_skipped_no_positive"] = int(counts[NO_POSITIVE])
    present = np.bincount(cols.view_codes, minlength=len(cols.view_names)) > 0  # a resample may lack a view
    views = sorted(v for v, here in zip(cols.view_names, present.tolist(), strict=True) if v and here)
    if views:
        code = {v: c for c, v in enumerate(cols.view_names)}
        per_view = {v: _means(cols, cols.view_codes == code[v]) for v in views}
        for key in overall:
            out[f"per_query_view_{key}"] = {v: per_view[v][key] for v in views}
        evaluated = cols.status == EVALUATED
        out["per_query_view_num_evaluated_queries"] = {
            v: int(np.count_nonzero(evaluated & (cols.view_codes == code[v]))) for v in views
        }
    return out


def cv_smr_stats_scores(
    stats: Sequence[CVSMRQueryStat],
    options: CvSmrOptions,
    uncertainty: Uncertainty,
    *,
    paired_stats: Sequence[CVSMRQueryStat] | None = None,
    signature_extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """CV-SMR scores of per-query statistics (resampling queries for ``ci`` / ``paired``) and the signature.

    Args:
        stats: per query its view, status, hits at each k and AP (:class:`CVSMRStats`, built with
            ``options.ks``).
        options: the scoring options.
        uncertainty: bootstrap / paired-comparison options; ``paired`` must say whether ``paired_stats`` is
            given.
        paired_stats: a second system's statistics on the same queries.
        signature_extra: further ``{abbreviation: value}`` pairs that changed the number (e.g. the views of
            a protocol), written after the options.

    Returns:
        As :func:`cv_smr_scores`.
    """

    def compute(units: Sequence[CVSMRQueryStat]) -> dict[str, Any]:
        return _cv_smr_compute(units, options.ks)

    result = with_uncertainty(
        compute(stats), stats, compute, uncertainty=uncertainty, paired_units=paired_stats
    )
    extra = {**dict(signature_extra or {}), **SIGNATURE_CONSTANTS}
    result["signature"] = score_signature("cv_smr", options, uncertainty, extra)
    return result


def cv_smr_scores(
    predictions: Sequence[Any] | Mapping[Hashable, Any],
    references: Sequence[Any] | Mapping[Hashable, Any],
    *,
    query_views: Sequence[str] | Mapping[Hashable, str] | None = None,
    ids: Sequence[Hashable] | None = None,
    ks: Sequence[int] = DEFAULT_KS,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | Mapping[Hashable, Any] | None = None,
) -> dict[str, Any]:
    """CV-SMR Recall@k and mAP from per-query score vectors and binary relevance vectors.

    Args:
        predictions: per query (sequence or mapping keyed by query id) the similarities to every item of
            its gallery (1-D float array, any length including 0). Gallery order breaks score ties.
        references: per query a 0/1 (or bool) vector of the same length: 1 = same coarse label.
        query_views: per query its view, for the ``per_query_view_*`` outputs (optional).
        ids: query ids of sequence inputs, for error messages.
        ks: recall cut-offs; the official ones are (1, 5).
        bootstrap: number of query resamples for percentile CIs (0 = none).
        confidence: CI coverage.
        seed: resampling seed.
        paired_predictions: a second system's score vectors for the same queries.

    Returns:
        ``overall_recall_at_{k}``, ``overall_map`` (fractions in [0, 1], higher is better),
        ``num_candidate_queries``, ``num_evaluated_queries``, ``num_skipped_empty_gallery``,
        ``num_skipped_no_positive``; with ``query_views`` also ``per_query_view_recall_at_{k}``,
        ``per_query_view_map``, ``per_query_view_num_evaluated_queries``; ``signature``; plus ``ci`` /
        ``ci_level`` / ``paired`` when asked. NaN when no query is evaluable.

    Raises:
        InputValidationError: NaN scores, relevance not 0/1 or of another length, mismatched ids, bad
            options (naming the argument).

    Example:
        >>> r = cv_smr_scores([[0.9, 0.5, 0.1], [0.3, 0.7], []], [[0, 1, 1], [1, 0], []])
        >>> round(r["overall_map"], 4), r["overall_recall_at_1"], r["num_skipped_empty_gallery"]
        (0.5417, 0.0, 1)
    """
    options = CvSmrOptions(ks=ks)
    uncertainty = Uncertainty(bootstrap, confidence, seed, paired=paired_predictions is not None)
    ids, preds, other = align_query_inputs(
        predictions,
        {"references": references, "query_views": query_views, "paired_predictions": paired_predictions},
        ids,
    )
    if other["references"] is None:
        raise InputValidationError("Expected `references` (relevance vectors), but got None.")

    def stats_of(values: list[Any]) -> CVSMRStats:
        return _cv_smr_update(values, other["references"], other["query_views"], ids, options.ks)

    paired = other["paired_predictions"]
    return cv_smr_stats_scores(
        stats_of(preds), options, uncertainty, paired_stats=None if paired is None else stats_of(paired)
    )


__all__ = [
    "CV_SMR_STATUSES",
    "DEFAULT_KS",
    "SIGNATURE_CONSTANTS",
    "CVSMRQueryStat",
    "CVSMRStats",
    "CvSmrOptions",
    "cv_smr_scores",
    "cv_smr_stats_scores",
]
