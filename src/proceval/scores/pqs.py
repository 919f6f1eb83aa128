"""Proactive Quality Score (PQS): when to speak and what to say, in one number over all decision points.

Decisions are parsed from per-session answer strings exactly as :mod:`proceval.scores.intervention` does
(an answer interrupts iff it starts with ``interrupt_tag`` after ``lstrip``). Each decision point t scores::

    s_t = 1                       gold silent,    predicted silent     (true negative)
    s_t = g_t = (r_t - 1) / 4     gold interrupt, predicted interrupt  (true positive)
    s_t = 0                       otherwise (false positive / false negative)

    PQS = mean of s_t over the N scored decision points of all sessions (pooled)

where ``r_t`` in [1, 5] is the mean of four ratings of the predicted utterance against the gold one
(:data:`PQS_DIMENSIONS`: relevance, specificity, actionability, conciseness; integers 1-5). An
always-silent policy therefore scores the silent base rate (TN / N) while its G-mean F1 is 0, which is
why ``gmean_f1`` (and the other :mod:`~proceval.scores.intervention` scores) are reported beside it.

Ratings are needed for the true positives only. They come either from the caller (``ratings=``) or from
a judge (``judge=``, a callable given the true positives only, in one batch). Policies:

* a true positive without a supplied rating, or a supplied rating that is not four integers in 1-5:
  an error naming the session and decision point (never scored);
* supplied ratings for decision points that are not true positives are ignored and counted
  (``num_unused_ratings``);
* a judge reply that is not a rating (not the expected JSON object, a missing dimension, a value outside
  1-5 or not an integer, or ``None`` / an exception for a failed call) is a *judge failure*, counted in
  ``num_judge_failures``; ``judge_failure="zero"`` (default) scores that true positive ``g = 0`` (the
  challenge starter kit's rule for its ConvQA judge), ``"error"`` raises.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, NamedTuple

import numpy as np

from proceval.errors import InputValidationError
from proceval.scores.bootstrap import ColumnStats, with_uncertainty
from proceval.scores.intervention import (
    LengthMismatch,
    SessionAnswers,
    SessionDecisions,
    binary_decision_scores,
    check_tags,
    pair_sessions,
    session_decisions,
)
from proceval.scores.options import ScoreOptions, Uncertainty, opt
from proceval.scores.signature import score_signature

PQS_DIMENSIONS: tuple[str, ...] = ("relevance", "specificity", "actionability", "conciseness")
"""The four rated dimensions, in the order a rating given as a sequence lists them."""
RATING_MIN, RATING_MAX = 1, 5
JudgeFailure = Literal["zero", "error"]

__all__ = [
    "PQS_DIMENSIONS",
    "JudgeItem",
    "PqsOptions",
    "RatedTruePositives",
    "check_rating",
    "judge_reply_rating",
    "parse_rating_reply",
    "pqs_scores",
    "rate_true_positives",
    "rating_source_items",
    "session_contexts",
    "utterance",
]


@dataclass(frozen=True)
class PqsOptions(ScoreOptions):
    """Every option that changes a PQS number (see the module docstring)."""

    score_name: ClassVar[str] = "pqs"
    length_mismatch: LengthMismatch = opt("error", "len")
    judge_failure: JudgeFailure = opt("zero", "jfail")


class JudgeItem(NamedTuple):
    """One true positive sent to a judge.

    Attributes:
        session_id: the session's id.
        index: the decision point's 0-based index in the session.
        golden: the gold utterance (the reference answer after its tag, stripped).
        model: the predicted utterance (the prediction after its tag, stripped).
        context: the session's task context (``contexts=``; ``""`` when none was given).
    """

    session_id: Hashable
    index: int
    golden: str
    model: str
    context: str


JudgeFn = Callable[[Sequence[JudgeItem]], Sequence[Any]]


def utterance(answer: str, tag: str) -> str:
    """The text of an interrupt answer after its tag (``"  <tag> Add salt. "`` -> ``"Add salt."``)."""
    text = answer.lstrip()
    return text[len(tag) :].strip() if text.startswith(tag) else text.strip()


def _rating_values(value: Any, dimensions: tuple[str, ...]) -> list[Any] | None:
    if isinstance(value, Mapping):
        if not all(d in value for d in dimensions):
            return None
        return [value[d] for d in dimensions]
    if isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, (str, bytes)):
        values = list(value)
        return values if len(values) == len(dimensions) else None
    return None


def _is_rating(v: Any, integers: bool) -> bool:
    if isinstance(v, (bool, np.bool_)):
        return False
    if isinstance(v, (int, np.integer)):
        return RATING_MIN <= int(v) <= RATING_MAX
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return math.isfinite(f) and (f.is_integer() or not integers) and RATING_MIN <= f <= RATING_MAX
    return False


def check_rating(
    value: Any, dimensions: tuple[str, ...] = PQS_DIMENSIONS, *, integers: bool = True
) -> tuple[float, ...] | None:
    """The ratings of ``value`` in dimension order, or None when it is not a valid rating.

    A valid rating is a mapping holding every dimension (other keys, e.g. ``reasoning``, are ignored) or
    a sequence of one value per dimension; each value an integer in [1, 5] (``4.0`` is accepted as 4;
    booleans, strings and other floats are not). With ``integers=False`` any real value in [1, 5] is
    accepted (a mean over several judges, each of whose ratings was an integer).

    Example:
        >>> check_rating({"relevance": 4, "specificity": 3, "actionability": 4, "conciseness": 5, "reasoning": "x"})
        (4, 3, 4, 5)
        >>> check_rating([4, 3, 6, 5]) is None, check_rating([4.5, 3, 4, 5]) is None
        (True, True)
        >>> check_rating([4.5, 3, 4, 5], integers=False)
        (4.5, 3, 4, 5)
    """
    values = _rating_values(value, dimensions)
    if values is None or not all(_is_rating(v, integers) for v in values):
        return None
    return tuple(int(v) if float(v).is_integer() else float(v) for v in values)


_FENCE = re.compile(r"^```[a-zA-Z]*\s*|\s*```$")


def parse_rating_reply(text: str, dimensions: tuple[str, ...] = PQS_DIMENSIONS) -> tuple[int, ...] | None:
    """A judge's text reply as ratings, or None when it is not the expected JSON object.

    The reply must hold one JSON object (optionally inside a Markdown code fence, with text around it)
    with an integer 1-5 for every dimension; the object spans from the first ``{`` to the last ``}``.

    Example:
        >>> parse_rating_reply('{"relevance": 4, "specificity": 3, "actionability": 4, "conciseness": 5}')
        (4, 3, 4, 5)
        >>> parse_rating_reply("relevance: 4") is None
        True
    """
    if not isinstance(text, str):
        return None
    body = _FENCE.sub("", text.strip())
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        obj = json.loads(body[start : end + 1])
    except ValueError:
        return None
    return check_rating(obj, dimensions) if isinstance(obj, Mapping) else None


def judge_reply_rating(reply: Any, dimensions: tuple[str, ...] = PQS_DIMENSIONS) -> tuple[float, ...] | None:
    """A judge's reply as ratings, or None for a failure.

    A reply is a rating (mapping or sequence of values in [1, 5]: integers, or means over several judges;
    see :func:`check_rating`), the judge's raw text (integers only, see :func:`parse_rating_reply`), or
    ``None`` / an exception for a failed call.
    """
    if reply is None or isinstance(reply, BaseException):
        return None
    if isinstance(reply, str):
        return parse_rating_reply(reply, dimensions)
    return check_rating(reply, dimensions, integers=False)


class _PqsUnits(ColumnStats[tuple[float, ...]]):
    """Per session: ``tp, fp, tn, fn, sum of g over TPs, number of rated TPs, sums of the 4 ratings``."""

    def __init__(self, stats: np.ndarray) -> None:
        self.stats = stats

    def __len__(self) -> int:
        return len(self.stats)

    def row(self, i: int) -> tuple[float, ...]:
        """Session ``i``'s statistics."""
        return tuple(float(v) for v in self.stats[i])

    def take(self, indices: np.ndarray) -> _PqsUnits:
        """The sessions at ``indices``."""
        return _PqsUnits(self.stats[indices])


def _pqs_from_sums(total: np.ndarray) -> dict[str, float]:
    tp, fp, tn, fn, sum_g = (float(v) for v in total[:5])
    n = tp + fp + tn + fn
    out = {"pqs": (tn + sum_g) / n if n > 0 else 0.0}
    out.update(binary_decision_scores(int(tp), int(fp), int(tn), int(fn)))
    return out


def _pqs_compute(units: _PqsUnits) -> dict[str, float]:
    return _pqs_from_sums(units.stats.sum(axis=0))


def _summary(total: np.ndarray) -> dict[str, Any]:
    out: dict[str, Any] = _pqs_from_sums(total)
    tp, fp, tn, fn = (int(v) for v in total[:4])
    rated = float(total[5])
    out.update(tp=tp, fp=fp, tn=tn, fn=fn, num_decision_points=tp + fp + tn + fn)
    out["mean_content_score"] = float(total[4]) / tp if tp else math.nan
    for k, dim in enumerate(PQS_DIMENSIONS):
        out[f"mean_{dim}"] = float(total[6 + k]) / rated if rated else math.nan
    return out


def _group_by(names: list[str], stats: np.ndarray) -> dict[str, dict[str, Any]]:
    groups: dict[str, np.ndarray] = {}
    for name, row in zip(names, stats, strict=True):
        groups[name] = groups[name] + row if name in groups else row.copy()
    return {name: _summary(groups[name]) for name in sorted(groups)}


def _per_session(values: Any, sessions: list[SessionAnswers], name: str) -> list[Any] | None:
    """``values`` (list aligned with the sessions, or mapping by session id) as one entry per session."""
    if values is None:
        return None
    if isinstance(values, Mapping):
        missing = [s.id for s in sessions if s.id not in values]
        if missing:
            raise InputValidationError(
                f"Expected a `{name}` entry for every session, but {missing[0]!r} has none."
            )
        return [values[s.id] for s in sessions]
    if isinstance(values, (str, bytes)):
        raise InputValidationError(
            f"Expected argument `{name}` to hold one entry per session, but got a string."
        )
    values = list(values)
    if len(values) != len(sessions):
        raise InputValidationError(
            f"Expected one `{name}` entry per session ({len(sessions)}), but got {len(values)}."
        )
    return values


def _is_flat_keyed(ratings: Mapping[Any, Any], session_ids: set[Hashable]) -> bool:
    return bool(ratings) and all(
        isinstance(k, tuple) and len(k) == 2 and k not in session_ids and isinstance(k[1], (int, np.integer))
        for k in ratings
    )


def _supplied_ratings(ratings: Any, sessions: list[SessionAnswers], what: str) -> dict[tuple[int, int], Any]:
    """``{(session position, decision index): rating}`` of user-supplied ratings (None entries dropped)."""
    out: dict[tuple[int, int], Any] = {}
    if isinstance(ratings, Mapping) and _is_flat_keyed(ratings, {s.id for s in sessions}):
        position = {s.id: i for i, s in enumerate(sessions)}
        for (sid, j), value in ratings.items():
            if sid not in position:
                raise InputValidationError(f"Expected `{what}` keys to name known sessions, but got {sid!r}.")
            if value is not None:
                out[(position[sid], int(j))] = value
        return out
    per_session = _per_session(ratings, sessions, what) or []
    for i, (session, row) in enumerate(zip(sessions, per_session, strict=True)):
        if row is None:
            continue
        if isinstance(row, (str, bytes, Mapping)) or not isinstance(row, (Sequence, np.ndarray)):
            raise InputValidationError(
                f"Expected the `{what}` of session {session.id!r} to be a list with one entry per decision "
                f"point (None where not rated), but got {type(row).__name__}."
            )
        for j, value in enumerate(row):
            if value is not None:
                out[(i, j)] = value
    return out


class RatedTruePositives(NamedTuple):
    """The true positives of one system and their ratings (:func:`rate_true_positives`).

    Attributes:
        positions: ``(session position, decision index)`` of every true positive, in session then decision
            order.
        ratings: per true positive, its ratings in dimension order, or None for a judge failure.
        replies: the judge's raw replies, one per true positive (None when the ratings were supplied).
        counters: ``num_rated``, ``num_judge_calls``, ``num_judge_failures``, ``num_unused_ratings``.
    """

    positions: list[tuple[int, int]]
    ratings: list[tuple[float, ...] | None]
    replies: list[Any] | None
    counters: dict[str, int]


def session_contexts(contexts: Any, sessions: list[SessionAnswers]) -> list[str]:
    """The judge's task context of every session (``""`` where none), from a list or a mapping by id."""
    given = _per_session(contexts, sessions, "contexts")
    if given is None:
        return [""] * len(sessions)
    return [str(c) if c is not None else "" for c in given]


def rate_true_positives(
    sessions: list[SessionAnswers],
    decisions: list[SessionDecisions],
    *,
    ratings: Any,
    judge: JudgeFn | None,
    contexts: list[str],
    tags: tuple[str, str],
    what: str = "predictions",
    judge_failure: JudgeFailure = "zero",
) -> RatedTruePositives:
    """Rate the true positives (both interrupt) of one system: from supplied ``ratings`` or one ``judge`` call.

    The judge is called once, on the true positives only (one :class:`JudgeItem` each), and not at all
    when there is none. A judge reply that is not a rating (:func:`judge_reply_rating`) is a judge failure:
    None in ``ratings``, counted, or an error with ``judge_failure="error"``. Supplied ratings must cover
    every true positive with valid ratings (else an error naming the decision point); the others are
    counted as unused. This is the rating step shared by the ``pqs`` and ``guidance_judge`` scores.

    Args:
        sessions: the paired sessions (:func:`~proceval.scores.intervention.pair_sessions`).
        decisions: their parsed decisions, aligned with ``sessions``.
        ratings: supplied ratings (see :func:`pqs_scores`), or None.
        judge: a callable ``list[JudgeItem] -> replies``, or None.
        contexts: per session, the task context the judge sees.
        tags: ``(interrupt_tag, silent_tag)``.
        what: the argument rated (``"predictions"`` or ``"paired_predictions"``), for messages.
        judge_failure: ``"zero"`` (count failures) or ``"error"`` (raise on the first).

    Raises:
        InputValidationError: true positives with neither ``ratings`` nor ``judge``; a judge returning a
            reply count other than one per item; a missing or invalid supplied rating; a judge failure
            with ``judge_failure="error"``.
    """
    dimensions = PQS_DIMENSIONS
    tps: list[tuple[int, int]] = []
    for i, d in enumerate(decisions):
        tps.extend((i, int(j)) for j in np.flatnonzero(d.pred_interrupt & d.ref_interrupt))
    counters = {"num_rated": 0, "num_judge_calls": 0, "num_judge_failures": 0, "num_unused_ratings": 0}
    if not tps:
        if ratings is not None:
            counters["num_unused_ratings"] = len(_supplied_ratings(ratings, sessions, _ratings_name(what)))
        return RatedTruePositives(tps, [], None, counters)
    if ratings is None and judge is None:
        raise InputValidationError(
            f"Expected `{_ratings_name(what)}` or `judge` to rate the true positives of `{what}`, but got neither."
        )
    replies: list[Any] | None = None
    got: list[tuple[float, ...] | None] = []
    if judge is not None:
        items = [
            JudgeItem(
                sessions[i].id,
                j,
                utterance(sessions[i].ref[j], tags[0]),
                utterance(sessions[i].pred[j], tags[0]),
                contexts[i],
            )
            for i, j in tps
        ]
        replies = list(judge(items))
        if len(replies) != len(items):
            raise InputValidationError(
                f"Expected the judge to return one reply per item ({len(items)}), but got {len(replies)}."
            )
        counters["num_judge_calls"] = len(items)
        for item, reply in zip(items, replies, strict=True):
            parsed = judge_reply_rating(reply, dimensions)
            if parsed is None:
                counters["num_judge_failures"] += 1
                if judge_failure == "error":
                    raise InputValidationError(
                        f"Expected a judge reply with integer ratings 1-5 for {', '.join(dimensions)}, but "
                        f"got {reply!r} for session {item.session_id!r}, decision point {item.index} "
                        "(judge_failure='zero' scores it 0 and counts it)."
                    )
            got.append(parsed)
    else:
        supplied = _supplied_ratings(ratings, sessions, _ratings_name(what))
        for i, j in tps:
            if (i, j) not in supplied:
                raise InputValidationError(
                    f"Expected a rating for every true positive, but session {sessions[i].id!r}, decision "
                    f"point {j} has none in `{_ratings_name(what)}`."
                )
            value = supplied.pop((i, j))
            parsed = check_rating(value, dimensions)
            if parsed is None:
                raise InputValidationError(
                    f"Expected a rating of four integers in [1, 5] ({', '.join(dimensions)}) for session "
                    f"{sessions[i].id!r}, decision point {j}, but got {value!r}."
                )
            got.append(parsed)
        counters["num_unused_ratings"] = len(supplied)
    counters["num_rated"] = sum(p is not None for p in got)
    return RatedTruePositives(tps, got, replies, counters)


def _pqs_update(
    sessions: list[SessionAnswers],
    decisions: list[SessionDecisions],
    *,
    ratings: Any,
    judge: JudgeFn | None,
    contexts: list[str],
    options: PqsOptions,
    tags: tuple[str, str],
    what: str,
) -> tuple[np.ndarray, dict[str, int]]:
    """Per-session statistics (see :class:`_PqsUnits`) and the rating counters."""
    n_dims = len(PQS_DIMENSIONS)
    stats = np.zeros((len(sessions), 6 + n_dims), dtype=np.float64)
    for i, d in enumerate(decisions):
        stats[i, :4] = d.counts()
    rated = rate_true_positives(
        sessions,
        decisions,
        ratings=ratings,
        judge=judge,
        contexts=contexts,
        tags=tags,
        what=what,
        judge_failure=options.judge_failure,
    )
    for (i, _), parsed in zip(rated.positions, rated.ratings, strict=True):
        if parsed is None:
            continue
        stats[i, 4] += (sum(parsed) / n_dims - RATING_MIN) / (RATING_MAX - RATING_MIN)
        stats[i, 5] += 1
        stats[i, 6:] += parsed
    return stats, rated.counters


def rating_source_items(judge: Any, ratings: Any) -> dict[str, Any]:
    """Signature items of where ratings came from: ``rt:given`` / ``rt:none``, or the judge's own items.

    A judge object may carry ``signature_items`` (a mapping: judges, template hash, decoding, policies) or a
    ``signature`` string; a plain callable is recorded as ``rt:callable``.
    """
    if judge is None:
        return {"rt": "given" if ratings is not None else "none"}
    items = getattr(judge, "signature_items", None)
    if isinstance(items, Mapping):
        return {"rt": "judge", **items}
    return {"rt": str(getattr(judge, "signature", None) or "callable")}


def _ratings_name(what: str) -> str:
    return "paired_ratings" if what == "paired_predictions" else "ratings"


def pqs_scores(
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
    judge_failure: JudgeFailure = "zero",
    ids: Sequence[Hashable] | None = None,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    paired_ratings: Any = None,
) -> dict[str, Any]:
    """PQS, with G-mean F1 and the rating counts, of per-session answers.

    Args:
        predictions: per session, one answer string per decision point (list aligned with ``references``
            or mapping keyed by session id), as for :func:`~proceval.scores.intervention.intervention_scores`.
        references: per session, the gold answer strings; same container kind.
        interrupt_tag: the prefix that marks an interrupt (after ``lstrip``); the caller's data convention.
        silent_tag: the prefix of a well-formed silent answer.
        ratings: the four ratings of true positives, either per session (a list aligned with the sessions
            or a mapping by session id) as a list with one entry per decision point (``None`` where not
            rated), or flat as ``{(session_id, decision_index): rating}``. A rating is a mapping with the
            keys of :data:`PQS_DIMENSIONS` or a sequence of four values, each an integer in [1, 5].
        judge: instead of ``ratings``, a callable given the true positives (a list of :class:`JudgeItem`,
            one call) returning one reply per item: a rating (mapping / sequence), the judge's raw text
            (parsed by :func:`parse_rating_reply`), or ``None`` / an exception for a failed call. An
            object with a ``signature`` attribute (a string) has it recorded in the signature.
        contexts: per session, the task context a judge sees (e.g. task name and user request).
        tasks: per session, its task name (``per_task``); None: ``per_task`` is ``{}``.
        domains: per session, its domain name (``per_domain``), like ``tasks``.
        length_mismatch: ``"error"`` (default) or ``"truncate"`` (the official challenge scorer's rule).
        judge_failure: ``"zero"`` (default: a failed judge reply scores g = 0, counted) or ``"error"``.
        ids: ids of list inputs (default ``"#0"``, ``"#1"``, ...).
        bootstrap: session resamples for percentile intervals (0 = none).
        confidence: interval coverage.
        seed: bootstrap seed.
        paired_predictions: a second system's answers, for a paired comparison.
        paired_ratings: the second system's ratings (with ``ratings``; a ``judge`` rates both systems).

    Returns:
        ``pqs`` (fraction in [0, 1], higher is better) and the eight intervention scores (``gmean_f1``,
        ``macro_f1``, ``interrupt_f1``, ...), ``tp``, ``fp``, ``tn``, ``fn``, ``num_decision_points``,
        ``skipped_chunks``, ``num_sessions``, ``num_invalid_predictions``; ``mean_content_score`` (mean g
        over true positives, failures counted as 0; NaN without true positives) and ``mean_relevance``,
        ``mean_specificity``, ``mean_actionability``, ``mean_conciseness`` (1-5 scale, over rated true
        positives); ``num_rated``, ``num_judge_calls``, ``num_judge_failures``, ``num_unused_ratings``;
        ``per_task``, ``per_domain``, ``per_session`` (pqs, scores and counts per group), ``signature``,
        and ``ci`` / ``ci_level`` / ``paired`` when asked for.

    Raises:
        InputValidationError: bad options; both or neither of ``ratings`` and ``judge`` when there is a
            true positive; a true positive without a rating; a supplied rating that is not four integers
            in [1, 5]; a judge failure with ``judge_failure="error"``; and every input error of
            :func:`~proceval.scores.intervention.intervention_scores`.

    Example:
        >>> preds = [["$interrupt$ Add salt.", "$silent$", "$silent$", "$interrupt$ Stir."]]
        >>> refs = [["$interrupt$ Add the salt.", "$silent$", "$interrupt$ Stir.", "$silent$"]]
        >>> out = pqs_scores(preds, refs, interrupt_tag="$interrupt$", silent_tag="$silent$",
        ...                  ratings={("#0", 0): [5, 4, 5, 4]})
        >>> out["pqs"], out["tp"], out["tn"], out["gmean_f1"]   # (0.875 + 1 + 0 + 0) / 4
        (0.46875, 1, 1, 0.5)
    """
    options = PqsOptions(length_mismatch=length_mismatch, judge_failure=judge_failure)
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
    ) -> tuple[np.ndarray, dict[str, int], list[SessionDecisions]]:
        pairs = sessions if preds is predictions else pair_sessions(preds, references, ids=ids)
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
        stats, counters = _pqs_update(
            pairs,
            decisions,
            ratings=given,
            judge=judge,
            contexts=context_list,
            options=options,
            tags=tags,
            what=what,
        )
        return stats, counters, decisions

    stats, counters, decisions = update(predictions, ratings, "predictions")
    result: dict[str, Any] = _summary(stats.sum(axis=0))
    result["skipped_chunks"] = sum(d.skipped_chunks for d in decisions)
    result["num_sessions"] = len(sessions)
    result["num_invalid_predictions"] = sum(len(d.invalid_pred) for d in decisions)
    result.update(counters)
    result["per_task"] = _group_by([s.task for s in sessions], stats) if tasks is not None else {}
    result["per_domain"] = _group_by([s.domain for s in sessions], stats) if domains is not None else {}
    result["per_session"] = {s.id: _summary(row) for s, row in zip(sessions, stats, strict=True)}
    paired_units = None
    if paired_predictions is not None:
        paired_units = _PqsUnits(update(paired_predictions, paired_ratings, "paired_predictions")[0])
    if uncertainty.active and not len(sessions):
        raise InputValidationError("Expected at least one session to bootstrap, but got none.")
    result = with_uncertainty(
        result, _PqsUnits(stats), _pqs_compute, uncertainty=uncertainty, paired_units=paired_units
    )
    result["signature"] = score_signature(
        "pqs", options, uncertainty, extra={"tags": tags, **rating_source_items(judge, ratings)}
    )
    return result
