"""CV-TA (cross-view temporal alignment): Recall@k, Median Rank and Coverage.

Every *candidate* query is one non-null source-view segment of a directed view pair (``"front->left"``).
A candidate is *evaluated* when its positive target segment exists and is visible; its rank is
``1 + #{gallery similarities strictly greater than the positive's}`` (optimistic ties). Per directed pair:
``R@k = mean(rank <= k)`` and ``MedR = median(rank)``; ``coverage = evaluated / candidates``. Overall:
``R@k`` is the pooled mean over evaluated queries (= the query-weighted mean of the pairs), ``MedR`` is
the **median of the per-pair medians** (the official evaluator; ``median_rank_reduction="pooled"``
gives the pooled median instead), coverage is ``sum(evaluated) / sum(candidates)``.

Entry points: :func:`cv_ta_scores` scores per-query inputs (similarity vectors or ranks);
:func:`cv_ta_stats_scores` scores per-query statistics already ranked elsewhere (e.g. by a benchmark's
protocol from embeddings). Both take their options as :class:`CvTaOptions`. The rank math is
:mod:`proceval.scores.retrieval`; which queries, galleries and positives exist is a benchmark's protocol.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, NamedTuple

import numpy as np

from proceval.errors import InputValidationError
from proceval.scores._checks import converted_bool
from proceval.scores._ranking import align_query_inputs, as_int, as_score_vector
from proceval.scores.bootstrap import ColumnStats, with_uncertainty
from proceval.scores.options import ScoreOptions, Uncertainty, opt
from proceval.scores.retrieval import check_cutoffs, concatenated_ranks, rank_summary
from proceval.scores.signature import score_signature

InputType = Literal["similarities", "ranks"]
MedianRankReduction = Literal["median_of_pairs", "pooled"]
DEFAULT_KS: tuple[int, ...] = (1, 5)
_CELLS = 1 << 18  # gallery cells per ranking chunk (2 MB of float64)
_NONE = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class CvTaOptions(ScoreOptions):
    """Every option that changes a CV-TA number (see the module docstring).

    Attributes:
        input_type: ``"similarities"`` (a score vector per query) or ``"ranks"`` (a 1-based rank per query).
        ks: the recall cut-offs (official: 1, 5).
        median_rank_reduction: ``"median_of_pairs"`` (official) or ``"pooled"``.
    """

    score_name: ClassVar[str] = "cv_ta"
    input_type: InputType = opt("similarities", "in")
    ks: tuple[int, ...] = opt(DEFAULT_KS, "k")
    median_rank_reduction: MedianRankReduction = opt("median_of_pairs", "medr")

    def check(self) -> None:
        """``ks`` must be positive integers (stored as a tuple)."""
        object.__setattr__(self, "ks", check_cutoffs("ks", self.ks))


SIGNATURE_CONSTANTS: dict[str, str] = {"ties": "optimistic"}
"""Conventions fixed by this implementation, written into every signature after the options."""


class CVTAQueryStat(NamedTuple):
    """Statistics of one candidate query: directed pair, whether evaluated, rank (0 if not evaluated)."""

    pair: str
    evaluated: bool
    rank: int


class CVTAStats(ColumnStats[CVTAQueryStat]):
    """Per-query statistics held as columns (what the scores are computed from, without per-query objects).

    Indexing gives :class:`CVTAQueryStat`; the bootstrap resamples queries with :meth:`take`.

    Attributes:
        pair_names: the distinct directed pairs; ``codes`` index into it.
        codes: int64 ``[n]``, the pair of each query.
        evaluated: bool ``[n]``.
        ranks: int64 ``[n]``, 1-based rank where evaluated, 0 elsewhere.
    """

    def __init__(
        self, pair_names: Sequence[str], codes: np.ndarray, evaluated: np.ndarray, ranks: np.ndarray
    ) -> None:
        self.pair_names = list(pair_names)
        self.codes = codes
        self.evaluated = evaluated
        self.ranks = ranks

    @classmethod
    def from_stats(cls, stats: Sequence[CVTAQueryStat]) -> CVTAStats:
        """Columns from a sequence of :class:`CVTAQueryStat` (e.g. a bootstrap resample)."""
        if isinstance(stats, CVTAStats):
            return stats
        index: dict[str, int] = {}
        codes = np.fromiter((index.setdefault(s.pair, len(index)) for s in stats), np.int64, len(stats))
        evaluated = np.fromiter((bool(s.evaluated) for s in stats), bool, len(stats))
        ranks = np.fromiter((s.rank for s in stats), np.int64, len(stats))
        return cls(list(index), codes, evaluated, ranks)

    def __len__(self) -> int:
        return int(self.codes.shape[0])

    def row(self, i: int) -> CVTAQueryStat:
        """Query ``i`` as a :class:`CVTAQueryStat`."""
        return CVTAQueryStat(self.pair_names[self.codes[i]], bool(self.evaluated[i]), int(self.ranks[i]))

    def take(self, indices: np.ndarray) -> CVTAStats:
        """The queries at ``indices`` (repeats allowed, as a bootstrap resample draws them)."""
        return CVTAStats(self.pair_names, self.codes[indices], self.evaluated[indices], self.ranks[indices])


def _pair_name(value: Any, query_id: Hashable) -> str:
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return f"{value[0]}->{value[1]}"
    if isinstance(value, str) and value:
        return value
    raise InputValidationError(
        f"Expected the `pairs` entry for query {query_id!r} to be a non-empty string like 'front->left' "
        f"or a (source, target) tuple, but got {value!r}."
    )


def _pair_codes(pairs: Sequence[Any], query_ids: Sequence[Hashable]) -> tuple[list[str], np.ndarray]:
    """(distinct pair names, int64 code of each query): one dict pass, each distinct value checked once."""
    n = len(pairs)
    try:
        index = {value: code for code, value in enumerate(dict.fromkeys(pairs))}
    except TypeError:  # an unhashable entry (e.g. a list pair): name each query, then code the names
        names = [_pair_name(p, q) for p, q in zip(pairs, query_ids, strict=True)]
        return _pair_codes(names, query_ids)
    raw = np.asarray(list(map(index.__getitem__, pairs)), dtype=np.int64)
    firsts = np.zeros(len(index), dtype=np.int64)
    firsts[raw[::-1]] = np.arange(n - 1, -1, -1)  # first query of each distinct value
    names = {}
    remap = np.empty(len(index), dtype=np.int64)
    for value, code in index.items():
        name = _pair_name(value, query_ids[int(firsts[code])])  # raises naming the first bad query
        remap[code] = names.setdefault(name, len(names))
    return list(names), remap[raw] if n else raw


def _evaluable_mask(evaluable: Sequence[Any] | None, n: int, query_ids: Sequence[Hashable]) -> np.ndarray:
    if evaluable is None:
        return np.ones(n, dtype=bool)
    done = np.asarray(evaluable)
    if n and done.dtype != bool:
        bad = next(i for i, f in enumerate(evaluable) if not isinstance(f, (bool, np.bool_)))
        raise InputValidationError(
            f"Expected `evaluable` for query {query_ids[bad]!r} to be a bool, but got {evaluable[bad]!r}."
        )
    return done.reshape(n)


def _cv_ta_update(
    predictions: Sequence[Any],
    references: Sequence[Any] | None,
    pairs: Sequence[Any],
    evaluable: Sequence[Any] | None,
    query_ids: Sequence[Hashable],
    input_type: str = "similarities",
) -> CVTAStats:
    """Turn a batch of candidate queries into :class:`CVTAStats` (checks and ranks vectorised over the batch).

    Args:
        predictions: per query a similarity vector over its gallery (``input_type="similarities"``) or a
            1-based rank (``"ranks"``); ignored (may be None) where ``evaluable`` is False.
        references: per query the index of the positive in its similarity vector (unused for ranks).
        pairs: per query its directed view pair.
        evaluable: per query whether it has a visible positive; None means all are evaluable.
        query_ids: ids used in error messages.
        input_type: ``"similarities"`` or ``"ranks"``.
    """
    n = len(predictions)
    names, codes = _pair_codes(pairs, query_ids)
    done = _evaluable_mask(evaluable, n, query_ids)
    every = bool(done.all())
    where = np.flatnonzero(done)
    ranks = np.zeros(n, dtype=np.int64)
    if where.size == 0:
        return CVTAStats(names, codes, done, ranks)
    rows = list(predictions) if every else [predictions[i] for i in where.tolist()]
    ids = query_ids if every else [query_ids[i] for i in where.tolist()]
    if input_type == "ranks":
        if any(r is None for r in rows):
            _raise_missing(rows, ids)
        ranks[where] = _as_int_array(rows, "predictions", ids, 1)
    else:
        if references is None:
            if any(r is None for r in rows):
                _raise_missing(rows, ids)
            raise InputValidationError(
                "Expected `references` (positive indices) with similarity predictions."
            )
        refs = list(references) if every else [references[i] for i in where.tolist()]
        ranks[where] = _similarity_ranks(rows, refs, ids)
    return CVTAStats(names, codes, done, ranks)


def _raise_missing(rows: Sequence[Any], ids: Sequence[Hashable]) -> None:
    j = next(i for i, r in enumerate(rows) if r is None)
    raise InputValidationError(
        f"Expected a prediction for evaluable query {ids[j]!r}, but got None "
        "(mark queries without a visible positive with `evaluable=False`)."
    )


def _as_int_array(values: list[Any], name: str, ids: list[Hashable], minimum: int) -> np.ndarray:
    """Integers ``>= minimum`` as an int64 array; on any problem, the per-item check names the query."""
    try:
        arr = np.asarray(values) if values else np.zeros(0, dtype=np.int64)
    except (TypeError, ValueError):
        arr = np.zeros(0, dtype=object)
    if arr.ndim == 1 and arr.dtype.kind in "iu" and (arr.size == 0 or arr.min() >= minimum):
        return arr.astype(np.int64, copy=False)
    return np.asarray([as_int(v, name, q, minimum) for v, q in zip(values, ids, strict=True)], dtype=np.int64)


def _gallery_lengths(rows: list[Any]) -> np.ndarray | None:
    """Length of every row, or None when some row has no length (None, a number ...)."""
    try:
        return np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    except TypeError:
        return None


def _concat_scores(rows: list[Any], expected: int) -> np.ndarray | None:
    """The rows laid end to end as float64, or None unless every row is a flat vector of real numbers."""
    try:
        flat = np.concatenate(rows)
    except (TypeError, ValueError):
        return None
    if flat.ndim != 1 or flat.shape[0] != expected or flat.dtype.kind not in "fiu":
        return None
    if converted_bool(flat, rows):  # [True, 0.5] is float64: the per-query check names the query
        return None
    return flat.astype(np.float64, copy=False)


def _clean_rows(rows: list[Any], ids: list[Hashable]) -> list[np.ndarray]:
    """The per-query checks, run only when a vectorised check failed: raises naming the first bad query."""
    out = []
    for r, q in zip(rows, ids, strict=True):
        if r is None:
            _raise_missing([r], [q])
        arr = as_score_vector(r, "predictions", q)
        if arr.size == 0:
            raise InputValidationError(
                f"Expected a non-empty gallery for evaluable query {q!r}, but got 0 items."
            )
        out.append(arr)
    return out


def _similarity_ranks(rows: list[Any], refs: list[Any], ids: list[Hashable]) -> np.ndarray:
    """Validated optimistic ranks of all queries at once, on the concatenation of their galleries.

    ``rank = 1 + #{sims > sims[positive]}`` per query. The rows are concatenated in chunks of about
    ``_CELLS`` cells and ranked by :func:`proceval.scores.retrieval.concatenated_ranks`. Every check (flat real vectors, non-empty, finite, positive index in range) is
    vectorised over the chunk; only when one fails do the per-query checks run, to name the query.
    """
    lengths = _gallery_lengths(rows)
    if lengths is None or np.any(lengths == 0):
        rows = _clean_rows(rows, ids)
        lengths = _gallery_lengths(rows)
    positives = _as_int_array(refs, "references", ids, 0)
    if np.any(positives >= lengths):
        j = int(np.flatnonzero(positives >= lengths)[0])
        raise InputValidationError(
            f"Expected the positive index of query {ids[j]!r} to be < its gallery size {lengths[j]}, "
            f"but got {positives[j]}."
        )
    out = np.empty(len(rows), dtype=np.int64)
    ends = np.cumsum(lengths)
    lo = 0
    while lo < len(rows):
        hi = max(lo + 1, int(np.searchsorted(ends, ends[lo] - lengths[lo] + _CELLS, side="right")))
        size = lengths[lo:hi]
        cells = int(ends[hi - 1] - ends[lo] + lengths[lo])
        flat = _concat_scores(rows[lo:hi], cells)
        if flat is None or (not np.isfinite(flat.sum()) and not np.all(np.isfinite(flat))):
            flat = np.concatenate(_clean_rows(rows[lo:hi], ids[lo:hi]))  # raises, naming the query
        out[lo:hi] = concatenated_ranks(flat, size, positives[lo:hi])
        lo = hi
    return out


def _cv_ta_compute(
    stats: Sequence[CVTAQueryStat],
    ks: Sequence[int] = (1, 5),
    median_rank_reduction: str = "median_of_pairs",
) -> dict[str, Any]:
    """Per-pair and overall scores from query statistics (:class:`CVTAStats` or any sequence of stats).

    Degenerate-case policy ("nan"): a pair with no evaluated query has NaN R@k / MedR and is left out of
    the median of medians; with no evaluated query at all every overall score except coverage is NaN;
    with no candidate at all coverage is NaN.
    """
    cols = CVTAStats.from_stats(stats)
    n_codes = len(cols.pair_names)
    cand = np.bincount(cols.codes, minlength=n_codes)
    ev = np.bincount(cols.codes[cols.evaluated], minlength=n_codes)
    order = sorted((name, j) for j, name in enumerate(cols.pair_names) if cand[j] > 0)
    pairs = [name for name, _ in order]
    per_pair = {
        name: rank_summary(cols.ranks[cols.evaluated & (cols.codes == j)], ks)
        if ev[j]
        else rank_summary(_NONE, ks)
        for name, j in order
    }
    n_eval = {name: int(ev[j]) for name, j in order}
    n_cand = {name: int(cand[j]) for name, j in order}
    ranks = cols.ranks[cols.evaluated]
    out: dict[str, Any] = {}
    pooled = rank_summary(ranks, ks)
    for k in ks:
        out[f"overall_recall_at_{k}"] = pooled[f"recall_at_{k}"]
    pair_medians = [v["median_rank"] for v in per_pair.values() if not np.isnan(v["median_rank"])]
    if median_rank_reduction == "pooled":
        out["overall_median_rank"] = pooled["median_rank"]
    else:
        out["overall_median_rank"] = float(np.median(pair_medians)) if pair_medians else float("nan")
    n_candidates = len(cols)
    n_evaluated = int(ranks.size)
    out["overall_coverage"] = n_evaluated / n_candidates if n_candidates else float("nan")
    out["num_candidate_queries"] = n_candidates
    out["num_evaluated_queries"] = n_evaluated
    out["num_pairs"] = len(pairs)
    for k in ks:
        out[f"per_pair_recall_at_{k}"] = {p: per_pair[p][f"recall_at_{k}"] for p in pairs}
    out["per_pair_median_rank"] = {p: per_pair[p]["median_rank"] for p in pairs}
    out["per_pair_coverage"] = {p: n_eval[p] / n_cand[p] for p in pairs}
    out["per_pair_num_evaluated_queries"] = n_eval
    out["per_pair_num_candidate_queries"] = n_cand
    return out


def cv_ta_stats_scores(
    stats: Sequence[CVTAQueryStat],
    options: CvTaOptions,
    uncertainty: Uncertainty,
    *,
    paired_stats: Sequence[CVTAQueryStat] | None = None,
    signature_extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """CV-TA scores of per-query statistics, with ``ci`` / ``paired`` and the signature.

    The entry point for callers that rank queries themselves (e.g. a benchmark's protocol from embeddings).

    Args:
        stats: per candidate query its pair, whether it is evaluated, and its rank (:class:`CVTAStats`).
        options: the scoring options (``input_type`` is only recorded in the signature).
        uncertainty: bootstrap / paired-comparison options; ``paired`` must say whether ``paired_stats`` is
            given.
        paired_stats: a second system's statistics on the same queries, for ``paired``.
        signature_extra: further ``{abbreviation: value}`` pairs that changed the number (e.g. the protocol),
            written after the options.

    Returns:
        As :func:`cv_ta_scores`.
    """

    def compute(units: Sequence[CVTAQueryStat]) -> dict[str, Any]:
        return _cv_ta_compute(units, options.ks, options.median_rank_reduction)

    result = with_uncertainty(
        compute(stats), stats, compute, uncertainty=uncertainty, paired_units=paired_stats
    )
    extra = {**dict(signature_extra or {}), **SIGNATURE_CONSTANTS}
    result["signature"] = score_signature("cv_ta", options, uncertainty, extra)
    return result


def cv_ta_scores(
    predictions: Sequence[Any] | Mapping[Hashable, Any],
    references: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    pairs: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    *,
    evaluable: Sequence[bool] | Mapping[Hashable, bool] | None = None,
    ids: Sequence[Hashable] | None = None,
    input_type: InputType = "similarities",
    ks: Sequence[int] = DEFAULT_KS,
    median_rank_reduction: MedianRankReduction = "median_of_pairs",
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | Mapping[Hashable, Any] | None = None,
) -> dict[str, Any]:
    """CV-TA Recall@k, Median Rank and Coverage over candidate queries grouped by directed view pair.

    Args:
        predictions: one entry per candidate query (sequence, or mapping keyed by query id): its cosine
            similarities to every gallery segment (1-D array, ``input_type="similarities"``) or its
            1-based rank (``"ranks"``). Ignored (may be None) for queries with ``evaluable=False``.
        references: per query the 0-based index of the positive in its similarity vector (not needed
            for ranks).
        pairs: per query its directed view pair, ``"front->left"`` or ``("front", "left")``. Mandatory.
        evaluable: per candidate query whether a visible positive exists (False = counted in Coverage's
            denominator only). Default: every query is evaluable.
        ids: query ids of sequence inputs, for error messages.
        input_type: ``"similarities"`` (default) or ``"ranks"``.
        ks: recall cut-offs; the official ones are (1, 5).
        median_rank_reduction: ``"median_of_pairs"`` (official default) or ``"pooled"``.
        bootstrap: number of query resamples for percentile CIs (0 = none).
        confidence: CI coverage.
        seed: resampling seed.
        paired_predictions: a second system's predictions on the same queries, for a paired bootstrap.

    Returns:
        ``overall_recall_at_{k}`` (fraction, higher is better), ``overall_median_rank`` (rank >= 1, lower is
        better), ``overall_coverage`` (fraction), ``num_candidate_queries``, ``num_evaluated_queries``,
        ``num_pairs``, ``per_pair_recall_at_{k}`` / ``per_pair_median_rank`` / ``per_pair_coverage`` /
        ``per_pair_num_evaluated_queries`` / ``per_pair_num_candidate_queries`` (dicts keyed by pair),
        ``signature``; plus ``ci`` / ``ci_level`` / ``paired`` when asked. Undefined values (no evaluated
        query) are NaN.

    Raises:
        InputValidationError: missing pairs, NaN similarities, positive index out of range, a rank < 1,
            misaligned or mismatched ids, bad options (naming the argument).

    Example:
        >>> r = cv_ta_scores([[0.9, 0.1, 0.5], [0.2, 0.8], None], [0, 0, None], ["front->left"] * 3,
        ...                  evaluable=[True, True, False])
        >>> r["overall_recall_at_1"], r["overall_median_rank"], round(r["overall_coverage"], 4)
        (0.5, 1.5, 0.6667)
    """
    options = CvTaOptions(input_type=input_type, ks=ks, median_rank_reduction=median_rank_reduction)
    uncertainty = Uncertainty(bootstrap, confidence, seed, paired=paired_predictions is not None)
    if pairs is None:
        raise InputValidationError("Expected `pairs` (the directed view pair of every query), but got None.")
    ids, preds, other = align_query_inputs(
        predictions,
        {
            "references": references,
            "pairs": pairs,
            "evaluable": evaluable,
            "paired_predictions": paired_predictions,
        },
        ids,
    )

    def stats_of(values: list[Any]) -> CVTAStats:
        return _cv_ta_update(
            values, other["references"], other["pairs"], other["evaluable"], ids, options.input_type
        )

    paired = other["paired_predictions"]
    return cv_ta_stats_scores(
        stats_of(preds),
        options,
        uncertainty,
        paired_stats=None if paired is None else stats_of(paired),
    )


__all__ = [
    "DEFAULT_KS",
    "SIGNATURE_CONSTANTS",
    "CVTAQueryStat",
    "CVTAStats",
    "CvTaOptions",
    "cv_ta_scores",
    "cv_ta_stats_scores",
]
