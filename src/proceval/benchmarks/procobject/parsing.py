"""ProcObject-10K prediction files and records: the official format and what models actually write.

The official prediction files (``benchmark/pred_results/<model>_predictions.json``) hold records
``{"id", "predicted_answer", "predicted_evidence"}``, as a JSON list or as a dict keyed by reasoning
pattern (``{"Needle-in-a-Haystack": [...], "Multi-hop Reasoning": [...]}``), which is flattened.
:func:`read_official_predictions` also reads JSON lines (one record per line) and an object
``{id: record}``, and keys every record by ``str(id)`` (the dataset's ``id`` column, as text).

A record's evidence may be a list of ``[start_s, end_s]`` spans or raw model text; its answer may be the
answer or the model's whole reply in the prompted format ``{"answer": "...", "evidence": [[t0, t1],
...]}`` (seconds, relative to the clip). :func:`record_evidence` and :func:`record_answer` pick the right
field and fall back to the raw reply (``response``, ``output``, ``prediction``, ``raw``, ``text``); the
spans themselves are read by the generic tolerant parser
(:func:`proceval.evaluation.span_parsing.parse_spans`) inside the grounding score, which counts the
replies it cannot read.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from proceval.errors import ReleaseFormatError
from proceval.evaluation.span_parsing import parse_grounded_reply
from proceval.io import iter_lines, read_json

ANSWER_FIELD = "predicted_answer"
EVIDENCE_FIELD = "predicted_evidence"
RAW_REPLY_FIELDS: tuple[str, ...] = ("response", "output", "prediction", "raw", "raw_output", "text")
"""Fields holding a model's whole reply, tried in this order when the official fields are absent."""

AnswerSource = Literal["field", "reply", "text", "missing"]


def _key(value: Any, path: Path, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or (isinstance(value, str) and not value):
        raise ReleaseFormatError(path, f"expected an integer or string `id` in {where}, got {value!r}")
    return str(value)


def _records(data: Any, path: Path) -> list[tuple[str, Any]]:
    """``(where, record)`` of every record of a parsed JSON prediction file."""
    if isinstance(data, list):
        return [(f"record {i}", rec) for i, rec in enumerate(data)]
    if not isinstance(data, Mapping):
        raise ReleaseFormatError(
            path, f"expected a JSON list or object of records, got {type(data).__name__}"
        )
    if data and all(isinstance(v, list) for v in data.values()):
        # keyed by reasoning pattern (REASONINGS) or another grouping: flattened in file order
        out = []
        for group, recs in data.items():
            out += [(f"record {i} of {group!r}", rec) for i, rec in enumerate(recs)]
        return out
    # {id: record} or {id: raw reply}
    out = []
    for key, rec in data.items():
        if isinstance(rec, Mapping):
            if "id" in rec and str(rec["id"]) != str(key):
                raise ReleaseFormatError(path, f"record keyed {key!r} has id {rec['id']!r}")
            out.append((f"record {key!r}", {"id": key, **rec}))
        else:
            out.append((f"record {key!r}", {"id": key, "response": rec}))
    return out


def read_official_predictions(path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Read a ProcObject-10K prediction file into ``{str(id): record}``.

    Args:
        path: a ``.json`` file (a list of records, a dict of record lists keyed by reasoning pattern, or an
            object ``{id: record}``) or a ``.jsonl`` file (one record per line).

    Returns:
        ``{str(id): record}`` in file order; each record is a dict (its ``id`` kept as written).

    Raises:
        ReleaseFormatError: a missing file, malformed JSON, a record that is not an object or has no
            ``id``, or an id given twice (naming the file, the record and, for JSONL, the line).
    """
    p = Path(path)
    if not p.is_file():
        raise ReleaseFormatError(p, "predictions file not found")
    if p.suffix.lower() == ".jsonl":
        records: list[tuple[str, Any]] = []
        lines: dict[str, int] = {}
        for lineno, text in iter_lines(p):
            try:
                rec = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ReleaseFormatError(p, f"invalid JSON line: {exc.msg}", lineno) from exc
            records.append((f"line {lineno}", rec))
            lines[f"line {lineno}"] = lineno
    else:
        records = _records(read_json(p), p)
        lines = {}
    out: dict[str, dict[str, Any]] = {}
    first: dict[str, str] = {}
    for where, rec in records:
        line = lines.get(where)
        if not isinstance(rec, Mapping):
            raise ReleaseFormatError(p, f"expected {where} to be an object, got {type(rec).__name__}", line)
        if "id" not in rec:
            raise ReleaseFormatError(p, f"expected {where} to have an `id`", line)
        key = _key(rec["id"], p, where)
        if key in out:
            raise ReleaseFormatError(p, f"id {key!r} repeats ({where}; first in {first[key]})", line)
        first[key] = where
        out[key] = dict(rec)
    return out


def _raw_reply(record: Mapping[str, Any]) -> Any:
    for field in RAW_REPLY_FIELDS:
        if record.get(field) is not None:
            return record[field]
    return None


def record_evidence(prediction: Any) -> Any:
    """What the grounding score should read as the evidence of one prediction.

    A record's ``predicted_evidence`` (or ``evidence``) as written, list or text; without one, the raw
    reply (a text in the prompted JSON format, parsed by the score); ``None`` when the record has neither.
    A prediction that is not a record (a span list, a reply text) is returned as it is.
    """
    if not isinstance(prediction, Mapping):
        return prediction
    for field in (EVIDENCE_FIELD, "evidence"):
        if field in prediction:
            return prediction[field]
    return _raw_reply(prediction)


@dataclass(frozen=True)
class ReadAnswer:
    """The answer read from one prediction and where it came from.

    Attributes:
        text: the answer text (``None`` when there is none).
        source: ``"field"`` (``predicted_answer`` / ``answer`` as written), ``"reply"`` (the ``answer`` of a
            JSON reply found in that field or in the raw reply), ``"text"`` (a reply without that format,
            used whole) or ``"missing"`` (no answer; scored as empty).
    """

    text: str | None
    source: AnswerSource


def record_answer(prediction: Any) -> ReadAnswer:
    r"""The answer of one prediction: a record's ``predicted_answer``, else the answer in its raw reply.

    A ``predicted_answer`` that holds a whole JSON reply (``{"answer": ..., "evidence": ...}``, possibly in
    a code fence) gives that reply's answer. A prediction that is a plain string is a reply.

    Example:
        >>> record_answer({"id": 1, "predicted_answer": '```json\n{"answer": "It is hot.", "evidence": []}\n```'})
        ReadAnswer(text='It is hot.', source='reply')
    """
    if isinstance(prediction, Mapping):
        for field in (ANSWER_FIELD, "answer"):
            value = prediction.get(field)
            if isinstance(value, str):
                return _from_text(value, field_value=True)
        raw = _raw_reply(prediction)
        if isinstance(raw, Mapping):
            raw = json.dumps(raw)
        return _from_text(raw, field_value=False) if isinstance(raw, str) else ReadAnswer(None, "missing")
    if isinstance(prediction, str):
        return _from_text(prediction, field_value=False)
    return ReadAnswer(None, "missing")


def _from_text(text: str, *, field_value: bool) -> ReadAnswer:
    if "answer" in text.lower() and ("{" in text):
        reply = parse_grounded_reply(text)
        if reply.structured and reply.answer != text.strip():
            return ReadAnswer(reply.answer, "reply")
    if field_value:
        return ReadAnswer(text, "field")
    reply = parse_grounded_reply(text)
    return ReadAnswer(reply.answer, "reply" if reply.structured else "text")
