"""Read ``data/training.json`` and ``data/testing.json`` of the ProcObject-10K release as they are.

Each file holds QA records (fields: :data:`~proceval.benchmarks.procobject.schema.RECORD_FIELDS`) either
as a JSON list or as a dict keyed by reasoning pattern (``{"Needle-in-a-Haystack": [...],
"Multi-hop Reasoning": [...]}``, the shape the Hugging Face card describes for ``testing.json``); both
shapes are accepted for both files. In the dict shape a record without ``reasoning`` takes its key; one
whose ``reasoning`` differs from its key is an error.

Units: ``clip_start`` / ``clip_end`` are seconds in the source video; ``evidence`` spans ``[start, end]``
are seconds **relative to clip_start** (so ``0 <= start <= end <= clip_end - clip_start``).

Validation (every failure is a :class:`~proceval.errors.ReleaseFormatError` naming the file and the
record's id, or its position when it has no usable id):

* a record that is not an object, a missing field, a non-integer ``id`` (booleans and floats are not
  ids), an ``id`` seen twice (in one file or across the two files), a ``source`` / ``qa_type`` /
  ``reasoning`` outside the released values, an empty, absolute or ``..`` ``video_path``;
* non-numeric (strings, booleans, null), NaN or infinite times; ``clip_start < 0``;
  ``clip_end <= clip_start``;
* ``evidence`` that is not a non-empty list of ``[start, end]`` pairs; a negative start; a reversed span
  (``end < start``); a span starting at or after the clip's end (nothing of it lies in the clip).

Spans that start inside the clip but end after it (``end > clip_duration + SPAN_EPS_S``) follow the
``beyond_clip`` policy: ``"clip"`` (default) cuts them at the clip's end and counts them
(:attr:`ReleaseFile.n_clipped_spans`, :attr:`ReleaseFile.clipped_ids`; the configs warn with the count),
``"error"`` raises. Zero-length spans (``start == end``) are kept. Fields beyond the released ones are
ignored and listed in :attr:`ReleaseFile.unknown_fields` (the configs warn).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from proceval.benchmarks.procobject.schema import QA_TYPES, REASONINGS, RECORD_FIELDS, SOURCES, SPLIT_FILES
from proceval.errors import InputValidationError, ReleaseFormatError
from proceval.io import cached_per_file_version, read_json

BeyondClipPolicy = Literal["clip", "error"]
BEYOND_CLIP_POLICIES: tuple[str, ...] = ("clip", "error")

SPAN_EPS_S = 1e-6
"""Seconds an evidence end may pass the clip's duration before it counts as beyond the clip (float noise)."""

FileShape = Literal["list", "dict"]


class ProcObjectReleaseWarning(UserWarning):
    """A release quirk that was resolved by a documented policy (clipped spans, unknown fields)."""


@dataclass(frozen=True)
class QARecord:
    """One released QA pair.

    Attributes:
        id: the question id (unique over train and test).
        domain, task: e.g. ``"Cooking & Food"``, ``"Make Tea"``.
        source: the upstream corpus (:data:`~proceval.benchmarks.procobject.schema.SOURCES`).
        qa_type: one of the five QA types.
        reasoning: ``"Needle-in-a-Haystack"`` or ``"Multi-hop Reasoning"``.
        video_path: the source video, ``<corpus>/<rest>``, relative to a videos root.
        clip_start, clip_end: the clip inside the source video, seconds (``clip_end > clip_start >= 0``).
        question, answer: open-ended question and reference answer.
        evidence: ``((start, end), ...)`` seconds relative to ``clip_start``, in release order, each within
            ``[0, clip_duration_s]`` (after the ``beyond_clip`` policy).
    """

    id: int
    domain: str
    task: str
    source: str
    qa_type: str
    reasoning: str
    video_path: str
    clip_start: float
    clip_end: float
    question: str
    answer: str
    evidence: tuple[tuple[float, float], ...]

    @property
    def clip_duration_s(self) -> float:
        """``clip_end - clip_start`` in seconds, rounded to the microsecond (float noise removed)."""
        return round(self.clip_end - self.clip_start, 6)


@dataclass(frozen=True)
class ReleaseFile:
    """The parsed records of one annotation file and what the reader met.

    Attributes:
        path: the file.
        shape: ``"list"`` or ``"dict"`` (keyed by reasoning pattern).
        records: the records in file order (dict shape: key order, then list order).
        n_clipped_spans: evidence spans cut at the clip's end (``beyond_clip="clip"``).
        clipped_ids: ids of the records with at least one such span, in file order.
        unknown_fields: field names beyond the released ones (ignored), sorted.
    """

    path: Path
    shape: FileShape
    records: tuple[QARecord, ...]
    n_clipped_spans: int = 0
    clipped_ids: tuple[int, ...] = ()
    unknown_fields: tuple[str, ...] = ()

    def warnings(self) -> list[str]:
        """One message per quirk resolved by policy (empty for a clean file)."""
        out = []
        if self.n_clipped_spans:
            shown = ", ".join(str(i) for i in self.clipped_ids[:5])
            more = f" and {len(self.clipped_ids) - 5} more" if len(self.clipped_ids) > 5 else ""
            out.append(
                f"{self.path}: {self.n_clipped_spans} evidence spans of {len(self.clipped_ids)} records end "
                f"after their clip; cut at the clip's end (ids {shown}{more})"
            )
        if self.unknown_fields:
            out.append(
                f"{self.path}: fields beyond the released ones ignored: {', '.join(self.unknown_fields)}"
            )
        return out


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _RecordReader:
    """Validates records of one file (holds the file for messages and the span counts)."""

    def __init__(self, path: Path, beyond_clip: str) -> None:
        self.path = path
        self.beyond_clip = beyond_clip
        self.n_clipped = 0
        self.clipped_ids: list[int] = []
        self.unknown: set[str] = set()

    def fail(self, where: str, message: str) -> ReleaseFormatError:
        return ReleaseFormatError(self.path, f"{where}: {message}")

    def seconds(self, where: str, name: str, value: Any) -> float:
        if not _is_number(value):
            raise self.fail(where, f"Expected `{name}` to be a number of seconds, but got {value!r}.")
        if not math.isfinite(value):
            raise self.fail(where, f"Expected `{name}` to be finite, but got {value!r}.")
        return float(value)

    def record(self, raw: Any, position: str, key_reasoning: str | None) -> QARecord:
        if not isinstance(raw, Mapping):
            raise self.fail(position, f"Expected a QA record (a JSON object), but got {type(raw).__name__}.")
        raw = dict(raw)
        if key_reasoning is not None:
            raw.setdefault("reasoning", key_reasoning)
        qid = raw.get("id")
        if "id" not in raw:
            raise self.fail(position, "Expected a field `id`, but the record has none.")
        if not isinstance(qid, int) or isinstance(qid, bool):
            raise self.fail(position, f"Expected `id` to be an integer, but got {qid!r}.")
        where = f"id {qid}"
        missing = [f for f in RECORD_FIELDS if f not in raw]
        if missing:
            raise self.fail(where, f"Expected the fields {list(RECORD_FIELDS)}, but {missing} are missing.")
        self.unknown.update(k for k in raw if k not in RECORD_FIELDS)
        for name in ("domain", "task", "question", "answer"):
            if not isinstance(raw[name], str):
                raise self.fail(where, f"Expected `{name}` to be a string, but got {raw[name]!r}.")
        for name, allowed in (("source", SOURCES), ("qa_type", QA_TYPES), ("reasoning", REASONINGS)):
            if raw[name] not in allowed:
                raise self.fail(where, f"Expected `{name}` to be one of {allowed}, but got {raw[name]!r}.")
        if key_reasoning is not None and raw["reasoning"] != key_reasoning:
            raise self.fail(
                where,
                f"Expected `reasoning` to equal the key it is listed under ({key_reasoning!r}), "
                f"but got {raw['reasoning']!r}.",
            )
        video_path = raw["video_path"]
        if (
            not isinstance(video_path, str)
            or not video_path.strip()
            or video_path.startswith(("/", "\\"))
            or ".." in PurePosixPath(video_path.replace("\\", "/")).parts
        ):
            raise self.fail(
                where,
                f"Expected `video_path` to be a relative path `<corpus>/<rest>`, but got {video_path!r}.",
            )
        start = self.seconds(where, "clip_start", raw["clip_start"])
        end = self.seconds(where, "clip_end", raw["clip_end"])
        if start < 0 or end <= start:
            raise self.fail(
                where,
                f"Expected 0 <= `clip_start` < `clip_end` (seconds), but got clip_start={raw['clip_start']!r}, "
                f"clip_end={raw['clip_end']!r}.",
            )
        evidence = self.evidence(where, qid, raw["evidence"], round(end - start, 6))
        return QARecord(
            id=qid,
            domain=raw["domain"],
            task=raw["task"],
            source=raw["source"],
            qa_type=raw["qa_type"],
            reasoning=raw["reasoning"],
            video_path=video_path,
            clip_start=start,
            clip_end=end,
            question=raw["question"],
            answer=raw["answer"],
            evidence=evidence,
        )

    def evidence(self, where: str, qid: int, value: Any, duration: float) -> tuple[tuple[float, float], ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(
                where, f"Expected `evidence` to be a non-empty list of [start, end] pairs, but got {value!r}."
            )
        spans = []
        clipped = 0
        for k, span in enumerate(value):
            name = f"evidence[{k}]"
            if not isinstance(span, list) or len(span) != 2:
                raise self.fail(where, f"Expected `{name}` to be a [start, end] pair, but got {span!r}.")
            s = self.seconds(where, f"{name}[0]", span[0])
            e = self.seconds(where, f"{name}[1]", span[1])
            if s < 0:
                raise self.fail(
                    where, f"Expected `{name}` to start at >= 0 s (clip-relative), but got {span!r}."
                )
            if e < s:
                raise self.fail(
                    where, f"Expected `{name}` to have end >= start, but got {span!r} (reversed)."
                )
            if s >= duration:
                raise self.fail(
                    where,
                    f"Expected `{name}` to start inside the clip [0, {duration}] s (clip-relative), "
                    f"but got {span!r}.",
                )
            if e > duration + SPAN_EPS_S:
                if self.beyond_clip == "error":
                    raise self.fail(
                        where,
                        f"Expected `{name}` to end within the clip's {duration} s (clip-relative), "
                        f"but got {span!r}.",
                    )
                e = duration
                clipped += 1
            spans.append((s, e))
        if clipped:
            self.n_clipped += clipped
            self.clipped_ids.append(qid)
        return tuple(spans)


def _check_policy(beyond_clip: str) -> None:
    if beyond_clip not in BEYOND_CLIP_POLICIES:
        raise InputValidationError(
            f"Expected argument `beyond_clip` to be one of {BEYOND_CLIP_POLICIES}, but got {beyond_clip!r}."
        )


@cached_per_file_version(maxsize=16)
def _read_qa_file(path: str, beyond_clip: str) -> ReleaseFile:
    p = Path(path)
    data = read_json(p)
    reader = _RecordReader(p, beyond_clip)
    records: list[QARecord] = []
    if isinstance(data, list):
        shape: FileShape = "list"
        groups: list[tuple[str | None, list[Any]]] = [(None, data)]
    elif isinstance(data, dict):
        shape = "dict"
        unknown = [k for k in data if k not in REASONINGS]
        if unknown:
            raise ReleaseFormatError(
                p, f"Expected the dict's keys to be reasoning patterns {REASONINGS}, but got {unknown}."
            )
        groups = []
        for key, rows in data.items():
            if not isinstance(rows, list):
                raise ReleaseFormatError(
                    p,
                    f"Expected the value of {key!r} to be a list of QA records, but got {type(rows).__name__}.",
                )
            groups.append((key, rows))
    else:
        raise ReleaseFormatError(
            p,
            "Expected a list of QA records or a dict keyed by reasoning pattern, "
            f"but got {type(data).__name__}.",
        )
    seen: dict[int, str] = {}
    for key, rows in groups:
        for k, raw in enumerate(rows):
            position = f"record {k}" if key is None else f"record {k} of {key!r}"
            rec = reader.record(raw, position, key)
            if rec.id in seen:
                raise ReleaseFormatError(
                    p, f"id {rec.id}: Expected unique ids, but {position} repeats the id of {seen[rec.id]}."
                )
            seen[rec.id] = position
            records.append(rec)
    return ReleaseFile(
        path=p,
        shape=shape,
        records=tuple(records),
        n_clipped_spans=reader.n_clipped,
        clipped_ids=tuple(reader.clipped_ids),
        unknown_fields=tuple(sorted(reader.unknown)),
    )


def read_qa_file(path: str | os.PathLike[str], *, beyond_clip: BeyondClipPolicy = "clip") -> ReleaseFile:
    """Parse and validate one annotation file (list or dict shape); memoised per file version.

    Args:
        path: ``training.json`` or ``testing.json`` (any name).
        beyond_clip: ``"clip"`` cuts evidence spans that end after the clip at its end and counts them;
            ``"error"`` raises on them.

    Returns:
        The :class:`ReleaseFile` (records in file order, clipped-span counts, unknown fields).

    Raises:
        ReleaseFormatError: the file is missing, not JSON, or a record is malformed (file and id named;
            see the module docstring for every check).
        InputValidationError: an unknown ``beyond_clip``.
    """
    _check_policy(beyond_clip)
    return _read_qa_file(os.fspath(path), beyond_clip)


def read_release(
    data_dir: str | os.PathLike[str], *, beyond_clip: BeyondClipPolicy = "clip"
) -> dict[str, ReleaseFile]:
    """Both splits of a release ``data/`` folder: ``{"train": ..., "test": ...}``, ids unique across them.

    Raises:
        ReleaseFormatError: a file is missing or malformed, or an id appears in both files (both named).
        InputValidationError: an unknown ``beyond_clip``.
    """
    _check_policy(beyond_clip)
    out = {
        split: read_qa_file(Path(data_dir) / name, beyond_clip=beyond_clip)
        for split, name in SPLIT_FILES.items()
    }
    train_ids = {r.id for r in out["train"].records}
    both = [r.id for r in out["test"].records if r.id in train_ids]
    if both:
        raise ReleaseFormatError(
            out["test"].path,
            f"id {both[0]}: Expected ids unique over train and test, but {len(both)} ids of this file also "
            f"appear in {out['train'].path} (e.g. {both[:5]}).",
        )
    return out


def read_split(
    data_dir: str | os.PathLike[str], split: str, *, beyond_clip: BeyondClipPolicy = "clip"
) -> ReleaseFile:
    """The :class:`ReleaseFile` of ``split`` (``train`` / ``test``), checked against the other split's ids.

    Raises:
        InputValidationError: an unknown split or ``beyond_clip``.
        ReleaseFormatError: as :func:`read_release`.
    """
    if split not in SPLIT_FILES:
        raise InputValidationError(
            f"Expected argument `split` to be one of {tuple(SPLIT_FILES)}, but got {split!r}."
        )
    return read_release(data_dir, beyond_clip=beyond_clip)[split]


def flatten(data: Any) -> list[Any]:
    """A list of records from either shape (a dict keyed by reasoning pattern is concatenated in key order).

    Examples:
        >>> flatten({"Needle-in-a-Haystack": [{"id": 1}], "Multi-hop Reasoning": [{"id": 2}]})
        [{'id': 1}, {'id': 2}]
        >>> flatten([{"id": 3}])
        [{'id': 3}]
    """
    if isinstance(data, dict):
        return [r for rows in data.values() for r in rows]
    return list(data)
