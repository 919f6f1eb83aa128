"""Guidance quality of correctly timed interrupts: a judge's four ratings on the true positives only.

Decisions are parsed from per-session answer strings exactly as :mod:`proceval.scores.intervention` does.
A *true positive* is a decision point where both the prediction and the gold answer interrupt; only those
are rated (relevance, specificity, actionability, conciseness: :data:`~proceval.scores.pqs.PQS_DIMENSIONS`,
integers 1-5), by supplied ``ratings`` or one ``judge`` call, through the rating step the ``pqs`` score
uses (:func:`proceval.scores.pqs.rate_true_positives`). The numbers are means on the 1-5 scale over the
*judged* true positives (a judge's per-item rating is the mean over its judges)::

    mean_<dimension> = sum of the dimension's ratings / num_judged
    mean_overall     = mean of the four dimension means

A judge reply that is not a rating (unreadable text, a value outside 1-5, a missing dimension) or a failed
call is counted and left out of the means, never scored and never an error. With a rubric judge that
reports its run (a :class:`proceval.judges.JudgeResult` in ``judge.results``, as the Pro2Bench
``GuidanceJudge`` does), the result adds each judge's means (``per_judge``), Krippendorff's alpha
(ordinal) per dimension with two or more judges (``krippendorff_alpha``), and the run's reply counts.
The bootstrap resamples sessions.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from proceval.errors import InputValidationError
from proceval.judges.runner import JudgeResult
from proceval.scores.bootstrap import ColumnStats, with_uncertainty
from proceval.scores.intervention import (
    LengthMismatch,
    SessionAnswers,
    check_tags,
    pair_sessions,
    session_decisions,
)
from proceval.scores.options import ScoreOptions, Uncertainty, opt
from proceval.scores.pqs import (
    PQS_DIMENSIONS,
    JudgeFn,
    RatedTruePositives,
    rate_true_positives,
    rating_source_items,
    session_contexts,
)
from proceval.scores.signature import score_signature

__all__ = ["GuidanceJudgeOptions", "guidance_judge_scores"]

_N_DIMS = len(PQS_DIMENSIONS)


@dataclass(frozen=True)
class GuidanceJudgeOptions(ScoreOptions):
    """Every option that changes a guidance-judge number (the judge itself is signed apart)."""

    score_name: ClassVar[str] = "guidance_judge"
    length_mismatch: LengthMismatch = opt("error", "len")


class _GuidanceUnits(ColumnStats[tuple[float, ...]]):
    """Per session: ``true positives, judged true positives, sums of the four ratings``."""

    def __init__(self, stats: np.ndarray) -> None:
        self.stats = stats

    def __len__(self) -> int:
        return len(self.stats)

    def row(self, i: int) -> tuple[float, ...]:
        """Session ``i``'s statistics."""
        return tuple(float(v) for v in self.stats[i])

    def take(self, indices: np.ndarray) -> _GuidanceUnits:
        """The sessions at ``indices``."""
        return _GuidanceUnits(self.stats[indices])


def _means(total: np.ndarray) -> dict[str, float]:
    judged = float(total[1])
    out = {
        f"mean_{d}": float(total[2 + k]) / judged if judged else math.nan
        for k, d in enumerate(PQS_DIMENSIONS)
    }
    out["mean_overall"] = float(total[2:].sum()) / (_N_DIMS * judged) if judged else math.nan
    return out


def _guidance_judge_compute(units: _GuidanceUnits) -> dict[str, float]:
    return _means(units.stats.sum(axis=0))


def _summary(total: np.ndarray) -> dict[str, Any]:
    out: dict[str, Any] = _means(total)
    out["num_true_positives"] = int(total[0])
    out["num_judged"] = int(total[1])
    return out


def _group_by(names: list[str], stats: np.ndarray) -> dict[str, dict[str, Any]]:
    groups: dict[str, np.ndarray] = {}
    for name, row in zip(names, stats, strict=True):
        groups[name] = groups[name] + row if name in groups else row.copy()
    return {name: _summary(groups[name]) for name in sorted(groups)}


def _guidance_judge_update(n_sessions: int, rated: RatedTruePositives) -> np.ndarray:
    """Per-session statistics (see :class:`_GuidanceUnits`) of one system's rated true positives."""
    stats = np.zeros((n_sessions, 2 + _N_DIMS), dtype=np.float64)
    for (i, _), parsed in zip(rated.positions, rated.ratings, strict=True):
        stats[i, 0] += 1
        if parsed is not None:
            stats[i, 1] += 1
            stats[i, 2:] += parsed
    return stats


def _reply_counts(rated: RatedTruePositives, run: JudgeResult | None) -> dict[str, int]:
    """``num_unparseable`` / ``num_failed`` / ``num_cached``: the judge run's, else from the raw replies."""
    if run is not None:
        return {k: int(run.counts[k]) for k in ("num_unparseable", "num_failed", "num_cached")}
    failed = unparseable = 0
    for reply, parsed in zip(rated.replies or [], rated.ratings, strict=False):
        if parsed is None:
            if reply is None or isinstance(reply, BaseException):
                failed += 1
            else:
                unparseable += 1
    return {"num_unparseable": unparseable, "num_failed": failed, "num_cached": 0}


def _per_judge(run: JudgeResult | None) -> tuple[dict[str, dict[str, Any]], dict[str, float | None]]:
    """Each judge's means and counts, and Krippendorff's alpha per dimension (two or more judges)."""
    if run is None:
        return {}, {}
    per_judge: dict[str, dict[str, Any]] = {}
    for label in run.judges:
        means = run.per_judge_mean[label]
        entry: dict[str, Any] = {
            f"mean_{d}": math.nan if means.get(d) is None else float(means[d]) for d in PQS_DIMENSIONS
        }
        values = [entry[f"mean_{d}"] for d in PQS_DIMENSIONS]
        entry["mean_overall"] = math.fsum(values) / _N_DIMS
        counts = run.per_judge_counts[label]
        entry.update(
            {k: int(counts[k]) for k in ("num_judged", "num_unparseable", "num_failed", "num_cached")}
        )
        per_judge[label] = entry
    alpha = {d: run.agreement[d] for d in PQS_DIMENSIONS if d in run.agreement} if len(run.judges) > 1 else {}
    return per_judge, alpha


def guidance_judge_scores(
    predictions: Sequence[Any] | Mapping[Hashable, Any],
    references: Sequence[Any] | Mapping[Hashable, Any],
    *,
    interrupt_tag: str,
    silent_tag: str,
    ratings: Any = None,
    judge: JudgeFn | None = None,
    contexts: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    tasks: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    domains: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    length_mismatch: LengthMismatch = "error",
    ids: Sequence[Hashable] | None = None,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    paired_ratings: Any = None,
) -> dict[str, Any]:
    """Mean judge ratings (1-5) of the true-positive interrupts of per-session answers.

    Args:
        predictions: per session, one answer string per decision point (list aligned with ``references``
            or mapping keyed by session id).
        references: per session, the gold answer strings; same container kind.
        interrupt_tag: the prefix that marks an interrupt (after ``lstrip``).
        silent_tag: the prefix of a well-formed silent answer.
        ratings: supplied ratings of the true positives, as for :func:`proceval.scores.pqs.pqs_scores`
            (a missing or invalid supplied rating is an error).
        judge: instead of ``ratings``, a callable given the true positives (a list of
            :class:`~proceval.scores.pqs.JudgeItem`, one call) returning one reply per item; a reply
            that is not a rating is counted and left out.
        contexts: per session, the task context a judge sees.
        tasks: per session, its task name (``per_task``); None: ``per_task`` is ``{}``.
        domains: per session, its domain name (``per_domain``), like ``tasks``.
        length_mismatch: ``"error"`` (default) or ``"truncate"`` (the official challenge scorer's rule).
        ids: ids of list inputs (default ``"#0"``, ``"#1"``, ...).
        bootstrap: session resamples for percentile intervals (0 = none).
        confidence: interval coverage.
        seed: bootstrap seed.
        paired_predictions: a second system's answers, for a paired comparison (rated by the same judge).
        paired_ratings: the second system's ratings (with ``ratings``).

    Returns:
        ``mean_relevance``, ``mean_specificity``, ``mean_actionability``, ``mean_conciseness`` and
        ``mean_overall`` (1-5, higher is better; NaN when nothing was judged); ``num_true_positives``,
        ``num_judged`` (true positives with a rating), ``num_unparseable``, ``num_failed``, ``num_cached``
        (a rubric judge's reply counts, summed over its judges; for a plain callable, replies that are not
        ratings and ``None`` / exception replies; ``num_cached`` 0), ``num_unused_ratings``,
        ``num_sessions``; ``per_judge`` (``{model@revision: means and counts}``, a rubric judge only),
        ``krippendorff_alpha`` (``{dimension: alpha}``, ordinal, two or more judges; None where undefined);
        ``per_task``, ``per_domain``, ``per_session``; ``signature``; ``ci`` / ``paired`` when asked for.

    Raises:
        InputValidationError: both ``ratings`` and ``judge``, or neither with a true positive; a missing or
            invalid supplied rating; and every input error of
            :func:`~proceval.scores.intervention.intervention_scores`.

    Example:
        >>> preds = [["$interrupt$ Add salt.", "$silent$", "$interrupt$ Stir.", "$interrupt$ Wait."]]
        >>> refs = [["$interrupt$ Add the salt.", "$silent$", "$interrupt$ Stir it.", "$silent$"]]
        >>> out = guidance_judge_scores(preds, refs, interrupt_tag="$interrupt$", silent_tag="$silent$",
        ...                             ratings={("#0", 0): [5, 4, 5, 4], ("#0", 2): [3, 2, 3, 4]})
        >>> out["mean_relevance"], out["mean_specificity"], out["mean_overall"], out["num_true_positives"]
        (4.0, 3.0, 3.75, 2)
    """
    options = GuidanceJudgeOptions(length_mismatch=length_mismatch)
    uncertainty = Uncertainty(bootstrap, confidence, seed, paired=paired_predictions is not None)
    tags = check_tags(interrupt_tag, silent_tag)
    if ratings is not None and judge is not None:
        raise InputValidationError("Expected either `ratings` or `judge`, but got both.")
    if judge is not None and not callable(judge):
        raise InputValidationError(
            f"Expected argument `judge` to be callable, but got {type(judge).__name__}."
        )
    if paired_ratings is not None and paired_predictions is None:
        raise InputValidationError("Expected `paired_ratings` only with `paired_predictions`.")
    sessions = pair_sessions(predictions, references, ids=ids, tasks=tasks, domains=domains)
    context_list = session_contexts(contexts, sessions)

    def update(
        preds: Any, given: Any, what: str
    ) -> tuple[np.ndarray, RatedTruePositives, JudgeResult | None]:
        pairs: list[SessionAnswers] = (
            sessions if preds is predictions else pair_sessions(preds, references, ids=ids)
        )
        decisions = [
            session_decisions(
                s,
                interrupt_tag=tags[0],
                silent_tag=tags[1],
                length_mismatch=options.length_mismatch,
                what=what,
            )
            for s in pairs
        ]
        runs = getattr(judge, "results", None)
        before = len(runs) if isinstance(runs, list) else 0
        rated = rate_true_positives(
            pairs, decisions, ratings=given, judge=judge, contexts=context_list, tags=tags, what=what
        )
        new = runs[before:] if isinstance(runs, list) else []
        run = new[-1] if len(new) == 1 and isinstance(new[-1], JudgeResult) else None
        return _guidance_judge_update(len(pairs), rated), rated, run

    stats, rated, run = update(predictions, ratings, "predictions")
    result: dict[str, Any] = _summary(stats.sum(axis=0))
    result.update(_reply_counts(rated, run))
    result["num_unused_ratings"] = rated.counters["num_unused_ratings"]
    result["num_sessions"] = len(sessions)
    result["per_judge"], result["krippendorff_alpha"] = _per_judge(run)
    result["per_task"] = _group_by([s.task for s in sessions], stats) if tasks is not None else {}
    result["per_domain"] = _group_by([s.domain for s in sessions], stats) if domains is not None else {}
    result["per_session"] = {s.id: _summary(row) for s, row in zip(sessions, stats, strict=True)}
    paired_units = None
    if paired_predictions is not None:
        paired_units = _GuidanceUnits(update(paired_predictions, paired_ratings, "paired_predictions")[0])
    if uncertainty.active and not len(sessions):
        raise InputValidationError("Expected at least one session to bootstrap, but got none.")
    result = with_uncertainty(
        result,
        _GuidanceUnits(stats),
        _guidance_judge_compute,
        uncertainty=uncertainty,
        paired_units=paired_units,
    )
    result["signature"] = score_signature(
        "guidance_judge", options, uncertainty, extra={"tags": tags, **rating_source_items(judge, ratings)}
    )
    return result
