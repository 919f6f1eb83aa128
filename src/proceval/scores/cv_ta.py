"""CV-TA (IMPACT cross-view temporal alignment): Recall@k, Median Rank and Coverage.

Every *candidate* query is one non-null source-view segment of a directed view pair (``"front->left"``).
A candidate is *evaluated* when its positive target segment exists and is visible; its rank is
``1 + #{gallery similarities strictly greater than the positive's}`` (optimistic ties). Per directed pair:
``R@k = mean(rank <= k)`` and ``MedR = median(rank)``; ``coverage = evaluated / candidates``. Overall:
``R@k`` is the pooled mean over evaluated queries (= the query-weighted mean of the pairs), ``MedR`` is
the **median of the per-pair medians** (official ``cv_ta_retrieval.py``; ``median_rank_reduction="pooled"``
gives the pooled median instead), coverage is ``sum(evaluated) / sum(candidates)``.

The protocol (which queries, galleries and positives) is built by :mod:`proceval.protocols.cv`.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any, Literal, NamedTuple

import numpy as np

from proceval.errors import InputValidationError
from proceval.scores._checks import check_choice
from proceval.scores._ranking import (
    align_query_inputs,
    as_int,
    as_score_vector,
)
from proceval.scores.bootstrap import with_uncertainty
from proceval.scores.signature import make_signature

CV_TA_INPUT_TYPES: tuple[str, ...] = ("similarities", "ranks")
CV_TA_MEDIAN_RANK_REDUCTIONS: tuple[str, ...] = ("median_of_pairs", "pooled")
InputType = Literal["similarities", "ranks"]
MedianRankReduction = Literal["median_of_pairs", "pooled"]
_CELLS = 1 << 18  # gallery cells per ranking chunk (2 MB of float64)
_F64 = np.dtype(np.float64)
_ABBREV = {"input_type": "in", "ks": "k", "median_rank_reduction": "medr", "ties": "ties"}


class CVTAQueryStat(NamedTuple):
    """Statistics of one candidate query: directed pair, whether evaluated, rank (0 if not evaluated)."""

    pair: str
    evaluated: bool
    rank: int


def _pair_name(value: Any, query_id: Hashable) -> str:
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return f"{value[0]}->{value[1]}"
    if isinstance(value, str) and value:
        return value
    raise InputValidationError(
        f"Expected the `pairs` entry for query {query_id!r} to be a non-empty string like 'front->left' "
        f"or a (source, target) tuple, but got {value!r}."
    )


def _cv_ta_arg_validation(input_type: str, ks: Sequence[int], median_rank_reduction: str) -> None:
    """Check the options (shared by :func:`cv_ta` and the evaluate module)."""
    check_choice("input_type", input_type, CV_TA_INPUT_TYPES)
    check_choice("median_rank_reduction", median_rank_reduction, CV_TA_MEDIAN_RANK_REDUCTIONS)
    ks = list(ks)
    if not ks or any(isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1 for k in ks):
        raise InputValidationError(f"Expected argument `ks` to be positive integers, but got {ks!r}.")


def _cv_ta_update(
    predictions: Sequence[Any],
    references: Sequence[Any] | None,
    pairs: Sequence[Any],
    evaluable: Sequence[Any] | None,
    query_ids: Sequence[Hashable],
    input_type: str = "similarities",
) -> list[CVTAQueryStat]:
    """Turn a batch of candidate queries into :class:`CVTAQueryStat` (ranks vectorised over the batch).

    Args:
        predictions: per query a similarity vector over its gallery (``input_type="similarities"``) or a
            1-based rank (``"ranks"``); ignored (may be None) where ``evaluable`` is False.
        references: per query the index of the positive in its similarity vector (unused for ranks).
        pairs: per query its directed view pair.
        evaluable: per query whether it has a visible positive; None means all are evaluable.
        query_ids: ids used in error messages.
        input_type: one of :data:`CV_TA_INPUT_TYPES`.
    """
    n = len(predictions)
    names = [p if type(p) is str and p else _pair_name(p, q) for p, q in zip(pairs, query_ids, strict=True)]
    if evaluable is None:
        done = np.ones(n, dtype=bool)
    else:
        done = np.asarray(evaluable)
        if n and done.dtype != bool:
            bad = next(i for i, f in enumerate(evaluable) if not isinstance(f, (bool, np.bool_)))
            raise InputValidationError(
                f"Expected `evaluable` for query {query_ids[bad]!r} to be a bool, but got {evaluable[bad]!r}."
            )
        done = done.reshape(n)
    where = np.flatnonzero(done)
    missing = [i for i in where.tolist() if predictions[i] is None]
    if missing:
        raise InputValidationError(
            f"Expected a prediction for evaluable query {query_ids[missing[0]]!r}, but got None "
            "(mark queries without a visible positive with `evaluable=False`)."
        )
    ranks = np.zeros(n, dtype=np.int64)
    if input_type == "ranks":
        ranks[where] = _as_int_array(
            [predictions[i] for i in where], "predictions", [query_ids[i] for i in where], 1
        )
    elif where.size:
        if references is None:
            raise InputValidationError(
                "Expected `references` (positive indices) with similarity predictions."
            )
        ranks[where] = _similarity_ranks(
            [predictions[i] for i in where], [references[i] for i in where], [query_ids[i] for i in where]
        )
    return list(map(CVTAQueryStat, names, done.tolist(), ranks.tolist()))


def _as_int_array(values: list[Any], name: str, ids: list[Hashable], minimum: int) -> np.ndarray:
    """Integers ``>= minimum`` as an int64 array; on any problem, the per-item check names the query."""
    arr = np.asarray(values) if values else np.zeros(0, dtype=np.int64)
    if arr.ndim == 1 and arr.dtype.kind in "iu" and (arr.size == 0 or arr.min() >= minimum):
        return arr.astype(np.int64, copy=False)
    return np.asarray([as_int(v, name, q, minimum) for v, q in zip(values, ids, strict=True)], dtype=np.int64)


def _similarity_ranks(rows: list[Any], refs: list[Any], ids: list[Hashable]) -> np.ndarray:
    """Validated optimistic ranks of all queries at once, on the concatenation of their galleries.

    ``rank = 1 + #{sims > sims[positive]}`` per query: one comparison against each query's positive
    score repeated over its gallery, then a segment sum (``np.add.reduceat``). No padding, no per-query
    numpy call; checks are vectorised too and only the error path goes back to the per-query message.
    """
    vectors = [
        r
        if type(r) is np.ndarray and r.ndim == 1 and r.dtype is _F64
        else as_score_vector(r, "predictions", q, check_finite=False)
        for r, q in zip(rows, ids, strict=True)
    ]
    lengths = np.fromiter(map(len, vectors), dtype=np.int64, count=len(vectors))
    if np.any(lengths == 0):
        j = int(np.flatnonzero(lengths == 0)[0])
        raise InputValidationError(
            f"Expected a non-empty gallery for evaluable query {ids[j]!r}, but got 0 items."
        )
    positives = _as_int_array(refs, "references", ids, 0)
    if np.any(positives >= lengths):
        j = int(np.flatnonzero(positives >= lengths)[0])
        raise InputValidationError(
            f"Expected the positive index of query {ids[j]!r} to be < its gallery size {lengths[j]}, "
            f"but got {positives[j]}."
        )
    out = np.empty(len(vectors), dtype=np.int64)
    ends = np.cumsum(lengths)
    lo = 0
    while lo < len(vectors):  # chunks of about _CELLS cells stay in cache and reuse memory
        hi = max(lo + 1, int(np.searchsorted(ends, ends[lo] - lengths[lo] + _CELLS, side="right")))
        starts = np.concatenate(([0], np.cumsum(lengths[lo:hi])[:-1]))
        flat = np.concatenate(vectors[lo:hi])
        if not np.isfinite(flat.sum()) and not np.all(np.isfinite(flat)):
            j = lo + int(np.searchsorted(starts, np.flatnonzero(~np.isfinite(flat))[0], side="right") - 1)
            as_score_vector(vectors[j], "predictions", ids[j])  # raises, naming the query
        greater = flat > np.repeat(flat[starts + positives[lo:hi]], lengths[lo:hi])
        out[lo:hi] = np.add.reduceat(greater, starts, dtype=np.int64) + 1
        lo = hi
    return out


def _summary(ranks: np.ndarray, ks: Sequence[int]) -> dict[str, float]:
    if ranks.size == 0:
        out = {f"recall_at_{k}": float("nan") for k in ks}
        out["median_rank"] = float("nan")
        return out
    out = {f"recall_at_{k}": float(np.mean(ranks <= k)) for k in ks}
    out["median_rank"] = float(np.median(ranks))
    return out


def _cv_ta_compute(
    stats: Sequence[CVTAQueryStat],
    ks: Sequence[int] = (1, 5),
    median_rank_reduction: str = "median_of_pairs",
) -> dict[str, Any]:
    """Per-pair and overall scores from query statistics.

    Degenerate-case policy ("nan"): a pair with no evaluated query has NaN R@k / MedR and is left out of
    the median of medians; with no evaluated query at all every overall score except coverage is NaN;
    with no candidate at all coverage is NaN.
    """
    grouped: dict[str, list[int]] = {}
    candidates: dict[str, int] = {}
    for pair, ok, rank in stats:
        candidates[pair] = candidates.get(pair, 0) + 1
        if ok:
            grouped.setdefault(pair, []).append(rank)
    pairs = sorted(candidates)
    per_pair = {p: _summary(np.asarray(grouped.get(p, []), dtype=np.int64), ks) for p in pairs}
    n_eval = {p: len(grouped.get(p, [])) for p in pairs}
    n_cand = {p: candidates[p] for p in pairs}
    ranks = np.asarray([r for rs in grouped.values() for r in rs], dtype=np.int64)
    out: dict[str, Any] = {}
    pooled = _summary(ranks, ks)
    for k in ks:
        out[f"overall_recall_at_{k}"] = pooled[f"recall_at_{k}"]
    pair_medians = [v["median_rank"] for v in per_pair.values() if not np.isnan(v["median_rank"])]
    if median_rank_reduction == "pooled":
        out["overall_median_rank"] = pooled["median_rank"]
    else:
        out["overall_median_rank"] = float(np.median(pair_medians)) if pair_medians else float("nan")
    n_candidates = len(stats)
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


def _cv_ta_signature(
    input_type: str,
    ks: Sequence[int],
    median_rank_reduction: str,
    extra: Mapping[str, Any] | None,
    bootstrap: int,
    seed: int,
) -> str:
    options: dict[str, Any] = dict(extra or {})
    options.update(
        {
            "input_type": input_type,
            "ks": list(ks),
            "median_rank_reduction": median_rank_reduction,
            "ties": "optimistic",
        }
    )
    if bootstrap:
        options.update({"bs": bootstrap, "rs": seed})
    return make_signature("cv_ta", options, _ABBREV)


def _cv_ta_result(
    stats: list[CVTAQueryStat],
    *,
    ks: Sequence[int],
    median_rank_reduction: str,
    input_type: str,
    bootstrap: int,
    confidence: float,
    seed: int,
    paired_stats: list[CVTAQueryStat] | None,
    signature_extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Compute, attach uncertainty and the signature (shared by :func:`cv_ta` and the protocol helper)."""

    def compute(units: Sequence[CVTAQueryStat]) -> dict[str, Any]:
        return _cv_ta_compute(units, ks, median_rank_reduction)

    result = compute(stats)
    result = with_uncertainty(
        result,
        stats,
        compute,
        bootstrap=bootstrap,
        confidence=confidence,
        seed=seed,
        paired_units=paired_stats,
    )
    result["signature"] = _cv_ta_signature(
        input_type, ks, median_rank_reduction, signature_extra, bootstrap, seed
    )
    return result


def cv_ta(
    predictions: Sequence[Any] | Mapping[Hashable, Any],
    references: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    pairs: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    *,
    evaluable: Sequence[bool] | Mapping[Hashable, bool] | None = None,
    query_ids: Sequence[Hashable] | None = None,
    input_type: InputType = "similarities",
    ks: Sequence[int] = (1, 5),
    median_rank_reduction: MedianRankReduction = "median_of_pairs",
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    validate_args: bool = True,
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
        query_ids: ids for error messages when the inputs are sequences.
        input_type: ``"similarities"`` (default) or ``"ranks"``.
        ks: recall cut-offs; the official ones are (1, 5).
        median_rank_reduction: ``"median_of_pairs"`` (official default) or ``"pooled"``.
        bootstrap: number of query resamples for percentile CIs (0 = none).
        confidence: CI coverage.
        seed: resampling seed.
        paired_predictions: a second system's predictions on the same queries, for a paired bootstrap.
        validate_args: check the options.

    Returns:
        ``overall_recall_at_{k}`` (fraction, higher is better), ``overall_median_rank`` (rank >= 1, lower is
        better), ``overall_coverage`` (fraction), ``num_candidate_queries``, ``num_evaluated_queries``,
        ``num_pairs``, ``per_pair_recall_at_{k}`` / ``per_pair_median_rank`` / ``per_pair_coverage`` /
        ``per_pair_num_evaluated_queries`` / ``per_pair_num_candidate_queries`` (dicts keyed by pair),
        ``signature``; plus ``ci`` / ``paired`` when asked. Undefined values (no evaluated query) are NaN.

    Raises:
        InputValidationError: missing pairs, NaN similarities, positive index out of range, a rank < 1,
            misaligned or mismatched ids, bad options.

    Example:
        >>> r = cv_ta([[0.9, 0.1, 0.5], [0.2, 0.8], None], [0, 0, None], ["front->left"] * 3,
        ...           evaluable=[True, True, False])
        >>> r["overall_recall_at_1"], r["overall_median_rank"], round(r["overall_coverage"], 4)
        (0.5, 1.5, 0.6667)
    """
    if validate_args:
        _cv_ta_arg_validation(input_type, ks, median_rank_reduction)
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
        query_ids,
    )
    stats = _cv_ta_update(preds, other["references"], other["pairs"], other["evaluable"], ids, input_type)
    paired_stats = None
    if other["paired_predictions"] is not None:
        paired_stats = _cv_ta_update(
            other["paired_predictions"],
            other["references"],
            other["pairs"],
            other["evaluable"],
            ids,
            input_type,
        )
    return _cv_ta_result(
        stats,
        ks=list(ks),
        median_rank_reduction=median_rank_reduction,
        input_type=input_type,
        bootstrap=bootstrap,
        confidence=confidence,
        seed=seed,
        paired_stats=paired_stats,
    )
