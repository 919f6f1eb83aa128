"""CV-SMR (cross-view semantic-matching retrieval): Recall@k and mAP.

Each query ranks its gallery; a gallery item is relevant when it has the query's coarse label. The
gallery is sorted by descending cosine with a **stable** sort (ties keep gallery order, as the official
evaluator), giving the 0/1 vector ``hits``. ``AP = sum_i precision@i * hit_i / #relevant``
(non-interpolated, full gallery), ``R@k = any(hits[:k])``. Queries with an empty gallery or no relevant
item are skipped and counted. Overall values are means over evaluated queries pooled over query views;
per-query-view means too.

Precision (``precision``, signed ``prec``): ``"float64"`` (default) ranks the similarities as given and
averages in double precision. ``"float32"`` reproduces the official script, which keeps segment
embeddings and cosines as float32 and averages per-query AP / hits as float32 (pooled view by view):
similarities that differ by less than float32's resolution tie there and keep gallery order, which
moves mAP by up to ~1.5e-5 relative on the release. From embeddings (:func:`cv_smr_embedding_results`)
the float32 pipeline is reproduced exactly; from score vectors (:func:`cv_smr_scores`) the given
similarities are rounded to float32, exact when they were computed in float32.

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
    CHUNK_CELLS,
    EMPTY_GALLERY,
    EVALUATED,
    NO_POSITIVE,
    RETRIEVAL_STATUSES,
    FloatPrecision,
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
        precision: ``"float64"`` (default) or ``"float32"`` (the official float32 similarities and means;
            see the module doc).
    """

    score_name: ClassVar[str] = "cv_smr"
    ks: tuple[int, ...] = opt(DEFAULT_KS, "k")
    precision: FloatPrecision = opt("float64", "prec")

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
    precision: FloatPrecision = "float64",
) -> CVSMRStats:
    """Turn a batch of queries (score vector + relevance vector each) into :class:`CVSMRStats`.

    Skipping policy ("skip", official): an empty gallery gives status ``empty_gallery``; a gallery without
    a relevant item gives ``no_positive``; both are counted, neither enters the means. With
    ``precision="float32"`` each score vector is rounded to float32 before ranking.
    """
    n = len(predictions)
    views = [""] * n if query_views is None else [str(v) for v in query_views]
    results = []
    for qid, pred, ref in zip(query_ids, predictions, references, strict=True):
        if type(pred) is np.ndarray and pred.ndim == 1 and pred.dtype == _F64:
            vec = pred  # finiteness is checked on the sorted copy (NaN sorts last, -inf first)
        else:
            vec = as_score_vector(pred, "predictions", qid)
        if precision == "float32":
            vec = vec.astype(np.float32).astype(np.float64)  # float32 values, ranked exactly as float32
        rel = _clean_relevance(ref, vec.size)
        if rel is None:
            rel = _as_relevance(ref, qid, vec.size)
        stat = relevant_rank_and_ap(vec, rel)
        if stat is None:
            as_score_vector(vec, "predictions", qid)  # raises, naming the query and the value
        results.append(stat)
    return CVSMRStats.from_query_results(ks, views, results)


def cv_smr_embedding_results(
    query_embeddings: np.ndarray,
    gallery_embeddings: np.ndarray,
    query_keys: np.ndarray,
    gallery_keys: np.ndarray,
    *,
    precision: FloatPrecision = "float64",
) -> list[tuple[int, int, float]]:
    """Per query ``(status, rank of the best relevant item, AP)`` from L2-normalised embeddings (spec §3).

    A query's gallery is every gallery row of another trial **and** another view, in gallery order;
    relevant items have the query's label. Results are as
    :func:`proceval.scores.retrieval.relevant_rank_and_ap` returns them (feed them to
    :meth:`CVSMRStats.from_query_results`).

    Args:
        query_embeddings: ``[Q, D]`` rows (from :func:`proceval.scores.retrieval.embedding_matrix` with the
            same ``precision``).
        gallery_embeddings: ``[G, D]`` rows.
        query_keys: int ``[Q, 3]`` codes of (trial, view, label) per query.
        gallery_keys: int ``[G, 3]`` codes of (trial, view, label) per gallery item, from the same code table.
        precision: ``"float64"``: similarities in blocks of queries (one matrix product per block).
            ``"float32"``: as the official script, per query the float32 product of the whole gallery
            matrix with the query row (``gallery @ query``), then the query's gallery taken from it.

    Raises:
        InputValidationError: a non-finite similarity (naming the query's position).
    """
    q_keys = np.asarray(query_keys, dtype=np.int64).reshape(-1, 3)
    g_keys = np.asarray(gallery_keys, dtype=np.int64).reshape(-1, 3)
    n_gallery = g_keys.shape[0]
    results: list[tuple[int, int, float]] = []

    def add(i: int, row: np.ndarray, keep: np.ndarray) -> None:
        stat = relevant_rank_and_ap(row[keep], g_keys[keep, 2] == q_keys[i, 2])
        if stat is None:  # unreachable with checked embeddings; kept so that nothing passes silently
            raise InputValidationError(f"Got a non-finite cosine for CV-SMR query at position {i}.")
        results.append(stat)

    if precision == "float32":
        gallery = np.asarray(gallery_embeddings, dtype=np.float32)
        queries = np.asarray(query_embeddings, dtype=np.float32)
        for i in range(q_keys.shape[0]):
            keep = (g_keys[:, 0] != q_keys[i, 0]) & (g_keys[:, 1] != q_keys[i, 1])
            sims = gallery @ queries[i] if n_gallery else np.zeros(0, dtype=np.float32)
            add(i, sims.astype(np.float64), keep)
        return results
    step = max(1, CHUNK_CELLS // max(n_gallery, 1))
    for lo in range(0, q_keys.shape[0], step):
        hi = min(lo + step, q_keys.shape[0])
        sims = query_embeddings[lo:hi] @ gallery_embeddings.T if n_gallery else np.zeros((hi - lo, 0))
        valid = (q_keys[lo:hi, 0, None] != g_keys[None, :, 0]) & (
            q_keys[lo:hi, 1, None] != g_keys[None, :, 1]
        )
        for j in range(hi - lo):
            add(lo + j, sims[j], valid[j])
    return results


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


def _means(
    stats: CVSMRStats,
    rows: np.ndarray | None,
    precision: FloatPrecision = "float64",
    order: np.ndarray | None = None,
) -> dict[str, float]:
    """Recall@k and mAP over the evaluated queries (among ``rows`` when given); NaN when there are none.

    With ``precision="float32"`` each mean is numpy's float32 mean of the values taken in ``order`` (a
    permutation of the queries; default: query order), as the official script averages.
    """
    evaluated = stats.status == EVALUATED
    if rows is not None:
        evaluated &= rows
    if not evaluated.any():
        out = {f"recall_at_{k}": float("nan") for k in stats.ks}
        out["map"] = float("nan")
        return out
    if precision == "float32":
        idx = np.flatnonzero(evaluated) if order is None else order[evaluated[order]]
        hits32 = stats.hits[idx].astype(np.float32)
        out = {f"recall_at_{k}": float(np.mean(hits32[:, j])) for j, k in enumerate(stats.ks)}
        out["map"] = float(np.mean(stats.average_precision[idx].astype(np.float32)))
        return out
    hits = stats.hits[evaluated]
    out = {f"recall_at_{k}": float(np.mean(hits[:, j])) for j, k in enumerate(stats.ks)}
    out["map"] = float(np.mean(stats.average_precision[evaluated]))
    return out


def _view_major_order(cols: CVSMRStats, view_order: Sequence[str] | None) -> np.ndarray:
    """Query indices grouped by view (``view_order`` first, other views by first appearance), stable."""
    rank = {v: i for i, v in enumerate(view_order or ())}
    code_rank = np.asarray(
        [rank.get(v, len(rank) + c) for c, v in enumerate(cols.view_names)], dtype=np.int64
    ).reshape(-1)
    if code_rank.size == 0:
        return np.arange(len(cols))
    return np.argsort(code_rank[cols.view_codes], kind="stable")


def _cv_smr_compute(
    stats: Sequence[CVSMRQueryStat],
    ks: Sequence[int] = DEFAULT_KS,
    precision: FloatPrecision = "float64",
    view_order: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Overall (pooled over query views) and per-query-view means; NaN where no query was evaluated.

    With ``precision="float32"`` the overall means pool the queries view by view (``view_order``, then
    views by first appearance; query order within a view), as the official script extends its lists.
    """
    cols = CVSMRStats.from_stats(stats, ks)
    order = _view_major_order(cols, view_order) if precision == "float32" else None
    overall = _means(cols, None, precision, order)
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
        per_view = {v: _means(cols, cols.view_codes == code[v], precision) for v in views}
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
    view_order: Sequence[str] | None = None,
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
        view_order: the query views in the order the official script pools them (only used by
            ``options.precision == "float32"``; default: first appearance).

    Returns:
        As :func:`cv_smr_scores`.
    """

    def compute(units: Sequence[CVSMRQueryStat]) -> dict[str, Any]:
        return _cv_smr_compute(units, options.ks, options.precision, view_order)

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
    precision: FloatPrecision = "float64",
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
        precision: ``"float64"`` (default) or ``"float32"``: round each score vector to float32 before
            ranking and average as float32, as the official script (exact when the similarities were
            computed in float32; see the module doc).
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
    options = CvSmrOptions(ks=ks, precision=precision)
    uncertainty = Uncertainty(bootstrap, confidence, seed, paired=paired_predictions is not None)
    ids, preds, other = align_query_inputs(
        predictions,
        {"references": references, "query_views": query_views, "paired_predictions": paired_predictions},
        ids,
    )
    if other["references"] is None:
        raise InputValidationError("Expected `references` (relevance vectors), but got None.")

    def stats_of(values: list[Any]) -> CVSMRStats:
        return _cv_smr_update(
            values, other["references"], other["query_views"], ids, options.ks, options.precision
        )

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
    "cv_smr_embedding_results",
    "cv_smr_scores",
    "cv_smr_stats_scores",
]
