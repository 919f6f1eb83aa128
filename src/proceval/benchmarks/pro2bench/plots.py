"""EgoProactive's ``Task.plots`` hook: per-session interrupt / silent timelines.

For each session of an ``egoproactive`` split (the first :data:`MAX_SESSIONS` in split order; for the
decision-point configs, the rows of a session in ``interval_index`` order over their ``start_s`` -
``end_s``) a
timeline shows the reference decisions above the predicted ones, one bar per decision chunk over the
chunk's ``video_intervals`` span (seconds; the chunk index when the intervals and answers differ in
length). An answer interrupts iff it starts with ``$interrupt$`` (after leading whitespace), as the
score reads it with its default tags; the title carries the session's TP / FP / TN / FN from the
result's ``per_session`` counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from proceval.benchmarks.pro2bench.reader import INTERRUPT_TAG, SILENT_TAG
from proceval.errors import InputValidationError
from proceval.hub.plots import PlotSpec, Span, Timeline
from proceval.scores.intervention import decide

if TYPE_CHECKING:
    import datasets

MAX_SESSIONS = 8
"""Session timelines drawn per split (the first sessions in split order)."""
DECISION_CLASSES: tuple[str, ...] = ("silent", "interrupt")
"""Timeline classes: label 0 is silent (or an answer with neither tag), 1 is interrupt."""


def _answers(value: Any) -> Any:
    return value["answers"] if isinstance(value, Mapping) and "answers" in value else value


def session_decisions(
    ds: datasets.Dataset, predictions: Mapping[str, Any]
) -> list[tuple[str, list[tuple[float, float]], list[int], list[int], bool]]:
    """``(session, chunk spans, reference flags, predicted flags, spans in seconds)`` per session, in split order.

    The flags are 1 for interrupt, 0 for silent, over the first ``min(len(reference),
    len(prediction))`` chunks (the official scorer's truncation); spans are ``(start_s, end_s)`` of
    ``video_intervals``, or ``(i, i + 1)`` chunk indices when its length differs from the answers'.
    """
    t = ds.select_columns(["video_path", "video_intervals", "answers"]).to_dict()
    out = []
    for vid, intervals, ref_answers in zip(t["video_path"], t["video_intervals"], t["answers"], strict=True):
        if vid not in predictions:
            raise InputValidationError(f"Expected a prediction for session {vid!r}, but got none.")
        ref, _ = decide(ref_answers, INTERRUPT_TAG, SILENT_TAG, vid, "references")
        pred, _ = decide(_answers(predictions[vid]), INTERRUPT_TAG, SILENT_TAG, vid, "predictions")
        n = min(len(ref), len(pred))
        seconds = len(intervals) == len(ref_answers)
        if seconds:
            spans = [(float(a), float(b)) for a, b in intervals[:n]]
        else:
            spans = [(float(i), float(i + 1)) for i in range(n)]
        out.append((vid, spans, ref[:n].astype(int).tolist(), pred[:n].astype(int).tolist(), seconds))
    return out


def decision_rows(
    ds: datasets.Dataset, predictions: Mapping[str, Any]
) -> list[tuple[str, list[tuple[float, float]], list[int], list[int], bool]]:
    """The decision-point rows of a split grouped into sessions, as :func:`session_decisions` returns them.

    Rows are grouped by ``session_id`` (first appearance order) in ``interval_index`` order; spans are
    each row's ``[start_s, end_s]`` (seconds).
    """
    t = ds.select_columns(
        ["decision_id", "session_id", "interval_index", "start_s", "end_s", "answer"]
    ).to_dict()
    sessions: dict[str, list[int]] = {}
    for row, sid in enumerate(t["session_id"]):
        sessions.setdefault(sid, []).append(row)
    out = []
    for sid, rows in sessions.items():
        rows = sorted(rows, key=lambda r: t["interval_index"][r])
        missing = [t["decision_id"][r] for r in rows if t["decision_id"][r] not in predictions]
        if missing:
            raise InputValidationError(
                f"Expected a prediction for decision point {missing[0]!r}, but got none."
            )
        answers = [predictions[t["decision_id"][r]] for r in rows]
        answers = [a["answer"] if isinstance(a, Mapping) and "answer" in a else a for a in answers]
        ref, _ = decide([t["answer"][r] for r in rows], INTERRUPT_TAG, SILENT_TAG, sid, "references")
        pred, _ = decide(answers, INTERRUPT_TAG, SILENT_TAG, sid, "predictions")
        spans = [(float(t["start_s"][r]), float(t["end_s"][r])) for r in rows]
        out.append((sid, spans, ref.astype(int).tolist(), pred.astype(int).tolist(), True))
    return out


def _timelines(sessions, result: Mapping[str, Any]) -> list[PlotSpec]:
    per_session = result.get("per_session") or {}
    specs: list[PlotSpec] = []
    for vid, spans, ref, pred, seconds in sessions[:MAX_SESSIONS]:
        counts = per_session.get(vid, {})
        tally = ", ".join(f"{k.upper()} {counts[k]}" for k in ("tp", "fp", "tn", "fn") if k in counts)
        specs.append(
            Timeline(
                name=f"decisions_{vid}",
                title=f"Intervention decisions of {vid}\nreference (top) vs prediction"
                + (f": {tally}" if tally else ""),
                tracks=(
                    ("reference", tuple(Span(a, b, f) for (a, b), f in zip(spans, ref, strict=True))),
                    ("prediction", tuple(Span(a, b, f) for (a, b), f in zip(spans, pred, strict=True))),
                ),
                class_names=DECISION_CLASSES,
                xlabel="time (s)" if seconds else "decision chunk",
            )
        )
    return specs


def intervention_plots(
    ds: datasets.Dataset, predictions: Mapping[str, Any], result: Mapping[str, Any]
) -> list[PlotSpec]:
    """Interrupt / silent timelines of the first :data:`MAX_SESSIONS` sessions (reference above prediction)."""
    return _timelines(session_decisions(ds, predictions), result)


def intervention_decision_plots(
    ds: datasets.Dataset, predictions: Mapping[str, Any], result: Mapping[str, Any]
) -> list[PlotSpec]:
    """The same timelines from decision-point rows (``egoproactive_decisions``, ``pro2bench_<source>``)."""
    return _timelines(decision_rows(ds, predictions), result)


__all__ = [
    "DECISION_CLASSES",
    "MAX_SESSIONS",
    "decision_rows",
    "intervention_decision_plots",
    "intervention_plots",
    "session_decisions",
]
