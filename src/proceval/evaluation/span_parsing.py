"""Tolerant parsing of the temporal spans (and answers) that vision-language models write.

A grounded-QA model is asked to reply ``{"answer": "...", "evidence": [[t0, t1], ...]}`` (times in
seconds), and replies in many other ways. :func:`parse_spans` turns any of these into a list of
``(start_s, end_s)`` pairs, in the order written:

* structured values: a list of ``[start, end]`` pairs (numbers or time strings), one bare ``[start, end]``
  pair, ``{"start": s, "end": e}`` objects (also ``start_s``/``end_s``, ``start_time``/``end_time``,
  ``begin``/``end``), a NumPy ``(n, 2)`` array, or an object holding one of these under ``evidence``
  (also ``spans``, ``segments``, ``intervals``, ``timestamps``, ``time_spans``, ``evidence_spans``);
* text: JSON or a Python literal of the above, also inside a Markdown code fence or embedded in prose;
  otherwise every time range found in the text: ``[3, 7]`` / ``(3.5s, 7s)``, ``12.5-20s``,
  ``00:12 - 00:20``, ``1:02:03–1:02:10``, ``from 3 to 7 seconds``, ``between 3 s and 7 s``.

Times are seconds (``12.5``, ``12.5s``, ``12.5 sec``, ``12.5 seconds``) or clock times (``m:ss``,
``h:mm:ss``, with optional fractions: ``1:05.5`` = 65.5 s). A lone time point ("at 12 s") is not a span.
Nothing is repaired here (a reversed or negative pair is returned as written); the score function
decides what to do with it.

The outcome is one of :data:`PARSE_STATUSES`: ``"structured"`` (a structured value or JSON/literal text),
``"text"`` (ranges found in prose), ``"empty"`` (``None``, ``""``, ``[]``, ``"none"``, ``"n/a"``: the
model gave no evidence) or ``"unparseable"`` (something was written but no span could be read from it).
"""

from __future__ import annotations

import ast
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

ParseStatus = Literal["structured", "text", "empty", "unparseable"]
PARSE_STATUSES: tuple[str, ...] = ("structured", "text", "empty", "unparseable")

EVIDENCE_KEYS: tuple[str, ...] = (
    "evidence",
    "predicted_evidence",
    "evidence_spans",
    "spans",
    "segments",
    "intervals",
    "timestamps",
    "time_spans",
)
"""Keys of a reply object that hold the spans, tried in this order (case-insensitive)."""

ANSWER_KEYS: tuple[str, ...] = ("answer", "predicted_answer", "response", "text")
"""Keys of a reply object that hold the answer, tried in this order (case-insensitive)."""

_START_KEYS = ("start", "start_s", "start_time", "begin", "from", "t0", "s")
_END_KEYS = ("end", "end_s", "end_time", "stop", "to", "t1", "e")
_EMPTY_TEXT = frozenset({"", "none", "null", "n/a", "na", "[]", "{}", "no evidence", "nil"})

_NUM = r"\d+(?:\.\d+)?|\.\d+"
_CLOCK = r"\d{1,2}(?::\d{1,2}){1,2}(?:\.\d+)?"
_UNIT = r"(?:s|sec|secs|second|seconds)\b\.?"
_TIME = rf"(?:{_CLOCK}|{_NUM})(?:\s*{_UNIT})?"
_PAIR_RE = re.compile(rf"[\[(]\s*[\"']?({_TIME})[\"']?\s*,\s*[\"']?({_TIME})[\"']?\s*[\])]", re.IGNORECASE)
_FROM_RE = re.compile(
    rf"\b(?:from|between)\s+({_TIME})\s*(?:to|and|until|till|-|–|—)\s*({_TIME})", re.IGNORECASE
)
_RANGE_RE = re.compile(rf"(?<![\w.:])({_TIME})\s*(?:-|–|—|~|to|until|till)\s*({_TIME})", re.IGNORECASE)
_FENCE_RE = re.compile(r"```[a-zA-Z0-9_-]*\s*\n?(.*?)```", re.DOTALL)
_TIME_RE = re.compile(
    rf"^\s*({_CLOCK}|{_NUM}|[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?)\s*(?:{_UNIT})?\s*$", re.IGNORECASE
)


@dataclass(frozen=True)
class ParsedSpans:
    """Spans read from one model output.

    Attributes:
        spans: ``(start_s, end_s)`` pairs in the order written (empty unless ``status`` is ``structured``
            or ``text``); not repaired: reversed, negative or NaN values are kept.
        status: one of :data:`PARSE_STATUSES`.
    """

    spans: tuple[tuple[float, float], ...]
    status: ParseStatus

    @property
    def unparseable(self) -> bool:
        """Whether something was written but no span could be read from it."""
        return self.status == "unparseable"


@dataclass(frozen=True)
class GroundedReply:
    """The answer and evidence of one reply in the ``{"answer": ..., "evidence": [...]}`` format.

    Attributes:
        answer: the ``answer`` value as text; the whole reply (code fences removed) when it holds no object
            with an answer key.
        evidence: the spans parsed from the ``evidence`` value, or from the whole reply when it holds no
            object with an evidence key.
        structured: whether a reply object (JSON or Python literal) was found.
    """

    answer: str
    evidence: ParsedSpans
    structured: bool


def parse_time(value: Any) -> float | None:
    """Seconds from a number or a time string (``"12.5"``, ``"12.5s"``, ``"1:05"``, ``"0:01:05.5"``).

    Returns:
        The time in seconds (NaN and negative values are returned as they are), or None when ``value`` is
        not a time.

    Example:
        >>> parse_time("1:05.5"), parse_time("12 sec"), parse_time(3), parse_time("soon")
        (65.5, 12.0, 3.0, None)
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if not isinstance(value, str):
        return None
    m = _TIME_RE.match(value)
    if m is None:
        return None
    text = m.group(1)
    if ":" in text:
        seconds = 0.0
        for part in text.split(":"):
            seconds = seconds * 60.0 + float(part)
        return seconds
    return float(text)


def _pair(item: Any) -> tuple[float, float] | None:
    """One ``(start, end)`` from a 2-item sequence or a start/end mapping, else None."""
    if isinstance(item, Mapping):
        lowered = {str(k).lower(): v for k, v in item.items()}
        start = next((lowered[k] for k in _START_KEYS if k in lowered), None)
        end = next((lowered[k] for k in _END_KEYS if k in lowered), None)
        if start is None or end is None:
            for key in ("span", "interval", "segment", "timestamp", "time"):
                if key in lowered:
                    return _pair(lowered[key])
            return None
        item = (start, end)
    if isinstance(item, str):
        found = _text_spans(item)
        return found[0] if len(found) == 1 else None
    if isinstance(item, (list, tuple, np.ndarray)) and len(item) == 2:
        a, b = parse_time(item[0]), parse_time(item[1])
        if a is not None and b is not None:
            return (a, b)
    return None


def _structured(value: Any) -> tuple[tuple[float, float], ...] | None:
    """Spans from a structured value, or None when it is not a span structure."""
    if isinstance(value, Mapping):
        lowered = {str(k).lower(): v for k, v in value.items()}
        for key in EVIDENCE_KEYS:
            if key in lowered:
                inner = lowered[key]
                if isinstance(inner, str):
                    parsed = parse_spans(inner)
                    return parsed.spans if not parsed.unparseable else None
                return _structured(inner) if inner is not None else ()
        pair = _pair(value)
        return (pair,) if pair is not None else None
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        if not value:
            return ()
        if len(value) == 2 and all(parse_time(v) is not None for v in value):
            return (_pair(value),)  # a bare [start, end] pair
        out = []
        for item in value:
            pair = _pair(item)
            if pair is None:
                return None
            out.append(pair)
        return tuple(out)
    return None


def _load_object(text: str) -> tuple[bool, Any]:
    """``(True, value)`` when ``text`` is JSON or a Python literal, else ``(False, None)``."""
    try:
        return True, json.loads(text)
    except (json.JSONDecodeError, ValueError):
        pass
    try:
        return True, ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


def _candidates(text: str) -> list[str]:
    """Texts that may hold a reply object: fenced blocks, the whole text, the outermost ``{...}``/``[...]``."""
    out = [m.group(1).strip() for m in _FENCE_RE.finditer(text)]
    out.append(text.strip())
    for opener, closer in (("{", "}"), ("[", "]")):
        start, end = text.find(opener), text.rfind(closer)
        if 0 <= start < end:
            out.append(text[start : end + 1])
    return list(dict.fromkeys(c for c in out if c))


def _find_object(text: str) -> Any:
    """The first reply object (JSON or Python literal) found in ``text``, or None."""
    for candidate in _candidates(text):
        ok, value = _load_object(candidate)
        if ok and isinstance(value, (Mapping, list, tuple)):
            return value
    return None


def _text_spans(text: str) -> list[tuple[float, float]]:
    """Every time range written in prose, in order of appearance (non-overlapping matches)."""
    found: list[tuple[int, int, tuple[float, float]]] = []
    taken: list[tuple[int, int]] = []
    for pattern in (_PAIR_RE, _FROM_RE, _RANGE_RE):
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            a, b = parse_time(m.group(1)), parse_time(m.group(2))
            if a is None or b is None:
                continue
            taken.append((m.start(), m.end()))
            found.append((m.start(), m.end(), (a, b)))
    return [span for _, _, span in sorted(found)]


def parse_spans(value: Any) -> ParsedSpans:
    r"""Read ``(start_s, end_s)`` spans from a model's evidence output (see the module docstring).

    Args:
        value: a structured value (list of pairs, bare pair, mapping, array) or the model's text.

    Returns:
        A :class:`ParsedSpans`; nothing is repaired (reversed or negative pairs are kept as written).

    Examples:
        >>> parse_spans('```json\n{"answer": "cut it", "evidence": [[1, 2.5], [4, 6]]}\n```').spans
        ((1.0, 2.5), (4.0, 6.0))
        >>> parse_spans("The egg is cracked from 0:12 to 0:20 and again 31-35.5s.").spans
        ((12.0, 20.0), (31.0, 35.5))
        >>> parse_spans([3, 7]).spans, parse_spans(None).status, parse_spans("no idea").status
        (((3.0, 7.0),), 'empty', 'unparseable')
    """
    if value is None:
        return ParsedSpans((), "empty")
    if isinstance(value, float) and math.isnan(value):
        return ParsedSpans((), "empty")
    if not isinstance(value, str):
        spans = _structured(value)
        if spans is None:
            return ParsedSpans((), "unparseable")
        return ParsedSpans(spans, "structured" if spans else "empty")
    text = value.strip()
    if text.lower().strip(" .") in _EMPTY_TEXT:
        return ParsedSpans((), "empty")
    obj = _find_object(text)
    if obj is not None:
        spans = _structured(obj)
        if spans is not None:
            return ParsedSpans(spans, "structured" if spans else "empty")
    found = _text_spans(text)
    if found:
        return ParsedSpans(tuple(found), "text")
    return ParsedSpans((), "unparseable")


def _answer_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return " ".join(v.strip() for v in value)
    return json.dumps(value) if not isinstance(value, (int, float)) else str(value)


def parse_grounded_reply(text: Any) -> GroundedReply:
    """Split a reply in the ``{"answer": ..., "evidence": [[t0, t1], ...]}`` format into answer and spans.

    The object may sit in a code fence or in prose, and may be a Python literal (single quotes). Without
    an object holding an answer key, the whole reply (fences removed) is the answer; without one holding
    an evidence key, the spans are read from the whole reply (:func:`parse_spans`).

    Example:
        >>> r = parse_grounded_reply("Sure! {'answer': 'The lid is open.', 'evidence': [[3, 7]]}")
        >>> r.answer, r.evidence.spans, r.structured
        ('The lid is open.', ((3.0, 7.0),), True)
    """
    if isinstance(text, Mapping):
        obj: Any = text
        raw = ""
    else:
        raw = "" if text is None else str(text)
        obj = _find_object(raw)
    if isinstance(obj, Mapping):
        lowered = {str(k).lower(): v for k, v in obj.items()}
        answer_key = next((k for k in ANSWER_KEYS if k in lowered), None)
        evidence_key = next((k for k in EVIDENCE_KEYS if k in lowered), None)
        answer = _answer_text(lowered[answer_key]) if answer_key else _strip_fences(raw)
        evidence = parse_spans(lowered[evidence_key]) if evidence_key else parse_spans(raw)
        return GroundedReply(answer, evidence, answer_key is not None or evidence_key is not None)
    return GroundedReply(_strip_fences(raw), parse_spans(raw), False)


def _strip_fences(text: str) -> str:
    blocks = [m.group(1).strip() for m in _FENCE_RE.finditer(text)]
    return "\n".join(blocks) if blocks else text.strip()
