"""proceval's Pro2Bench instance schema: one decision point per JSONL line, per source.

The PWR paper's own files (``data/*/instances.jsonl``, plans, cues, OOP labels) are not public, so
this schema is **proceval's design**, following the paper's text (§2.3 plan with step status and visual
cues, §3.3 decisions and utterances, App. H.2 deviation types and onset). A file
``pro2bench/<source>/instances.jsonl`` holds one JSON object per decision point:

==========================  ========================================================================
field                       meaning
==========================  ========================================================================
``session_id``              the recording / session the decision point belongs to (required)
``video_path``              the session's video, relative to the release folder (required)
``start_s``, ``end_s``      the decision window in seconds, ``end_s > start_s`` (required)
``label``                   ``"interrupt"`` or ``"silent"`` (required)
``goal``                    the user's procedural request *q* (required)
``utterance``               the golden response; required and non-empty for ``interrupt``, absent or
                            ``""`` for ``silent``
``split``                   ``"train"`` or ``"test"`` (the paper's evaluation set); default ``"test"``
``interval_index``          position of the decision point in its session (default: file order)
``domain``, ``task``        activity domain and task (default ``""``)
``dialog``                  gold dialog before the decision point, ``{role, text}`` turns (default ``[]``)
``plan``                    *ours*: ``[{"step": str, "status": "completed" | "current" | "next"}]``
``step_complete_cues``      *ours*: visual cues that the current step is done (list of strings)
``step_incomplete_cues``    *ours*: visual cues that it is still in progress (list of strings)
``oop``                     *ours*: the decision point belongs to an out-of-plan scenario (bool)
``deviation_type``          *ours*: ``"omission"``, ``"ordering"`` or ``"substitution"`` (OOP only)
``deviation_onset_s``       *ours*: first moment the deviation is visible, seconds (OOP only)
``recovery_utterance``      *ours*: the golden recovery guidance (OOP only; may be absent)
==========================  ========================================================================

Rows without the fields marked *ours* load with them empty (``[]`` lists, ``None`` scalars: ``oop``
``None`` means "not annotated", not "no deviation"). A field outside this table is an error, so a
misspelt field never loads as silently empty. Without ``pro2bench/egoproactive/instances.jsonl`` the
``egoproactive`` source is derived from the public challenge file (:func:`from_challenge`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proceval.benchmarks.pro2bench.reader import (
    LABELS,
    ChallengeFile,
    RowReader,
    Turn,
    format_answer,
)
from proceval.benchmarks.pro2bench.release import EGOPROACTIVE_DIR, VIDEO_DIR, safe_relpath
from proceval.errors import ReleaseFormatError
from proceval.io import cached_per_file_version, read_jsonl

SPLITS: tuple[str, ...] = ("train", "test")
PLAN_STATUSES: tuple[str, ...] = ("completed", "current", "next")
DEVIATION_TYPES: tuple[str, ...] = ("omission", "ordering", "substitution")
REQUIRED_FIELDS: tuple[str, ...] = ("session_id", "video_path", "start_s", "end_s", "label", "goal")
OPTIONAL_FIELDS: tuple[str, ...] = ("utterance", "split", "interval_index", "domain", "task", "dialog")
RICH_FIELDS: tuple[str, ...] = (
    "plan",
    "step_complete_cues",
    "step_incomplete_cues",
    "oop",
    "deviation_type",
    "deviation_onset_s",
    "recovery_utterance",
)
"""The fields proceval adds to the public schema (empty when a row lacks them)."""

OOP_ONLY: tuple[str, ...] = ("deviation_type", "deviation_onset_s", "recovery_utterance")


@dataclass(frozen=True)
class Instance:
    """One checked Pro2Bench decision point (field meanings: the module's table).

    ``line`` is the 1-based line in ``path`` (0 for rows derived from the challenge file, whose ``path``
    is that file and ``challenge_line`` the session's line there).
    """

    path: Path
    line: int
    source: str
    split: str
    session_id: str
    video_path: str
    interval_index: int
    start_s: float
    end_s: float
    label: str
    utterance: str
    goal: str
    domain: str
    task: str
    dialog: tuple[Turn, ...]
    plan: tuple[dict[str, str], ...] = ()
    step_complete_cues: tuple[str, ...] = ()
    step_incomplete_cues: tuple[str, ...] = ()
    oop: bool | None = None
    deviation_type: str | None = None
    deviation_onset_s: float | None = None
    recovery_utterance: str | None = None
    release_warnings: tuple[str, ...] = ()

    @property
    def decision_id(self) -> str:
        """``<session_id>/<interval_index>``: the id predictions are keyed by."""
        return f"{self.session_id}/{self.interval_index}"

    @property
    def answer(self) -> str:
        """The decision in the challenge form (``"$interrupt$<utterance>"`` or ``"$silent$"``)."""
        return format_answer(self.label, self.utterance)


def _choice(r: RowReader, field: str, allowed: tuple[str, ...], default: str | None = None) -> str:
    value = r.row.get(field, default)
    if value not in allowed:
        raise r.fail(f"expected `{field}` to be one of {allowed}, but got {value!r}")
    return value


def _plan(r: RowReader) -> tuple[dict[str, str], ...]:
    value = r.row.get("plan")
    if value is None:
        return ()
    if not isinstance(value, list):
        raise r.fail(f"expected `plan` to be a list of {{step, status}} objects, but got {value!r}")
    out = []
    for k, item in enumerate(value):
        if (
            not isinstance(item, dict)
            or set(item) != {"step", "status"}
            or not isinstance(item["step"], str)
            or item["status"] not in PLAN_STATUSES
        ):
            raise r.fail(
                f'expected `plan`[{k}] to be {{"step": str, "status": one of {PLAN_STATUSES}}}, but got {item!r}'
            )
        out.append({"step": item["step"], "status": item["status"]})
    return tuple(out)


def parse_instance(path: Path, line: int, row: dict[str, Any], source: str, position: int) -> Instance:
    """Check one instance row (``position``: its 0-based order within its session, the default index).

    Raises:
        ReleaseFormatError: a missing required field, an unknown field, a wrong type or value, a window
            whose end is not after its start, an absolute or escaping ``video_path``, an utterance that
            does not fit the label, or deviation fields on a row that is not ``oop`` (file, line, field and
            row named).
    """
    r = RowReader(path, line, row, "row")
    sid = row.get("session_id")
    r.name = f"row {sid!r}" if isinstance(sid, str) else "row"
    unknown = sorted(set(row) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS) - set(RICH_FIELDS))
    if unknown:
        raise r.fail(
            f"expected only the fields of proceval's Pro2Bench schema, but got unknown fields {unknown}"
        )
    for field in REQUIRED_FIELDS:
        r.require(field)
    session_id = r.string("session_id")
    if not session_id or "/" in session_id:
        raise r.fail(f"expected `session_id` to be a non-empty string without '/', but got {session_id!r}")
    video_path = safe_relpath(
        row["video_path"], path=path, line=line, field="video_path", row=r.name, base="the release folder"
    )
    start = r.seconds("start_s", row["start_s"])
    end = r.seconds("end_s", row["end_s"])
    if end <= start:
        raise r.fail(f"expected `end_s` after `start_s`, but got start_s={start!r}, end_s={end!r}")
    label = _choice(r, "label", LABELS)
    utterance = r.optional_string("utterance") or ""
    if label == "interrupt" and not utterance.strip():
        raise r.fail("expected a non-empty `utterance` for an interrupt, but got none")
    if label == "silent" and utterance:
        raise r.fail(f"expected no `utterance` for a silent decision point, but got {utterance!r}")
    index = row.get("interval_index", position)
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise r.fail(f"expected `interval_index` to be an integer >= 0, but got {index!r}")
    oop = row.get("oop")
    if oop is not None and not isinstance(oop, bool):
        raise r.fail(f"expected `oop` to be true, false or null, but got {oop!r}")
    present = [f for f in OOP_ONLY if row.get(f) is not None]
    if oop is not True and present:
        raise r.fail(f"expected {present} only on out-of-plan rows (`oop`: true), but `oop` is {oop!r}")
    deviation_type = onset = None
    if oop is True:
        r.require("deviation_type")
        r.require("deviation_onset_s")
        deviation_type = _choice(r, "deviation_type", DEVIATION_TYPES)
        onset = r.seconds("deviation_onset_s", row["deviation_onset_s"])
    return Instance(
        path=path,
        line=line,
        source=source,
        split=_choice(r, "split", SPLITS, "test"),
        session_id=session_id,
        video_path=video_path,
        interval_index=index,
        start_s=start,
        end_s=end,
        label=label,
        utterance=utterance.strip(),
        goal=r.string("goal"),
        domain=r.optional_string("domain") or "",
        task=r.optional_string("task") or "",
        dialog=r.turns("dialog", row["dialog"]) if row.get("dialog") is not None else (),
        plan=_plan(r),
        step_complete_cues=tuple(r.string_list("step_complete_cues", optional=True)),
        step_incomplete_cues=tuple(r.string_list("step_incomplete_cues", optional=True)),
        oop=oop,
        deviation_type=deviation_type,
        deviation_onset_s=onset,
        recovery_utterance=r.optional_string("recovery_utterance"),
    )


@cached_per_file_version()
def read_instances(path: str | os.PathLike[str], source: str) -> tuple[Instance, ...]:
    """Parse and check ``pro2bench/<source>/instances.jsonl`` (cached per file version).

    Raises:
        ReleaseFormatError: a malformed row (:func:`parse_instance`), an invalid JSON line, or a decision id
            (``session_id/interval_index``) on two lines.
    """
    p = Path(path)
    out = []
    seen: dict[str, int] = {}
    positions: dict[str, int] = {}
    for line, row in read_jsonl(p):
        sid = row.get("session_id")
        position = positions.get(sid, 0) if isinstance(sid, str) else 0
        inst = parse_instance(p, line, row, source, position)
        positions[inst.session_id] = position + 1
        if inst.decision_id in seen:
            raise ReleaseFormatError(
                p,
                f"row {inst.session_id!r}: expected each decision point once, but {inst.decision_id!r} is "
                f"already on line {seen[inst.decision_id]}",
                line,
            )
        seen[inst.decision_id] = line
        out.append(inst)
    return tuple(out)


def from_challenge(challenge: ChallengeFile, source: str = "egoproactive") -> tuple[Instance, ...]:
    """The challenge file's decision points as instances (``split="test"``; fields marked *ours* empty).

    ``video_path`` becomes ``egoproactive/val/<video_path>`` (relative to the release folder), ``goal`` the
    session's ``query``; ``release_warnings`` are the session's.
    """
    out = []
    for session in challenge.sessions:
        for d in session.decisions():
            out.append(
                Instance(
                    path=challenge.path,
                    line=0,
                    source=source,
                    split="test",
                    session_id=session.video_id,
                    video_path=f"{EGOPROACTIVE_DIR}/{VIDEO_DIR}/{session.video_path}",
                    interval_index=d.index,
                    start_s=d.start_s,
                    end_s=d.end_s,
                    label=d.label,
                    utterance=d.utterance,
                    goal=session.query,
                    domain=session.domain,
                    task=session.task,
                    dialog=d.dialog,
                    release_warnings=session.warnings,
                )
            )
    return tuple(out)
