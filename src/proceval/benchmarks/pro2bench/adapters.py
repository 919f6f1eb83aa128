"""Per-metric adapters: a Pro2Bench / EgoProactive split (references) + predictions by id -> a score call.

| configs | id | prediction |
| --- | --- | --- |
| ``egoproactive`` (one row per session) | ``video_path`` | the session's ``answers`` (one ``"$interrupt$<utterance>"`` / ``"$silent$"`` string per chunk), or ``{"answers": [...], "ratings": [...]}`` for ``pqs`` / ``guidance_judge`` |
| ``egoproactive_decisions``, ``pro2bench_<source>`` (one row per decision point) | ``decision_id`` (``"<session>/<interval index>"``) | one answer string, or ``{"answer": str, "rating": ...}`` for ``pqs`` / ``guidance_judge`` |

Predictions are matched to references by id, never by position: a missing or unknown session / decision
point is an error naming it (unknown ids first, a mistyped id being the likelier mistake, with the count
of missing ones). Decision-level rows are grouped into sessions (``session_id``, in
``interval_index`` order) so that every score pools the same decision points and the bootstrap resamples
sessions. The official scorer's length rule applies to session-level predictions only (a decision-level
prediction is one answer per row).

A judge sees each true positive with its task context: ``"Task: <task>. User request: <query>"``
(``goal`` for Pro2Bench rows). On the command line a judge is given with the adapter options of
:data:`JUDGE_OPTIONS` (``-o judge_model=... -o judge_endpoint=http://127.0.0.1:8000/v1``, or
``-o judge_ledger=ledger.jsonl`` to replay a judging with no model); the score's signature records the
judge, the prompt template's hash and the decoding parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from proceval.benchmarks.pro2bench.scoring import (
    guidance_judge_module_scores,
    intervention_module_scores,
    oop_recovery_module_scores,
    pqs_module_scores,
)
from proceval.errors import InputValidationError
from proceval.judges.options import judges_from_options

if TYPE_CHECKING:
    import datasets

SESSION_ID = "video_path"
DECISION_ID = "decision_id"


def judge_from_options(options: dict[str, Any]) -> Any:
    """Pop the :data:`~proceval.judges.options.JUDGE_OPTIONS` from ``options``; the guidance judge they name.

    See :func:`proceval.judges.options.judges_from_options` (ledger replay, or model(s) + endpoint(s)).
    Returns None when no judge option is given.
    """
    setup = judges_from_options(options)
    if setup is None:
        return None
    from proceval.benchmarks.pro2bench.rubrics import GuidanceJudge

    return GuidanceJudge(setup.judges, cache=setup.cache)


def task_context(task: str, request: str) -> str:
    """The ``{task_context}`` a guidance judge sees for one session."""
    return f"Task: {task}. User request: {request}"


def _shown_ids(ids: list[Any], limit: int = 60) -> str:
    """At most five ids as messages show them (each ``repr`` cut to ``limit`` characters)."""
    texts = [
        repr(i) if len(repr(i)) <= limit else f"{repr(i)[:limit]}... ({len(repr(i))} chars)" for i in ids[:5]
    ]
    return ", ".join(texts) + (" ..." if len(ids) > 5 else "")


# ----------------------------------------------------------------------------------- session rows
def session_ids(ds: datasets.Dataset) -> list[str]:
    """Prediction ids of an ``egoproactive`` split: its ``video_path`` column, in row order."""
    return list(ds[SESSION_ID])


def _session_rows(ds: datasets.Dataset) -> dict[str, list[Any]]:
    return ds.select_columns([SESSION_ID, "answers", "task", "domain", "query"]).to_dict()


def _session_answers(vid: str, value: Any, what: str) -> tuple[Any, Any]:
    """``(answers, ratings)`` of one session's prediction (a list, or a mapping with ``answers``)."""
    if isinstance(value, Mapping):
        if "answers" not in value:
            raise InputValidationError(
                f"Expected the {what} of session {vid!r} to be a list of answers or a mapping with `answers`, "
                f"but got the keys {sorted(value)}."
            )
        return value["answers"], value.get("ratings")
    return value, None


def _check_session_ids(predictions: Mapping[str, Any], refs: Mapping[str, Any], what: str) -> None:
    """Refuse predictions whose ids differ from the split's sessions: unknown ids named first, then missing."""
    extra = [vid for vid in predictions if vid not in refs]
    missing = [vid for vid in refs if vid not in predictions]
    if extra:  # a mistyped id is the likelier mistake
        also = f" (and {len(missing)} sessions have no {what})" if missing else ""
        raise InputValidationError(
            f"Expected {what} only for sessions of this split (`{SESSION_ID}`), but {len(extra)} have no "
            f"reference: {_shown_ids(extra)}{also}."
        )
    if missing:
        raise InputValidationError(
            f"Expected {what} for every session of this split (`{SESSION_ID}`), but {len(missing)} are missing: "
            f"{_shown_ids(missing)}"
        )


def _split_sessions(
    predictions: Mapping[str, Any] | None, what: str, refs: Mapping[str, Any]
) -> tuple[dict | None, dict | None]:
    if predictions is None:
        return None, None
    _check_session_ids(predictions, refs, what)
    answers, ratings = {}, {}
    for vid, value in predictions.items():
        answers[vid], given = _session_answers(vid, value, what)
        if given is not None:
            ratings[vid] = given
    return answers, ratings


def _ratings_by_session(ratings: dict[str, Any], refs: Mapping[str, Any]) -> dict[str, Any] | None:
    """Per-session rating lists for every reference session (``[]`` where a prediction carried none)."""
    if not ratings:
        return None
    return {vid: ratings.get(vid, []) for vid in refs}


def _session_inputs(
    ds: datasets.Dataset,
) -> tuple[dict[str, Any], dict[str, str], dict[str, str], dict[str, str]]:
    t = _session_rows(ds)
    refs = dict(zip(t[SESSION_ID], t["answers"], strict=True))
    tasks = dict(zip(t[SESSION_ID], t["task"], strict=True))
    domains = dict(zip(t[SESSION_ID], t["domain"], strict=True))
    contexts = {v: task_context(k, q) for v, k, q in zip(t[SESSION_ID], t["task"], t["query"], strict=True)}
    return refs, tasks, domains, contexts


def score_intervention(ds, predictions, options, ctx, paired=None):
    """Official challenge numbers of session predictions: ``intervention_module_scores(...)``.

    Predictions are ``{video_path: answers}`` (what :func:`~proceval.benchmarks.pro2bench.submission.read_submission`
    returns); ``options`` are :class:`~proceval.scores.intervention.InterventionOptions` keywords.
    """
    refs, tasks, domains, _ = _session_inputs(ds)
    preds, _ = _split_sessions(predictions, "predictions", refs)
    paired_preds, _ = _split_sessions(paired, "paired predictions", refs)
    return intervention_module_scores(
        preds, refs, tasks=tasks, domains=domains, paired_predictions=paired_preds, **options
    )


def _score_rated_sessions(fn, ds, predictions, options, paired):
    """``fn`` (a score of rated true positives) on session predictions with ratings or a judge option."""
    refs, tasks, domains, contexts = _session_inputs(ds)
    preds, ratings = _split_sessions(predictions, "predictions", refs)
    paired_preds, paired_ratings = _split_sessions(paired, "paired predictions", refs)
    options = dict(options)
    judge = judge_from_options(options)
    return fn(
        preds,
        refs,
        judge=judge,
        ratings=None if judge is not None else _ratings_by_session(ratings or {}, refs),
        contexts=contexts,
        tasks=tasks,
        domains=domains,
        paired_predictions=paired_preds,
        paired_ratings=_ratings_by_session(paired_ratings or {}, refs) if paired_preds is not None else None,
        **options,
    )


def score_pqs(ds, predictions, options, ctx, paired=None):
    """PQS of session predictions whose true positives carry ratings: ``pqs_module_scores(...)``.

    Each prediction is ``{"answers": [...], "ratings": [...]}`` (``ratings``: one entry per answer, ``null``
    where not rated; an official submission line with a ``ratings`` list reads so) or a bare answers list
    when a ``judge`` option rates the true positives.
    """
    return _score_rated_sessions(pqs_module_scores, ds, predictions, options, paired)


def score_guidance_judge(ds, predictions, options, ctx, paired=None):
    """Guidance ratings of the true positives of session predictions: ``guidance_judge_module_scores(...)``.

    Predictions as for :func:`score_pqs`: answers with a ``judge`` option, or with ``ratings``.
    """
    return _score_rated_sessions(guidance_judge_module_scores, ds, predictions, options, paired)


# ----------------------------------------------------------------------------------- decision rows
def decision_ids(ds: datasets.Dataset) -> list[str]:
    """Prediction ids of a decision-level split: its ``decision_id`` column, in row order."""
    return list(ds[DECISION_ID])


class _Sessions:
    """Decision rows grouped by session, in ``interval_index`` order."""

    def __init__(self, ds: datasets.Dataset, extra: tuple[str, ...] = ()) -> None:
        request = "goal" if "goal" in ds.column_names else "query"
        cols = [DECISION_ID, "session_id", "interval_index", "answer", "task", "domain", request, *extra]
        t = ds.select_columns(cols).to_dict()
        rows: dict[str, list[int]] = {}
        for i, sid in enumerate(t["session_id"]):
            rows.setdefault(sid, []).append(i)
        for sid in rows:
            rows[sid].sort(key=lambda i: t["interval_index"][i])
        self.t = t
        self.rows = rows
        self.decision_ids = {sid: [t[DECISION_ID][i] for i in idx] for sid, idx in rows.items()}
        self.refs = {sid: [t["answer"][i] for i in idx] for sid, idx in rows.items()}
        self.tasks = {sid: t["task"][idx[0]] for sid, idx in rows.items()}
        self.domains = {sid: t["domain"][idx[0]] for sid, idx in rows.items()}
        self.contexts = {
            sid: task_context(t["task"][idx[0]], t[request][idx[0]]) for sid, idx in rows.items()
        }

    def predictions(self, predictions: Mapping[str, Any] | None, what: str) -> tuple[dict | None, dict]:
        """``({session: answers}, {(session, index): rating})`` of decision-keyed predictions."""
        if predictions is None:
            return None, {}
        known = set(self.t[DECISION_ID])
        missing = [d for d in self.t[DECISION_ID] if d not in predictions]
        extra = [d for d in predictions if d not in known]
        if extra:  # named first: a mistyped id is the likelier mistake
            also = f" (and {len(missing)} decision points have no {what})" if missing else ""
            raise InputValidationError(
                f"Expected one {what} per decision point (`decision_id`), but {len(extra)} name no decision "
                f"point of this split: {_shown_ids(extra)}{also}."
            )
        if missing:
            raise InputValidationError(
                f"Expected one {what} per decision point (`decision_id`), but {len(missing)} are missing: "
                f"{_shown_ids(missing)}"
            )
        answers: dict[str, list[Any]] = {}
        ratings: dict[tuple[str, int], Any] = {}
        for sid, ids in self.decision_ids.items():
            row = []
            for j, did in enumerate(ids):
                value = predictions[did]
                if isinstance(value, Mapping):
                    if "answer" not in value:
                        raise InputValidationError(
                            f"Expected the {what} of {did!r} to be an answer string or a mapping with `answer`, "
                            f"but got the keys {sorted(value)}."
                        )
                    if value.get("rating") is not None:
                        ratings[(sid, j)] = value["rating"]
                    value = value["answer"]
                row.append(value)
            answers[sid] = row
        return answers, ratings


def score_intervention_decisions(ds, predictions, options, ctx, paired=None):
    """Intervention scores of decision-keyed predictions, pooled per session: ``intervention_module_scores``."""
    s = _Sessions(ds)
    preds, _ = s.predictions(predictions, "prediction")
    paired_preds, _ = s.predictions(paired, "paired prediction")
    return intervention_module_scores(
        preds, s.refs, tasks=s.tasks, domains=s.domains, paired_predictions=paired_preds, **options
    )


def _score_rated_decisions(fn, ds, predictions, options, paired):
    """``fn`` (a score of rated true positives) on decision-keyed predictions with ratings or a judge."""
    s = _Sessions(ds)
    preds, ratings = s.predictions(predictions, "prediction")
    paired_preds, paired_ratings = s.predictions(paired, "paired prediction")
    options = dict(options)
    judge = judge_from_options(options)
    return fn(
        preds,
        s.refs,
        judge=judge,
        ratings=None if judge is not None else ratings or None,
        contexts=s.contexts,
        tasks=s.tasks,
        domains=s.domains,
        paired_predictions=paired_preds,
        paired_ratings=None if judge is not None else paired_ratings or None,
        **options,
    )


def score_pqs_decisions(ds, predictions, options, ctx, paired=None):
    """PQS of decision-keyed predictions (``{"answer", "rating"}`` or an answer with a ``judge``)."""
    return _score_rated_decisions(pqs_module_scores, ds, predictions, options, paired)


def score_guidance_judge_decisions(ds, predictions, options, ctx, paired=None):
    """Guidance ratings of the true positives of decision-keyed predictions (a ``judge`` or ``rating``s)."""
    return _score_rated_decisions(guidance_judge_module_scores, ds, predictions, options, paired)


# ----------------------------------------------------------------------------------- out of plan
def _deviations(s: _Sessions) -> dict[str, list[dict[str, Any]]]:
    """Per session, its distinct annotated deviations (onset, type, recovery) in onset order."""
    t = s.t
    out: dict[str, list[dict[str, Any]]] = {}
    annotated = False
    for sid, idx in s.rows.items():
        seen: dict[tuple[float, str, str], None] = {}
        for i in idx:
            if t["oop"][i] is not None:
                annotated = True
            if t["oop"][i] and t["deviation_onset_s"][i] is not None:
                key = (
                    float(t["deviation_onset_s"][i]),
                    t["deviation_type"][i] or "",
                    t["recovery_utterance"][i] or "",
                )
                seen.setdefault(key, None)
        out[sid] = [{"onset_s": o, "type": k, "recovery": r} for o, k, r in sorted(seen)]
    if not annotated:
        raise InputValidationError(
            "Expected out-of-plan annotations (`oop`, `deviation_onset_s`) in this split, but no row has them: "
            "the public challenge file carries none; write them in pro2bench/<source>/instances.jsonl "
            "(proceval's schema) to score oop_recovery."
        )
    return out


def score_oop_recovery(ds, predictions, options, ctx, paired=None):
    """OOP detection recall (and recovery quality with ratings or a judge) of decision-keyed predictions.

    The deviations of a session are the distinct ``(deviation_onset_s, deviation_type, recovery_utterance)``
    of its rows with ``oop`` true; its decision chunks are its rows' ``[start_s, end_s]``. Recovery ratings
    come from ``-o ratings=...`` (``{"<session>/<deviation index>": rating}``) or a ``judge`` option.
    """
    s = _Sessions(
        ds, ("start_s", "end_s", "oop", "deviation_type", "deviation_onset_s", "recovery_utterance")
    )
    devs = _deviations(s)
    intervals = {sid: [[s.t["start_s"][i], s.t["end_s"][i]] for i in idx] for sid, idx in s.rows.items()}
    preds, _ = s.predictions(predictions, "prediction")
    paired_preds, _ = s.predictions(paired, "paired prediction")
    options = dict(options)
    judge = judge_from_options(options)
    ratings = options.pop("ratings", None)
    if isinstance(ratings, Mapping):  # CLI form "<session>/<deviation index>" -> (session, index)
        ratings = {_deviation_key(k): v for k, v in ratings.items()}
    return oop_recovery_module_scores(
        preds,
        devs,
        intervals=intervals,
        ratings=ratings,
        judge=judge,
        contexts=s.contexts,
        paired_predictions=paired_preds,
        **options,
    )


def _deviation_key(key: Any) -> Any:
    if isinstance(key, str) and "/" in key:
        sid, _, idx = key.rpartition("/")
        if idx.isdigit():
            return (sid, int(idx))
    return key
