"""Intervention decisions: at each decision point a system either interrupts (speaks) or stays silent.

Predictions and references are per-session lists of answer strings, one per decision point, in a
duplex output format whose two tags the caller passes in (``interrupt_tag``, ``silent_tag``): an answer
is an **interrupt** iff, after removing leading whitespace (``str.lstrip``), it starts with
``interrupt_tag``; every other answer is **silent**, including an empty string, text before the tag
(``"Sure, <interrupt_tag> ..."``) and an answer that starts with neither tag. Such an answer (neither
tag after ``lstrip``) is still scored as silent, as the official challenge scorer scores it, and is
counted in ``num_invalid_predictions`` (``num_invalid_references`` for the references).

Counts are pooled over every decision point of every session (micro), interrupt = positive class::

    IP = TP / (TP + FP)   IR = TP / (TP + FN)   IF1 = 2 IP IR / (IP + IR)
    SP = TN / (TN + FN)   SR = TN / (TN + FP)   SF1 = 2 SP SR / (SP + SR)
    macro_f1 = (IF1 + SF1) / 2        (the challenge's ranking metric)
    gmean_f1 = sqrt(IF1 * SF1)        (the paper's G-Mean F1)

with every 0/0 taken as 0. ``per_task`` and ``per_domain`` apply the same formulas to the decision
points of each session group. Values are not rounded (the official scorer prints 4 decimals:
``round(x, 4)`` of a value here equals its number).

Length policy (``length_mismatch``): ``"error"`` (default) refuses a session whose prediction list and
reference list differ in length, naming the session; ``"truncate"`` reproduces the official scorer:
the first ``min(len(pred), len(ref))`` decision points are scored and ``|len(pred) - len(ref)|`` is added
to ``skipped_chunks``. Sessions are matched by id (mappings) or position (lists, optional ``ids``); the
bootstrap resamples sessions, not decision points.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, NamedTuple

import numpy as np

from proceval.errors import InputValidationError
from proceval.scores._checks import pair_units
from proceval.scores.bootstrap import ColumnStats, with_uncertainty
from proceval.scores.options import ScoreOptions, Uncertainty, opt
from proceval.scores.signature import score_signature

LengthMismatch = Literal["error", "truncate"]
UNKNOWN_GROUP = "unknown"
"""The group name of a session whose task or domain is ``None`` (the official scorer's fallback)."""

SCORE_KEYS: tuple[str, ...] = (
    "interrupt_precision",
    "interrupt_recall",
    "interrupt_f1",
    "silent_precision",
    "silent_recall",
    "silent_f1",
    "macro_f1",
    "gmean_f1",
)
COUNT_KEYS: tuple[str, ...] = ("tp", "fp", "tn", "fn")

__all__ = [
    "COUNT_KEYS",
    "SCORE_KEYS",
    "InterventionOptions",
    "SessionAnswers",
    "SessionDecisions",
    "binary_decision_scores",
    "check_tags",
    "decide",
    "intervention_scores",
    "pair_sessions",
    "session_decisions",
]


@dataclass(frozen=True)
class InterventionOptions(ScoreOptions):
    """Every option that changes an intervention number (see the module docstring)."""

    score_name: ClassVar[str] = "intervention"
    length_mismatch: LengthMismatch = opt("error", "len")


class SessionAnswers(NamedTuple):
    """One session's inputs after pairing: id, predicted and reference answers, task and domain names."""

    id: Hashable
    pred: Sequence[Any]
    ref: Sequence[Any]
    task: str
    domain: str


class SessionDecisions(NamedTuple):
    """One session's scored decision points.

    Attributes:
        pred_interrupt: per scored decision point, whether the prediction interrupts.
        ref_interrupt: per scored decision point, whether the reference interrupts.
        skipped_chunks: decision points left unscored by ``length_mismatch="truncate"``.
        invalid_pred: indices of predicted answers with neither tag (scored as silent).
        invalid_ref: indices of reference answers with neither tag (scored as silent).
    """

    pred_interrupt: np.ndarray
    ref_interrupt: np.ndarray
    skipped_chunks: int
    invalid_pred: tuple[int, ...]
    invalid_ref: tuple[int, ...]

    def counts(self) -> tuple[int, int, int, int]:
        """``(tp, fp, tn, fn)`` of the scored decision points (interrupt = positive)."""
        p, r = self.pred_interrupt, self.ref_interrupt
        tp = int(np.count_nonzero(p & r))
        fp = int(np.count_nonzero(p & ~r))
        fn = int(np.count_nonzero(~p & r))
        return tp, fp, len(p) - tp - fp - fn, fn


def _check_answers(answers: Any, unit_id: Hashable, role: str) -> None:
    """Refuse anything but a list (or array) of strings, naming the session and the first bad answer."""
    if isinstance(answers, (str, bytes)) or not isinstance(answers, (Sequence, np.ndarray)):
        raise InputValidationError(
            f"Expected the {role} of session {unit_id!r} to be a list of answer strings, "
            f"but got {type(answers).__name__}."
        )
    for j, answer in enumerate(answers if not set(map(type, answers)) <= {str} else ()):
        if not isinstance(answer, str):  # the first answer that is not a string is named
            raise InputValidationError(
                f"Expected answer strings in the {role} of session {unit_id!r}, but got "
                f"{type(answer).__name__} {answer!r} at decision point {j}."
            )


def decide(
    answers: Sequence[Any], interrupt_tag: str, silent_tag: str, unit_id: Hashable, role: str
) -> tuple[np.ndarray, tuple[int, ...]]:
    """Interrupt flags of one session's answers, and the indices of answers with neither tag.

    An answer interrupts iff ``answer.lstrip().startswith(interrupt_tag)``; an answer is invalid (still
    silent) iff after ``lstrip`` it starts with neither tag.

    Raises:
        InputValidationError: ``answers`` is not a list of strings (naming the session and index).
    """
    _check_answers(answers, unit_id, role)
    texts = [answer.lstrip() for answer in answers]
    flags = np.array([text.startswith(interrupt_tag) for text in texts], dtype=bool)
    tags = (interrupt_tag, silent_tag)
    return flags, tuple(j for j, text in enumerate(texts) if not text.startswith(tags))


def session_decisions(
    session: SessionAnswers,
    *,
    interrupt_tag: str,
    silent_tag: str,
    length_mismatch: str,
    what: str = "predictions",
) -> SessionDecisions:
    """Parse and align one session's answers under the length policy.

    Raises:
        InputValidationError: a non-string answer, or (``length_mismatch="error"``) lists of different
            lengths, naming the session and both lengths.
    """
    pred, pred_bad = decide(session.pred, interrupt_tag, silent_tag, session.id, what)
    ref, ref_bad = decide(session.ref, interrupt_tag, silent_tag, session.id, "references")
    skipped = abs(len(pred) - len(ref))
    if skipped and length_mismatch == "error":
        raise InputValidationError(
            f"Expected the {what} of session {session.id!r} to have one answer per decision point "
            f"({len(ref)}), but got {len(pred)} (length_mismatch='truncate' scores the first "
            f"{min(len(pred), len(ref))} as the official scorer does)."
        )
    n = min(len(pred), len(ref))
    return SessionDecisions(
        pred[:n],
        ref[:n],
        skipped,
        tuple(j for j in pred_bad if j < n),
        tuple(j for j in ref_bad if j < n),
    )


def _safe_div(num: float, den: float) -> float:
    return num / den if den > 0 else 0.0


def binary_decision_scores(tp: int, fp: int, tn: int, fn: int) -> dict[str, float]:
    """The eight scores of :data:`SCORE_KEYS` from pooled counts (interrupt = positive; 0/0 = 0).

    Example:
        >>> s = binary_decision_scores(tp=7, fp=3, tn=5, fn=3)
        >>> s["interrupt_f1"], s["silent_f1"], s["macro_f1"], round(s["gmean_f1"], 4)
        (0.7, 0.625, 0.6625, 0.6614)
    """
    ip, ir = _safe_div(tp, tp + fp), _safe_div(tp, tp + fn)
    sp, sr = _safe_div(tn, tn + fn), _safe_div(tn, tn + fp)
    if1 = _safe_div(2 * ip * ir, ip + ir)
    sf1 = _safe_div(2 * sp * sr, sp + sr)
    return {
        "interrupt_precision": ip,
        "interrupt_recall": ir,
        "interrupt_f1": if1,
        "silent_precision": sp,
        "silent_recall": sr,
        "silent_f1": sf1,
        "macro_f1": (if1 + sf1) / 2,
        "gmean_f1": math.sqrt(if1 * sf1),
    }


def _group_names(
    values: Sequence[Any] | Mapping[Hashable, Any] | None,
    references: Sequence[Any] | Mapping[Hashable, Any],
    keys: list[Hashable],
    name: str,
) -> list[str] | None:
    """One group name per session (in pairing order), or None when ``values`` is None."""
    if values is None:
        return None
    if isinstance(values, Mapping):
        if not isinstance(references, Mapping):
            raise InputValidationError(
                f"Expected `{name}` to be a list aligned with `references` (a list), but got a mapping."
            )
        missing = [k for k in keys if k not in values]
        if missing:
            raise InputValidationError(
                f"Expected a `{name}` entry for every session, but {missing[0]!r} has none."
            )
        raw = [values[k] for k in keys]
    else:
        if isinstance(values, (str, bytes)):
            raise InputValidationError(
                f"Expected argument `{name}` to be one name per session, but got a string."
            )
        raw = list(values)
        if len(raw) != len(keys):
            raise InputValidationError(
                f"Expected one `{name}` entry per session ({len(keys)}), but got {len(raw)}."
            )
    return [UNKNOWN_GROUP if v is None else str(v) for v in raw]


def _keyed(values: Any, references: Any, name: str) -> Any:
    """A list of group names for mapping references, keyed by the references' ids (in their order)."""
    if values is None or isinstance(values, Mapping) or not isinstance(references, Mapping):
        return values
    if isinstance(values, (str, bytes)):
        raise InputValidationError(
            f"Expected argument `{name}` to be one name per session, but got a string."
        )
    values = list(values)
    if len(values) != len(references):
        raise InputValidationError(
            f"Expected one `{name}` entry per session ({len(references)}), but got {len(values)}."
        )
    return dict(zip(references, values, strict=True))


def pair_sessions(
    predictions: Sequence[Any] | Mapping[Hashable, Any],
    references: Sequence[Any] | Mapping[Hashable, Any],
    *,
    ids: Sequence[Hashable] | None = None,
    tasks: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    domains: Sequence[Any] | Mapping[Hashable, Any] | None = None,
) -> list[SessionAnswers]:
    """Pair per-session answer lists by id (mappings) or position (lists with optional ``ids``).

    ``tasks`` / ``domains`` give each session's group names: a list aligned with ``references`` or a
    mapping keyed by session id; a ``None`` entry becomes ``"unknown"``.

    Raises:
        InputValidationError: mixed container kinds, a session missing from or unknown to the
            predictions, duplicate ids, or group lists of the wrong length.
    """
    if isinstance(predictions, (str, bytes)) or isinstance(references, (str, bytes)):
        raise InputValidationError(
            "Expected `predictions` and `references` to be per-session answer lists, but got a string."
        )
    triples = pair_units(predictions, references, ids)
    keys = [k for k, _, _ in triples]
    task_names = _group_names(_keyed(tasks, references, "tasks"), references, keys, "tasks")
    domain_names = _group_names(_keyed(domains, references, "domains"), references, keys, "domains")
    return [
        SessionAnswers(
            k,
            p,
            r,
            task_names[i] if task_names is not None else UNKNOWN_GROUP,
            domain_names[i] if domain_names is not None else UNKNOWN_GROUP,
        )
        for i, (k, p, r) in enumerate(triples)
    ]


class _SessionCounts(ColumnStats[tuple[int, int, int, int]]):
    """``(tp, fp, tn, fn)`` per session as one int64 array ``[n_sessions, 4]`` (fast bootstrap)."""

    def __init__(self, counts: np.ndarray) -> None:
        self.counts = counts

    def __len__(self) -> int:
        return len(self.counts)

    def row(self, i: int) -> tuple[int, int, int, int]:
        """Session ``i``'s counts."""
        return tuple(int(v) for v in self.counts[i])  # type: ignore[return-value]

    def take(self, indices: np.ndarray) -> _SessionCounts:
        """The sessions at ``indices``."""
        return _SessionCounts(self.counts[indices])


def _intervention_compute(units: _SessionCounts) -> dict[str, float]:
    tp, fp, tn, fn = (int(v) for v in units.counts.sum(axis=0))
    return binary_decision_scores(tp, fp, tn, fn)


def _with_counts(counts: Sequence[int]) -> dict[str, Any]:
    tp, fp, tn, fn = (int(c) for c in counts)
    return {
        **binary_decision_scores(tp, fp, tn, fn),
        "tp": tp,
        "fp": fp,
        "tn": tn,
        "fn": fn,
        "num_decision_points": tp + fp + tn + fn,
    }


def _by_group(names: list[str], counts: np.ndarray) -> dict[str, dict[str, Any]]:
    groups: dict[str, np.ndarray] = {}
    for name, row in zip(names, counts, strict=True):
        groups[name] = groups[name] + row if name in groups else row.copy()
    return {name: _with_counts(groups[name]) for name in sorted(groups)}


class _Update(NamedTuple):
    """Per session: ``counts`` (tp, fp, tn, fn), ``skipped`` chunks, answers with neither tag."""

    counts: np.ndarray
    skipped: list[int]
    invalid_pred: list[int]
    invalid_ref: list[int]


def _intervention_update(
    sessions: list[SessionAnswers], options: InterventionOptions, tags: tuple[str, str], what: str
) -> _Update:
    """:func:`session_decisions` of every session, computed for all sessions' answers at once.

    Each session is checked first (answer types, then its length under ``length_mismatch``, in session
    order, with :func:`session_decisions`' messages); then every scored answer is classified in one pass.
    """
    lengths = []
    for s in sessions:
        _check_answers(s.pred, s.id, what)
        _check_answers(s.ref, s.id, "references")
        if len(s.pred) != len(s.ref) and options.length_mismatch == "error":
            session_decisions(
                s, interrupt_tag=tags[0], silent_tag=tags[1], length_mismatch="error", what=what
            )
        lengths.append(min(len(s.pred), len(s.ref)))
    pred = [a.lstrip() for s, n in zip(sessions, lengths, strict=True) for a in s.pred[:n]]
    ref = [a.lstrip() for s, n in zip(sessions, lengths, strict=True) for a in s.ref[:n]]
    p = np.array([t.startswith(tags[0]) for t in pred], dtype=bool)
    r = np.array([t.startswith(tags[0]) for t in ref], dtype=bool)
    owner = np.repeat(np.arange(len(sessions)), lengths)

    def per_session(mask: np.ndarray) -> np.ndarray:
        return np.bincount(owner[mask], minlength=len(sessions)).astype(np.int64)

    tp, fp, fn = per_session(p & r), per_session(p & ~r), per_session(~p & r)
    counts = np.stack([tp, fp, np.asarray(lengths, dtype=np.int64) - tp - fp - fn, fn], axis=1)
    invalid_pred = per_session(np.array([not t.startswith(tags) for t in pred], dtype=bool))
    invalid_ref = per_session(np.array([not t.startswith(tags) for t in ref], dtype=bool))
    skipped = [abs(len(s.pred) - len(s.ref)) for s in sessions]
    return _Update(counts.reshape(len(sessions), 4), skipped, invalid_pred.tolist(), invalid_ref.tolist())


def intervention_scores(
    predictions: Sequence[Any] | Mapping[Hashable, Any],
    references: Sequence[Any] | Mapping[Hashable, Any],
    *,
    interrupt_tag: str,
    silent_tag: str,
    tasks: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    domains: Sequence[Any] | Mapping[Hashable, Any] | None = None,
    length_mismatch: LengthMismatch = "error",
    ids: Sequence[Hashable] | None = None,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | Mapping[Hashable, Any] | None = None,
) -> dict[str, Any]:
    """Interrupt / silent precision, recall and F1, macro F1 and G-mean F1 of per-session answers.

    Args:
        predictions: per session, one answer string per decision point; a list aligned with
            ``references`` or a mapping keyed by session id.
        references: per session, the gold answer strings; same container kind.
        interrupt_tag: the prefix that marks an interrupt (after ``lstrip``); the caller's data convention.
        silent_tag: the prefix of a well-formed silent answer (answers with neither tag are silent too,
            but counted as invalid).
        tasks: per session, its task name (``per_task``): a list aligned with ``references`` or a mapping
            by session id; None entries are ``"unknown"``. None: ``per_task`` is ``{}``.
        domains: per session, its domain name (``per_domain``), like ``tasks``.
        length_mismatch: ``"error"`` (default) or ``"truncate"`` (the official scorer; see the module
            docstring).
        ids: ids of list inputs (default ``"#0"``, ``"#1"``, ...); not allowed with mappings.
        bootstrap: session resamples for percentile intervals (0 = none).
        confidence: interval coverage.
        seed: bootstrap seed.
        paired_predictions: a second system's answers on the same sessions, for a paired comparison.

    Returns:
        ``interrupt_precision``, ``interrupt_recall``, ``interrupt_f1``, ``silent_precision``,
        ``silent_recall``, ``silent_f1``, ``macro_f1``, ``gmean_f1`` (fractions in [0, 1], higher is
        better), ``tp``, ``fp``, ``tn``, ``fn``, ``num_decision_points`` (scored), ``skipped_chunks``,
        ``num_sessions``, ``num_invalid_predictions`` / ``num_invalid_references`` (answers with neither
        tag, scored as silent), ``per_task`` / ``per_domain`` (``{name: scores and counts}``, sorted by
        name), ``per_session`` (``{id: {tp, fp, tn, fn, skipped_chunks, num_invalid_predictions}}``),
        ``signature``, and ``ci`` / ``ci_level`` / ``paired`` when asked for.

    Raises:
        InputValidationError: bad options, mismatched / missing / duplicate sessions, a non-string answer,
            or (``length_mismatch="error"``) a prediction list of the wrong length.

    Example:
        >>> out = intervention_scores(
        ...     [["$interrupt$ Add salt.", "$silent$", "  $interrupt$", ""]],
        ...     [["$interrupt$ Add the salt now.", "$silent$", "$silent$", "$interrupt$ Stir."]],
        ...     interrupt_tag="$interrupt$", silent_tag="$silent$")
        >>> out["tp"], out["fp"], out["tn"], out["fn"], out["num_invalid_predictions"]
        (1, 1, 1, 1, 1)
        >>> out["interrupt_f1"], out["silent_f1"], out["macro_f1"], out["gmean_f1"]
        (0.5, 0.5, 0.5, 0.5)
    """
    options = InterventionOptions(length_mismatch=length_mismatch)
    uncertainty = Uncertainty(bootstrap, confidence, seed, paired=paired_predictions is not None)
    tags = check_tags(interrupt_tag, silent_tag)
    sessions = pair_sessions(predictions, references, ids=ids, tasks=tasks, domains=domains)
    update = _intervention_update(sessions, options, tags, "predictions")
    counts = update.counts

    result: dict[str, Any] = _with_counts(counts.sum(axis=0))
    result["skipped_chunks"] = sum(update.skipped)
    result["num_sessions"] = len(sessions)
    result["num_invalid_predictions"] = sum(update.invalid_pred)
    result["num_invalid_references"] = sum(update.invalid_ref)
    result["per_task"] = _by_group([s.task for s in sessions], counts) if tasks is not None else {}
    result["per_domain"] = _by_group([s.domain for s in sessions], counts) if domains is not None else {}
    result["per_session"] = {
        s.id: {
            "tp": c[0],
            "fp": c[1],
            "tn": c[2],
            "fn": c[3],
            "skipped_chunks": k,
            "num_invalid_predictions": b,
        }
        for s, c, k, b in zip(sessions, counts.tolist(), update.skipped, update.invalid_pred, strict=True)
    }
    paired_units = None
    if paired_predictions is not None:
        paired_sessions = pair_sessions(paired_predictions, references, ids=ids)
        paired_units = _SessionCounts(
            _intervention_update(paired_sessions, options, tags, "paired_predictions").counts
        )
    if uncertainty.active and not len(sessions):
        raise InputValidationError("Expected at least one session to bootstrap, but got none.")
    result = with_uncertainty(
        result,
        _SessionCounts(counts),
        _intervention_compute,
        uncertainty=uncertainty,
        paired_units=paired_units,
    )
    result["signature"] = score_signature("intervention", options, uncertainty, extra={"tags": tags})
    return result


def check_tags(interrupt_tag: Any, silent_tag: Any) -> tuple[str, str]:
    """The two tags, checked: non-empty strings, no leading whitespace or ``|``, neither a prefix of the other.

    Raises:
        InputValidationError: a tag breaks one of these rules.
    """
    for name, tag in (("interrupt_tag", interrupt_tag), ("silent_tag", silent_tag)):
        if not isinstance(tag, str) or not tag or tag != tag.lstrip() or "|" in tag:
            raise InputValidationError(
                f"Expected argument `{name}` to be a non-empty string without leading whitespace or '|', "
                f"but got {tag!r}."
            )
    if interrupt_tag.startswith(silent_tag) or silent_tag.startswith(interrupt_tag):
        raise InputValidationError(
            f"Expected tags that are not prefixes of each other, but got {interrupt_tag!r} and {silent_tag!r}."
        )
    return interrupt_tag, silent_tag
