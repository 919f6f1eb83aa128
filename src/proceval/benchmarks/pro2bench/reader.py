"""Parsers of the EgoProactive challenge JSONL and of proceval's Pro2Bench instance files.

Challenge rows (spec §1.2, read as released): ``video_path`` (file name under ``egoproactive/val/``),
``duration_in_sec``, ``video_intervals`` (``[start_s, end_s]`` decision chunks, seconds), ``query``,
``domain``, ``task``, ``answers`` (``"$silent$"`` or ``"$interrupt$<utterance>"``, one per chunk) and
``dialog`` (the gold dialog *before* each chunk: a list of ``{role, text}`` turns per chunk).

Errors name the file, the 1-based line, the field and the row (:class:`~proceval.errors.ReleaseFormatError`):
a missing field, a wrong type, a non-numeric or non-finite time, a chunk whose end is not after its start,
a ``dialog`` whose length differs from ``video_intervals`` (the official generation script reads
``dialog[j]`` for every chunk ``j``), an absolute or escaping ``video_path`` and a repeated ``video_path``.

Tolerated as the official scorer tolerates them, loaded and flagged in the row's ``release_warnings``
(and a :class:`~proceval.benchmarks.pro2bench.release.Pro2BenchQuirkWarning`):

* ``video_intervals`` and ``answers`` of different lengths. The official pipeline generates one
  prediction per interval and compares it with ``answers`` position by position over the shorter length
  (``skipped_chunks``), so only the first ``min(len(video_intervals), len(answers))`` chunks become
  decision points.
* a gold answer that is neither ``"$silent$"`` nor starts with ``"$interrupt$"``: the official tag rule
  (:func:`answer_label`) reads it, as every such string, as silent.
* a chunk ending after ``duration_in_sec`` (clip decoding stops at the video's last frame).
"""

from __future__ import annotations

import itertools
import math
import operator
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from proceval.benchmarks.pro2bench.release import EGOPROACTIVE_DIR, VIDEO_DIR, declared_rows, safe_relpath
from proceval.errors import ReleaseFormatError
from proceval.io import cached_per_file_version, loads_fast, paused_gc, read_jsonl

INTERRUPT_TAG = "$interrupt$"
SILENT_TAG = "$silent$"
Label = Literal["silent", "interrupt"]
LABELS: tuple[str, ...] = ("silent", "interrupt")
"""Gold label names in ``ClassLabel`` order: ``silent`` = 0, ``interrupt`` = 1 (the positive class)."""

PUBLIC_FIELDS: tuple[str, ...] = (
    "video_path",
    "duration_in_sec",
    "video_intervals",
    "query",
    "domain",
    "task",
    "answers",
    "dialog",
)
"""The fields of a challenge row, in the order they are checked."""

Turn = dict[str, str]


def answer_label(answer: str) -> Label:
    """The official tag rule: ``interrupt`` iff the left-stripped string starts with ``$interrupt$``.

    Examples:
        >>> answer_label("$interrupt$Next, fold the wings."), answer_label("$silent$"), answer_label("ok")
        ('interrupt', 'silent', 'silent')
    """
    return "interrupt" if answer.lstrip().startswith(INTERRUPT_TAG) else "silent"


def answer_utterance(answer: str) -> str:
    """The utterance of an interrupt answer (text after ``$interrupt$``, stripped); ``""`` for silent.

    Examples:
        >>> answer_utterance(" $interrupt$ Next, fold the wings."), answer_utterance("$silent$")
        ('Next, fold the wings.', '')
    """
    text = answer.lstrip()
    return text[len(INTERRUPT_TAG) :].strip() if text.startswith(INTERRUPT_TAG) else ""


def format_answer(label: str, utterance: str) -> str:
    """The challenge form of a decision: ``"$interrupt$<utterance>"`` or ``"$silent$"``."""
    return f"{INTERRUPT_TAG}{utterance}" if label == "interrupt" else SILENT_TAG


@dataclass(frozen=True)
class Decision:
    """One decision point of a session: a chunk of the video and what the gold assistant did there.

    Attributes:
        index: 0-based position of the chunk in the session's ``video_intervals``.
        start_s: chunk start in seconds (inclusive).
        end_s: chunk end in seconds (exclusive; the decision is taken at ``end_s``).
        answer: the gold answer as released (``"$silent$"`` / ``"$interrupt$..."``).
        label: ``interrupt`` or ``silent`` by the official tag rule (:func:`answer_label`).
        utterance: the gold utterance (``""`` for silent).
        dialog: the gold dialog before this chunk (``{role, text}`` turns).
    """

    index: int
    start_s: float
    end_s: float
    answer: str
    label: Label
    utterance: str
    dialog: tuple[Turn, ...]


@dataclass(frozen=True)
class Session:
    """One challenge row, checked.

    Attributes:
        line: 1-based line of the row in its file.
        video_path: ``video_path`` exactly as released (relative to ``egoproactive/val/``; the official
            submission keys sessions by it).
        video_id: ``video_path`` normalised, without its extension (the session id).
        duration_s: ``duration_in_sec``.
        intervals: ``video_intervals`` as ``(start_s, end_s)`` pairs.
        query, domain, task: as released.
        answers: as released.
        dialog: as released (one list of turns per interval).
        warnings: tolerated irregularities of this row (``release_warnings``).
    """

    line: int
    video_path: str
    video_id: str
    duration_s: float
    intervals: tuple[tuple[float, float], ...]
    query: str
    domain: str
    task: str
    answers: tuple[str, ...]
    dialog: tuple[tuple[Turn, ...], ...]
    warnings: tuple[str, ...]

    def decisions(self) -> list[Decision]:
        """The decision points: chunks ``0 .. min(len(intervals), len(answers)) - 1``."""
        out = []
        for j in range(min(len(self.intervals), len(self.answers))):
            start, end = self.intervals[j]
            answer = self.answers[j]
            out.append(
                Decision(
                    j, start, end, answer, answer_label(answer), answer_utterance(answer), self.dialog[j]
                )
            )
        return out


@dataclass(frozen=True)
class ChallengeFile:
    """A parsed challenge JSONL: its sessions (file order) and file-level warnings."""

    path: Path
    sessions: tuple[Session, ...]
    warnings: tuple[str, ...]


class RowReader:
    """Checks the fields of one JSON row, raising errors that name the file, line, field and row."""

    def __init__(self, path: Path, line: int, row: Mapping[str, Any], name: str) -> None:
        self.path, self.line, self.row, self.name = path, line, row, name

    def fail(self, message: str) -> ReleaseFormatError:
        """A :class:`ReleaseFormatError` at this row (message prefixed by the row's name)."""
        return ReleaseFormatError(self.path, f"{self.name}: {message}", self.line)

    def require(self, field: str) -> Any:
        """The value of ``field``; raises naming the missing field."""
        if field not in self.row:
            raise self.fail(f"expected a `{field}` field, but the row has only {sorted(self.row)}")
        return self.row[field]

    def string(self, field: str) -> str:
        """A required string field."""
        value = self.require(field)
        if not isinstance(value, str):
            raise self.fail(f"expected `{field}` to be a string, but got {_show(value)}")
        return value

    def optional_string(self, field: str) -> str | None:
        """A string field that may be absent or null (``None`` then)."""
        value = self.row.get(field)
        if value is not None and not isinstance(value, str):
            raise self.fail(f"expected `{field}` to be a string or null, but got {_show(value)}")
        return value

    def seconds(self, field: str, value: Any, *, where: str = "") -> float:
        """A finite, non-negative number of seconds (bools and numeric strings are refused)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.fail(
                f"expected `{field}`{where} to be a finite number of seconds, but got {_show(value)}"
            )
        if value < 0:
            raise self.fail(f"expected `{field}`{where} to be >= 0 seconds, but got {value!r}")
        return float(value)

    def string_list(self, field: str, *, optional: bool = False) -> list[str]:
        """A list of strings (``[]`` when ``optional`` and the field is absent or null)."""
        value = self.row.get(field) if optional else self.require(field)
        if value is None and optional:
            return []
        if not isinstance(value, list) or not (
            set(map(type, value)) <= {str} or all(isinstance(v, str) for v in value)
        ):
            raise self.fail(f"expected `{field}` to be a list of strings, but got {_show(value)}")
        return list(value)

    def turns(self, field: str, value: Any, *, where: str = "") -> tuple[Turn, ...]:
        """A list of ``{role, text}`` turns (both strings; extra keys are refused).

        The turns are returned as they were read (each a dict with exactly those two string values);
        copy them before handing them to code that may change them (:func:`plain_turns`).
        """
        if not isinstance(value, list):
            raise self.fail(
                f"expected `{field}`{where} to be a list of {{role, text}} turns, but got {_show(value)}"
            )
        for k, turn in enumerate(value):
            if (
                not isinstance(turn, dict)
                or turn.keys() != _TURN_KEYS
                or not isinstance(turn["role"], str)
                or not isinstance(turn["text"], str)
            ):
                raise self.fail(
                    f"expected `{field}`{where}[{k}] to be a {{role, text}} turn of strings, but got {_show(turn)}"
                )
        return tuple(value)


_TURN_KEYS = frozenset(("role", "text"))
_PUBLIC_FIELD_SET = frozenset(PUBLIC_FIELDS)
_ROLE, _TEXT = operator.itemgetter("role"), operator.itemgetter("text")


def _plain_dialog(dialog: list[Any]) -> bool:
    """Whether every entry of ``dialog`` is a list of ``{role, text}`` dicts of strings.

    Checked with a few passes of built-ins over all turns at once (a challenge file holds ~150,000
    turns); False sends the row to :meth:`RowReader.turns`, which names the first bad turn.
    """
    if not set(map(type, dialog)) <= {list}:
        return False
    turns = list(itertools.chain.from_iterable(dialog))
    if not (set(map(type, turns)) <= {dict} and set(map(len, turns)) <= {2}):
        return False
    try:  # two keys, `role` and `text` among them: exactly those two
        return set(map(type, map(_ROLE, turns))) <= {str} and set(map(type, map(_TEXT, turns))) <= {str}
    except KeyError:
        return False


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def parse_session(path: Path, line: int, row: Mapping[str, Any]) -> Session:
    """Check one challenge row and return it as a :class:`Session`.

    Raises:
        ReleaseFormatError: a missing field, a wrong type, a bad time or interval, a ``dialog`` length that
            differs from ``video_intervals``, or an absolute / escaping ``video_path`` (file, line, field
            and row named).
    """
    r = RowReader(path, line, row, "row")
    raw_path = r.require("video_path")
    name = f"row {raw_path!r}" if isinstance(raw_path, str) else "row"
    r.name = name
    if not row.keys() >= _PUBLIC_FIELD_SET:
        for field in PUBLIC_FIELDS:  # the first missing one is named
            r.require(field)
    normal = safe_relpath(
        raw_path, path=path, line=line, field="video_path", row=name, base=f"{EGOPROACTIVE_DIR}/{VIDEO_DIR}/"
    )
    duration = r.seconds("duration_in_sec", row["duration_in_sec"])
    raw_intervals = row["video_intervals"]
    if not isinstance(raw_intervals, list):
        raise r.fail(
            f"expected `video_intervals` to be a list of [start_s, end_s] pairs, but got {_show(raw_intervals)}"
        )
    intervals = []
    for j, pair in enumerate(raw_intervals):
        if type(pair) is list and len(pair) == 2:  # the common case, checked without calls
            start, end = pair
            if type(start) is float and type(end) is float and 0.0 <= start < end < math.inf:
                intervals.append((start, end))
                continue
        intervals.append(_interval(r, j, pair))
    answers = r.string_list("answers")
    raw_dialog = row["dialog"]
    if not isinstance(raw_dialog, list):
        raise r.fail(
            f"expected `dialog` to be a list (one list of turns per interval), but got {_show(raw_dialog)}"
        )
    if _plain_dialog(raw_dialog):
        dialog = tuple(map(tuple, raw_dialog))
    else:  # the first bad turn is named
        dialog = tuple(r.turns("dialog", d, where=f"[{j}]") for j, d in enumerate(raw_dialog))
    if len(dialog) != len(intervals):
        raise r.fail(
            f"expected `dialog` to have one entry per `video_intervals` entry ({len(intervals)}), "
            f"but got {len(dialog)}"
        )
    notes = []
    if len(answers) != len(intervals):
        notes.append(
            f"{len(intervals)} video_intervals but {len(answers)} answers: the official scorer compares the first "
            f"{min(len(answers), len(intervals))} chunks (skipped_chunks); the others are not decision points"
        )
    odd = [j for j, a in enumerate(answers) if a != SILENT_TAG and not a.startswith(INTERRUPT_TAG)]
    if odd:
        notes.append(
            f"answers {odd} are neither '$silent$' nor '$interrupt$...': read as "
            f"{[answer_label(answers[j]) for j in odd]} by the official tag rule"
        )
    late = [j for j, (_, e) in enumerate(intervals) if e > duration + 1e-6]
    if late:
        notes.append(f"video_intervals {late} end after duration_in_sec ({duration} s)")
    return Session(
        line=line,
        video_path=raw_path,
        video_id=_strip_suffix(normal),
        duration_s=duration,
        intervals=tuple(intervals),
        query=r.string("query"),
        domain=r.string("domain"),
        task=r.string("task"),
        answers=tuple(answers),
        dialog=dialog,
        warnings=tuple(notes),
    )


def _interval(r: RowReader, j: int, pair: Any) -> tuple[float, float]:
    """``video_intervals[j]`` as ``(start_s, end_s)``; raises naming what is wrong with it."""
    if not isinstance(pair, list) or len(pair) != 2:
        raise r.fail(f"expected `video_intervals`[{j}] to be a [start_s, end_s] pair, but got {_show(pair)}")
    start = r.seconds("video_intervals", pair[0], where=f"[{j}][0]")
    end = r.seconds("video_intervals", pair[1], where=f"[{j}][1]")
    if end <= start:
        raise r.fail(
            f"expected `video_intervals`[{j}] to end after it starts, but got start {start!r} s, end {end!r} s"
        )
    return start, end


def _strip_suffix(relpath: str) -> str:
    stem, ext = os.path.splitext(relpath)
    return stem if ext else relpath


@cached_per_file_version()
def read_challenge_file(path: str | os.PathLike[str]) -> ChallengeFile:
    """Parse and check a challenge JSONL (cached per file version).

    Raises:
        ReleaseFormatError: a malformed row (see :func:`parse_session`), an invalid JSON line, or a
            ``video_path`` (or its id) repeated on two lines.
    """
    p = Path(path)
    with paused_gc():  # ~150,000 turns read and checked: no collection finds a cycle among them
        return _read_challenge_file(p)


def _read_challenge_file(p: Path) -> ChallengeFile:
    sessions = []
    seen: dict[str, int] = {}
    fields: set[str] = set()
    for line, row in read_jsonl(p, loads=loads_fast):  # every number of the file is a time in seconds
        fields |= set(row)
        session = parse_session(p, line, row)
        if session.video_id in seen:
            raise ReleaseFormatError(
                p,
                f"row {session.video_path!r}: expected each session once, but its video id "
                f"{session.video_id!r} is already on line {seen[session.video_id]}",
                line,
            )
        seen[session.video_id] = line
        sessions.append(session)
    notes = []
    declared = declared_rows(p)
    if declared is not None and declared != len(sessions):
        notes.append(f"{p.name}: the file name declares {declared} sessions but it holds {len(sessions)}")
    extra = sorted(fields - set(PUBLIC_FIELDS))
    if extra:
        notes.append(f"{p.name}: fields outside the challenge schema are not loaded: {extra}")
    return ChallengeFile(p, tuple(sessions), tuple(notes))


def session_warnings(session: Session, path: Path) -> list[str]:
    """The row's warnings prefixed by ``file:line`` (as the build's warnings show them)."""
    return [f"{path}:{session.line}: row {session.video_path!r}: {w}" for w in session.warnings]


def plain_turns(turns: Sequence[Turn]) -> list[dict[str, str]]:
    """Turns as fresh dicts (safe to hand to ``datasets``)."""
    return list(map(dict, turns))  # every turn holds exactly `role` and `text` (checked on reading)
