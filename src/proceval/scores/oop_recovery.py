"""Out-of-plan (OOP) deviations: detection recall with an onset tolerance, and recovery quality.

A session has decision points (chunks ``[start_s, end_s]`` in seconds, the decision made at ``end_s``
after watching the chunk) with one predicted answer each, and zero or more annotated deviations, each
with an onset time ``onset_s`` (seconds; the first frame where the error is visible) and optionally the
gold recovery utterance and a deviation type. Decisions are parsed as in
:mod:`proceval.scores.intervention` (an answer interrupts iff it starts with ``interrupt_tag`` after
``lstrip``).

**Matching rule** (the paper gives a +/-2 s tolerance but not the rule; ``matching=``):

* ``"decision_time"`` (default): a decision point is *timely* for a deviation iff its decision time
  ``end_s`` lies in ``[onset_s - tol, onset_s + tol]`` (closed), i.e. the system speaks up within
  ``tol`` seconds of the onset;
* ``"chunk_overlap"``: iff its chunk ``[start_s, end_s]`` intersects ``[onset_s - tol, onset_s + tol]``
  (a chunk that shows the onset, or ends at most ``tol`` before it, counts).

A deviation is **detected** iff at least one timely decision point interrupts. Deviations are matched
independently (one interrupt may flag two deviations whose windows both hold it). The detection recall
is ``detected / deviations`` pooled over sessions (NaN when there is no deviation). A deviation with no
timely decision point at all cannot be detected; it stays in the denominator and is counted in
``num_undetectable``.

**Recovery quality**: for each detected deviation, the *recovery utterance* is the text of its earliest
timely interrupt (by ``end_s``, then index). It is rated on the four guidance dimensions (integers 1-5,
as for PQS) against the gold recovery utterance, either by the caller (``ratings=``, keyed by
``(session_id, deviation_index)``) or by a ``judge`` called on the detected deviations only. Recovery
quality is the mean over rated detected deviations of the mean of the four ratings, on the raw 1-5
scale (as the paper reports it; NaN when nothing was rated). Without ``ratings`` and ``judge`` only the
detection numbers are computed. A judge reply that is not a rating is counted in
``num_judge_failures`` and left out of the mean (``judge_failure="skip"``, default) or raises
(``"error"``).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, NamedTuple

import numpy as np

from proceval.errors import InputValidationError
from proceval.scores._checks import format_id, pair_units
from proceval.scores.bootstrap import ColumnStats, with_uncertainty
from proceval.scores.intervention import check_tags, decide
from proceval.scores.options import ScoreOptions, Uncertainty, opt
from proceval.scores.pqs import (
    PQS_DIMENSIONS,
    JudgeFn,
    JudgeItem,
    check_rating,
    judge_reply_rating,
    rating_source_items,
    utterance,
)
from proceval.scores.signature import score_signature

_ECHO_CHARS = 80
"""Characters of a value's ``repr`` that messages echo (:func:`~proceval.scores._checks.format_id`)."""

OopMatching = Literal["decision_time", "chunk_overlap"]
RecoveryJudgeFailure = Literal["skip", "error"]

__all__ = ["OopRecoveryOptions", "oop_recovery_scores"]


@dataclass(frozen=True)
class OopRecoveryOptions(ScoreOptions):
    """Every option that changes an OOP number (see the module docstring)."""

    score_name: ClassVar[str] = "oop_recovery"
    onset_tolerance_s: float = opt(2.0, "tol")
    matching: OopMatching = opt("decision_time", "match")
    judge_failure: RecoveryJudgeFailure = opt("skip", "jfail")

    def check(self) -> None:
        """``onset_tolerance_s`` is a finite number of seconds >= 0."""
        tol = self.onset_tolerance_s
        if (
            isinstance(tol, bool)
            or not isinstance(tol, (int, float, np.integer, np.floating))
            or not math.isfinite(float(tol))
            or float(tol) < 0
        ):
            raise InputValidationError(
                f"Expected argument `onset_tolerance_s` to be a finite number of seconds >= 0, but got {tol!r}."
            )
        object.__setattr__(self, "onset_tolerance_s", float(tol))


class Deviation(NamedTuple):
    """One annotated deviation: onset (seconds), gold recovery utterance (``""`` if none), type."""

    onset_s: float
    recovery: str
    type: str


def _deviations(value: Any, unit_id: Hashable) -> list[Deviation]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (Sequence, np.ndarray)):
        raise InputValidationError(
            f"Expected the deviations of session {unit_id!r} to be a list, but got {type(value).__name__}."
        )
    out = []
    for k, item in enumerate(value):
        if isinstance(item, Mapping):
            onset, recovery, kind = item.get("onset_s"), item.get("recovery", ""), item.get("type", "")
        else:
            onset, recovery, kind = item, "", ""
        if (
            isinstance(onset, bool)
            or not isinstance(onset, (int, float, np.integer, np.floating))
            or not math.isfinite(float(onset))
        ):
            raise InputValidationError(
                f"Expected deviation {k} of session {unit_id!r} to have a finite `onset_s` in seconds, "
                f"but got {onset!r}."
            )
        if recovery is None:
            recovery = ""
        if not isinstance(recovery, str):
            raise InputValidationError(
                f"Expected the `recovery` of deviation {k} of session {unit_id!r} to be a string, "
                f"but got {type(recovery).__name__}."
            )
        out.append(Deviation(float(onset), recovery, "" if kind is None else str(kind)))
    return out


def _is_real(value: Any) -> bool:
    """A real number (Python or NumPy int / float), never a bool."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def _intervals(value: Any, unit_id: Hashable) -> np.ndarray:
    """A session's decision chunks as an ``(n, 2)`` float array of ``[start_s, end_s]`` (seconds).

    Each chunk must be two finite real numbers with ``start_s <= end_s``: a bool, a string (even ``"1"``),
    ``None`` or a chunk of another length is refused, naming the session and the chunk.
    """
    expected = f"Expected the intervals of session {unit_id!r} to be [start_s, end_s] pairs of finite numbers"
    if isinstance(value, np.ndarray) and value.dtype.kind in "iuf":
        arr = value.astype(np.float64)
        if arr.size == 0:
            arr = arr.reshape(0, 2)
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise InputValidationError(f"{expected} (shape (n, 2)), but got shape {arr.shape}.")
    elif isinstance(value, (list, tuple, np.ndarray)):
        for j, chunk in enumerate(value):
            ok = (
                isinstance(chunk, (list, tuple, np.ndarray))
                and len(chunk) == 2
                and _is_real(chunk[0])
                and _is_real(chunk[1])
            )
            if not ok:
                raise InputValidationError(
                    f"{expected}, but got {format_id(chunk, _ECHO_CHARS)} at interval {j}."
                )
        try:
            arr = np.array([[c[0], c[1]] for c in value], dtype=np.float64).reshape(-1, 2)
        except OverflowError:  # an int beyond the float range
            raise InputValidationError(f"{expected}, but a time is too large for a float.") from None
    else:
        raise InputValidationError(
            f"{expected}, but got {type(value).__name__} {format_id(value, _ECHO_CHARS)}."
        )
    bad = np.flatnonzero(~np.isfinite(arr).all(axis=1) | (arr[:, 1] < arr[:, 0]))
    if bad.size:
        j = int(bad[0])
        raise InputValidationError(
            f"{expected} with start_s <= end_s, but got {arr[j].tolist()} at interval {j}."
        )
    return arr


class _OopUnits(ColumnStats[tuple[float, ...]]):
    """Per session: deviations, detected, sum of mean ratings, rated, sums of the four ratings."""

    def __init__(self, stats: np.ndarray) -> None:
        self.stats = stats

    def __len__(self) -> int:
        return len(self.stats)

    def row(self, i: int) -> tuple[float, ...]:
        """Session ``i``'s statistics."""
        return tuple(float(v) for v in self.stats[i])

    def take(self, indices: np.ndarray) -> _OopUnits:
        """The sessions at ``indices``."""
        return _OopUnits(self.stats[indices])


def _oop_from_sums(total: np.ndarray) -> dict[str, float]:
    n, detected, sum_r, rated = (float(v) for v in total[:4])
    return {
        "oop_detection_recall": detected / n if n else math.nan,
        "recovery_quality": sum_r / rated if rated else math.nan,
    }


def _oop_compute(units: _OopUnits) -> dict[str, float]:
    return _oop_from_sums(units.stats.sum(axis=0))


def _summary(total: np.ndarray) -> dict[str, Any]:
    out: dict[str, Any] = _oop_from_sums(total)
    out["num_oop_instances"] = int(total[0])
    out["num_detected"] = int(total[1])
    rated = float(total[3])
    for k, dim in enumerate(PQS_DIMENSIONS):
        out[f"mean_{dim}"] = float(total[4 + k]) / rated if rated else math.nan
    return out


def _recovery_ratings(ratings: Any, session_ids: list[Hashable]) -> dict[tuple[Hashable, int], Any]:
    if ratings is None:
        return {}
    if not isinstance(ratings, Mapping):
        raise InputValidationError(
            "Expected argument `ratings` to be a mapping {(session_id, deviation_index): rating}, "
            f"but got {type(ratings).__name__}."
        )
    known = set(session_ids)
    for key in ratings:
        if not (isinstance(key, tuple) and len(key) == 2 and key[0] in known):
            raise InputValidationError(
                f"Expected `ratings` keys (session_id, deviation_index) of known sessions, but got {key!r}."
            )
    return dict(ratings)


def _timely(intervals: np.ndarray, onset: float, tol: float, matching: str) -> np.ndarray:
    low, high = onset - tol, onset + tol
    if matching == "decision_time":
        return (intervals[:, 1] >= low) & (intervals[:, 1] <= high)
    return (intervals[:, 0] <= high) & (intervals[:, 1] >= low)


def oop_recovery_scores(
    predictions: Sequence[Any] | Mapping[Hashable, Any],
    references: Sequence[Any] | Mapping[Hashable, Any],
    *,
    intervals: Sequence[Any] | Mapping[Hashable, Any],
    interrupt_tag: str,
    silent_tag: str,
    ratings: Mapping[tuple[Hashable, int], Any] | None = None,
    judge: JudgeFn | None = None,
    contexts: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    onset_tolerance_s: float = 2.0,
    matching: OopMatching = "decision_time",
    judge_failure: RecoveryJudgeFailure = "skip",
    ids: Sequence[Hashable] | None = None,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | Mapping[Hashable, Any] | None = None,
) -> dict[str, Any]:
    """OOP detection recall (onset tolerance) and recovery quality (1-5) of per-session answers.

    Args:
        predictions: per session, one answer string per decision point (list aligned with ``references``
            or mapping keyed by session id).
        references: per session, its deviations: a list of ``{"onset_s": float, "recovery": str,
            "type": str}`` (``recovery`` and ``type`` optional) or of bare onsets in seconds; same
            container kind as ``predictions``.
        intervals: per session, the decision points' chunks ``[start_s, end_s]`` (seconds; the decision is
            made at ``end_s``), one per answer; a list aligned with ``references`` or a mapping by id.
        interrupt_tag: the prefix that marks an interrupt (after ``lstrip``).
        silent_tag: the prefix of a well-formed silent answer.
        ratings: recovery ratings of detected deviations, ``{(session_id, deviation_index): rating}``
            (a rating as in :func:`~proceval.scores.pqs.check_rating`); every detected deviation needs
            one, others are ignored and counted in ``num_unused_ratings``.
        judge: instead of ``ratings``, a callable given the detected deviations (a list of
            :class:`~proceval.scores.pqs.JudgeItem` whose ``index`` is the deviation index, ``golden`` the
            gold recovery and ``model`` the recovery utterance), returning one reply per item.
        contexts: per session, the task context a judge sees.
        onset_tolerance_s: the tolerance in seconds around each onset (default 2.0, the paper's).
        matching: ``"decision_time"`` (default) or ``"chunk_overlap"`` (see the module docstring).
        judge_failure: ``"skip"`` (default: a failed judge reply is left out of the mean, counted) or
            ``"error"``.
        ids: ids of list inputs (default ``"#0"``, ``"#1"``, ...).
        bootstrap: session resamples for percentile intervals (0 = none).
        confidence: interval coverage.
        seed: bootstrap seed.
        paired_predictions: a second system's answers, for a paired comparison (detection only, unless a
            ``judge`` rates both).

    Returns:
        ``oop_detection_recall`` (fraction in [0, 1], NaN without deviations), ``recovery_quality``
        (1-5, NaN when nothing was rated), ``mean_relevance`` ... ``mean_conciseness`` (1-5, over rated
        deviations), ``num_oop_instances``, ``num_detected``, ``num_undetectable``, ``num_rated``,
        ``num_judge_calls``, ``num_judge_failures``, ``num_unused_ratings``, ``num_sessions``,
        ``per_type`` (``{deviation type: ...}`` when any deviation has a type), ``per_session``,
        ``signature``, and ``ci`` / ``ci_level`` / ``paired`` when asked for.

    Raises:
        InputValidationError: bad options or inputs (missing / extra sessions, a malformed deviation or
            interval, an answer list whose length differs from the intervals), both ``ratings`` and
            ``judge``, a detected deviation without a supplied rating or with one that is not four
            integers in [1, 5], a judge failure with ``judge_failure="error"``.

    Example:
        >>> out = oop_recovery_scores(
        ...     [["$silent$", "$interrupt$ Put the lid back first.", "$silent$"]],
        ...     [[{"onset_s": 7.0, "recovery": "Put the lid on before blending."}, {"onset_s": 20.0}]],
        ...     intervals=[[[0, 4], [4, 8], [20, 24]]], interrupt_tag="$interrupt$", silent_tag="$silent$",
        ...     ratings={("#0", 0): [5, 4, 4, 5]})
        >>> out["oop_detection_recall"], out["recovery_quality"], out["num_undetectable"]
        (0.5, 4.5, 1)
    """
    options = OopRecoveryOptions(
        onset_tolerance_s=onset_tolerance_s, matching=matching, judge_failure=judge_failure
    )
    uncertainty = Uncertainty(bootstrap, confidence, seed, paired=paired_predictions is not None)
    tags = check_tags(interrupt_tag, silent_tag)
    if ratings is not None and judge is not None:
        raise InputValidationError("Expected either `ratings` or `judge`, but got both.")
    if judge is not None and not callable(judge):
        raise InputValidationError(
            f"Expected argument `judge` to be callable, but got {type(judge).__name__}."
        )
    triples = pair_units(predictions, references, ids)
    keys = [k for k, _, _ in triples]
    chunk_lists = _aligned(intervals, keys, "intervals")
    context_list = _aligned(contexts, keys, "contexts") if contexts is not None else [""] * len(keys)
    devs = [_deviations(ref, k) for k, _, ref in triples]
    chunks = [_intervals(c, k) for k, c in zip(keys, chunk_lists, strict=True)]

    def update(preds_by_session: list[Any], what: str, given: Any) -> tuple[np.ndarray, dict[str, int], list]:
        stats = np.zeros((len(keys), 4 + len(PQS_DIMENSIONS)), dtype=np.float64)
        counters = {"num_undetectable": 0, "num_rated": 0, "num_judge_calls": 0, "num_judge_failures": 0}
        found: list[tuple[int, int, int]] = []  # (session position, deviation index, chunk index)
        for i, (key, answers) in enumerate(zip(keys, preds_by_session, strict=True)):
            flags, _ = decide(answers, tags[0], tags[1], key, what)
            if len(flags) != len(chunks[i]):
                raise InputValidationError(
                    f"Expected the {what} of session {key!r} to have one answer per decision point "
                    f"({len(chunks[i])} intervals), but got {len(flags)}."
                )
            stats[i, 0] = len(devs[i])
            order = np.lexsort((np.arange(len(flags)), chunks[i][:, 1]))
            for d, dev in enumerate(devs[i]):
                timely = _timely(chunks[i], dev.onset_s, options.onset_tolerance_s, options.matching)
                if not timely.any():
                    counters["num_undetectable"] += 1
                hits = [int(j) for j in order if timely[j] and flags[j]]
                if hits:
                    stats[i, 1] += 1
                    found.append((i, d, hits[0]))
        replies: list[tuple[int, ...] | None] = []
        supplied = _recovery_ratings(given, keys)
        if judge is not None and found:
            items = [
                JudgeItem(
                    keys[i],
                    d,
                    devs[i][d].recovery,
                    utterance(preds_by_session[i][j], tags[0]),
                    context_list[i],
                )
                for i, d, j in found
            ]
            raw = list(judge(items))
            if len(raw) != len(items):
                raise InputValidationError(
                    f"Expected the judge to return one reply per item ({len(items)}), but got {len(raw)}."
                )
            counters["num_judge_calls"] = len(items)
            for item, reply in zip(items, raw, strict=True):
                parsed = judge_reply_rating(reply)
                if parsed is None:
                    counters["num_judge_failures"] += 1
                    if options.judge_failure == "error":
                        raise InputValidationError(
                            f"Expected a judge reply with integer ratings 1-5 for {', '.join(PQS_DIMENSIONS)}, "
                            f"but got {reply!r} for session {item.session_id!r}, deviation {item.index}."
                        )
                replies.append(parsed)
        elif given is not None:
            for i, d, _ in found:
                if (keys[i], d) not in supplied:
                    raise InputValidationError(
                        f"Expected a rating for every detected deviation, but session {keys[i]!r}, "
                        f"deviation {d} has none in `ratings`."
                    )
                value = supplied.pop((keys[i], d))
                parsed = check_rating(value)
                if parsed is None:
                    raise InputValidationError(
                        f"Expected a rating of four integers in [1, 5] ({', '.join(PQS_DIMENSIONS)}) for "
                        f"session {keys[i]!r}, deviation {d}, but got {value!r}."
                    )
                replies.append(parsed)
        counters["num_unused_ratings"] = len(supplied)
        for (i, _, _), parsed in zip(found, replies):
            if parsed is None:
                continue
            counters["num_rated"] += 1
            stats[i, 2] += sum(parsed) / len(parsed)
            stats[i, 3] += 1
            stats[i, 4:] += parsed
        return stats, counters, found

    preds = [p for _, p, _ in triples]
    stats, counters, found = update(preds, "predictions", ratings)
    result: dict[str, Any] = _summary(stats.sum(axis=0))
    result.update(counters)
    result["num_sessions"] = len(keys)
    types = sorted({dev.type for ds in devs for dev in ds if dev.type})
    result["per_type"] = {}
    for kind in types:
        n = sum(1 for ds in devs for dev in ds if dev.type == kind)
        hit = sum(1 for i, d, _ in found if devs[i][d].type == kind)
        result["per_type"][kind] = {
            "oop_detection_recall": hit / n,
            "num_oop_instances": n,
            "num_detected": hit,
        }
    result["per_session"] = {k: _summary(row) for k, row in zip(keys, stats, strict=True)}
    paired_units = None
    if paired_predictions is not None:
        paired = pair_units(paired_predictions, references, ids)
        paired_units = _OopUnits(update([p for _, p, _ in paired], "paired_predictions", None)[0])
    if uncertainty.active and not keys:
        raise InputValidationError("Expected at least one session to bootstrap, but got none.")
    result = with_uncertainty(
        result, _OopUnits(stats), _oop_compute, uncertainty=uncertainty, paired_units=paired_units
    )
    extra = {"tags": tags, **rating_source_items(judge, ratings)}
    result["signature"] = score_signature("oop_recovery", options, uncertainty, extra=extra)
    return result


def _aligned(values: Any, keys: list[Hashable], name: str) -> list[Any]:
    """``values`` as one entry per session in pairing order (mapping by id, or list aligned with references)."""
    if isinstance(values, Mapping):
        missing = [k for k in keys if k not in values]
        if missing:
            raise InputValidationError(
                f"Expected a `{name}` entry for every session, but {missing[0]!r} has none."
            )
        return [values[k] for k in keys]
    if values is None or isinstance(values, (str, bytes)):
        raise InputValidationError(
            f"Expected argument `{name}` to hold one entry per session, but got {values!r}."
        )
    values = list(values)
    if len(values) != len(keys):
        raise InputValidationError(
            f"Expected one `{name}` entry per session ({len(keys)}), but got {len(values)}."
        )
    return values  # a list follows the references' order, which is the pairing order
