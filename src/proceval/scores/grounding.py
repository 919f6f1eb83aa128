"""Set-level temporal grounding of multi-span evidence: mean IoU, IoP, IoG and IoU@k over questions.

Each question has predicted spans P and gold spans G, ``[start_s, end_s]`` in seconds. Per question,
with ``len`` and ``overlap`` set by ``span_mode``::

    I   = sum over every (p, g) pair of overlap(p, g)
    IoU = I / (|P| + |G| - I)        IoP = I / |P|        IoG = I / |G|

where ``|P|`` and ``|G|`` are sums of span lengths; each ratio is 0 when its denominator is 0. The means
over questions are ``mean_iou``, ``mean_iop``, ``mean_iog``; ``iou_at_<k>`` is the fraction of questions
with IoU **strictly** above k (MultiHop-EgoQA's ``IoU > 0.3``).

Options (defaults = the ProcObject-10K toolkit):

* ``span_mode``: ``"continuous"`` (default; length ``end - start``, overlap
  ``max(0, min(ends) - max(starts))``: the definition that reproduces the ProcObject-10K authors'
  per-question values) or ``"integer_inclusive"`` (MultiHop-EgoQA's integer seconds with inclusive
  ends: length ``end - start + 1``, overlap ``max(0, min(ends) - max(starts) + 1)``, applied to the values
  as given, without rounding).
* ``merge``: True (default) replaces the predicted spans, and the gold spans, by their union first
  (sorted; overlapping or touching spans joined), so nothing is counted twice and every ratio is in
  [0, 1]. Released gold spans are disjoint, so for them this changes nothing; merged gold spans are
  counted (``num_merged_reference_spans``). False sums over the raw pairs exactly as MultiHop-EgoQA's
  evaluator does: overlapping spans are then counted twice and a ratio can exceed 1.
* ``empty_prediction``: a question whose prediction has no span (none given, all dropped, or
  unparseable) scores 0 in every mean with ``"zero"`` (default); with ``"skip"`` it is left out of the
  three means (MultiHop-EgoQA) but still counted, as a miss, in ``iou_at_<k>``, whose denominator is
  always every question.
* ``invalid_spans``: what happens to a predicted span that cannot be scored as written. ``"repair"``
  (default) swaps a reversed span (``num_reversed_spans``), clips a span reaching below 0 or, when
  ``durations`` are given, past the clip's end (``num_clipped_spans``), and drops a span with a
  non-finite time or lying wholly outside ``[0, duration]`` (``num_dropped_spans``); ``"error"`` raises
  on any of them instead, and on an unparseable prediction. Gold spans must be finite with
  ``0 <= start <= end`` (else an error); past a given duration they are clipped
  (``num_clipped_reference_spans``) or, with ``"error"``, refused.
* ``iou_thresholds``: the k of ``iou_at_<k>`` (default 0.3, 0.5, 0.7; key ``iou_at_0_3`` for 0.3).

A prediction may be a list of ``[start, end]`` pairs, one bare ``[start, end]`` pair, ``None`` (no
evidence), or model text, which is read with the tolerant parser
:func:`proceval.evaluation.span_parsing.parse_spans`; ``num_unparseable_predictions`` counts replies
from which no span could be read (they are empty predictions).

A time in a list of pairs is a real number (int or float; NaN and infinity are handled as above). A bool,
a string or ``None`` as a bound is not a number: with ``invalid_spans="error"`` such a prediction is
refused, naming the question and the span; with ``"repair"`` the whole prediction goes to the tolerant
parser, exactly as text does, so a bound the parser cannot read as a time (a bool, ``None``, a nested
list) makes the whole prediction unparseable (counted in ``num_unparseable_predictions``, scored as
empty; not in ``num_dropped_spans``, which counts numeric spans only), while a time string (``"12.5"``,
``"0:12"``) is read as the parser reads text. Gold spans must be numbers (a bool is refused).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from operator import getitem
from typing import Any, ClassVar, Literal, NamedTuple

import numpy as np
import pyarrow as pa

from proceval.errors import InputValidationError
from proceval.native import read_span_lists
from proceval.scores._checks import check_unique_ids, format_id, format_ids
from proceval.scores.bootstrap import ColumnStats, with_uncertainty
from proceval.scores.options import ScoreOptions, Uncertainty, opt
from proceval.scores.signature import score_signature

_ECHO_CHARS = 80
"""Characters of a value's ``repr`` that messages echo (:func:`~proceval.scores._checks.format_id`)."""

SpanMode = Literal["continuous", "integer_inclusive"]
EmptyPrediction = Literal["zero", "skip"]
InvalidSpans = Literal["repair", "error"]
DEFAULT_IOU_THRESHOLDS: tuple[float, ...] = (0.3, 0.5, 0.7)
COUNT_KEYS: tuple[str, ...] = (
    "num_empty_predictions",
    "num_unparseable_predictions",
    "num_reversed_spans",
    "num_clipped_spans",
    "num_dropped_spans",
    "num_clipped_reference_spans",
    "num_merged_reference_spans",
    "num_empty_references",
)


@dataclass(frozen=True)
class GroundingOptions(ScoreOptions):
    """Every option that changes a grounding number (see the module docstring)."""

    score_name: ClassVar[str] = "grounding"
    span_mode: SpanMode = opt("continuous", "span")
    merge: bool = opt(True, "merge")
    empty_prediction: EmptyPrediction = opt("zero", "empty")
    invalid_spans: InvalidSpans = opt("repair", "invalid")
    iou_thresholds: tuple[float, ...] = opt(DEFAULT_IOU_THRESHOLDS, "thr")

    def check(self) -> None:
        """``merge`` is a bool; ``iou_thresholds`` a non-empty sequence of distinct numbers in [0, 1)."""
        if not isinstance(self.merge, (bool, np.bool_)):
            raise InputValidationError(f"Expected argument `merge` to be a bool, but got {self.merge!r}.")
        thr = self.iou_thresholds
        ok = (
            isinstance(thr, (list, tuple))
            and len(thr) > 0
            and all(
                isinstance(t, (int, float)) and not isinstance(t, bool) and 0.0 <= float(t) < 1.0 for t in thr
            )
            and len(set(map(float, thr))) == len(thr)
        )
        if not ok:
            raise InputValidationError(
                f"Expected argument `iou_thresholds` to be distinct floats in [0, 1), but got {thr!r}."
            )
        object.__setattr__(self, "iou_thresholds", tuple(float(t) for t in thr))
        object.__setattr__(self, "merge", bool(self.merge))


def threshold_key(threshold: float) -> str:
    """The result key of IoU@``threshold``: ``iou_at_0_3`` for 0.3, ``iou_at_0_25`` for 0.25."""
    return "iou_at_" + f"{threshold:g}".replace(".", "_")


# ------------------------------------------------------------------------------------------ inputs


_SPANS_TYPE = pa.list_(pa.list_(pa.float64()))


class _Spans(NamedTuple):
    """Spans of many questions as flat columns: ``starts``/``ends`` (seconds) and ``question`` (its index)."""

    starts: np.ndarray
    ends: np.ndarray
    question: np.ndarray


def _fast_flat(values: Sequence[Any]) -> tuple[np.ndarray, np.ndarray] | None:
    """``(flat float pairs (n, 2), spans per question)`` when every value is a list of 2-number lists.

    One C++ pass (``pyarrow.array`` with type ``list<list<float64>>``, a little faster than with
    ``list<fixed_size_list<float64, 2>>``) converts and checks every question at once: it refuses strings,
    a bare pair and other item types, and marks ``None`` as null; the span offsets then show any span of
    another length than 2. It converts a bool to 0.0 / 1.0, so the items behind every 0.0 and 1.0 are
    looked at, and a bool among them sends the values to the slow path, which refuses it. Returns None
    when any value needs the slow path (text, a bare pair, ``None``, a bool, an array, other shapes or item
    types); NaN and infinity are kept for the checks that follow.
    """
    try:
        arr = pa.array(values, type=_SPANS_TYPE)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
        return None
    spans = arr.values  # a fresh array: no offset to honour, and no null is let through
    flat = spans.values
    if arr.null_count or spans.null_count or flat.null_count:
        return None
    lengths = spans.offsets.to_numpy()
    if lengths[-1] != 2 * (lengths.size - 1) or np.any(np.diff(lengths) != 2):
        return None  # a span of another length
    offsets = arr.offsets.to_numpy()
    times = flat.to_numpy()
    # a bool became 0.0 or 1.0: look at the items behind those values only (few, in practice), with
    # ``map`` over the indices rather than a Python loop
    maybe = np.flatnonzero((times == 0.0) | (times == 1.0))
    if maybe.size:
        span = maybe >> 1
        question = np.searchsorted(offsets, span, side="right") - 1
        spans_of = map(values.__getitem__, question.tolist())
        items = map(
            getitem, map(getitem, spans_of, (span - offsets[question]).tolist()), (maybe & 1).tolist()
        )
        if not _BOOL_TYPES.isdisjoint(map(type, items)):
            return None
    return times.reshape(-1, 2), np.diff(offsets)


_BOOL_TYPES = frozenset((bool, np.bool_))


def _numeric_flat(values: Sequence[Any]) -> _Spans | None:
    """Flat spans of a list of numeric span lists, or None when a value needs the slow path.

    The compiled reader (:func:`proceval.native.read_span_lists`: exact lists / tuples of two exact
    floats or small ints) is tried first, then ``pyarrow`` (:func:`_fast_flat`); both give the same times.
    """
    native = read_span_lists(values)
    if native is not None:
        return _Spans(*native)
    fast = _fast_flat(values)
    return None if fast is None else _from_pairs(*fast)


def _from_pairs(flat: np.ndarray, counts: np.ndarray) -> _Spans:
    """:class:`_Spans` viewing the columns of ``(n, 2)`` pairs, ``counts[q]`` of them for question ``q``."""
    return _Spans(flat[:, 0], flat[:, 1], np.repeat(np.arange(counts.size), counts))


_SEQUENCES = (list, tuple, np.ndarray)


def _is_real(value: Any) -> bool:
    """A real number (Python or NumPy int / float, NaN and infinity included), never a bool."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def _is_pair(value: Any) -> bool:
    """A ``[start, end]`` of two real numbers (a list, tuple or 1-D array)."""
    return isinstance(value, _SEQUENCES) and len(value) == 2 and _is_real(value[0]) and _is_real(value[1])


def _first_bad_span(value: Any) -> Any:
    """The first item of a structured prediction that is not ``[start, end]`` of two numbers (or the value)."""
    if not isinstance(value, _SEQUENCES) or not any(isinstance(v, _SEQUENCES) for v in value):
        return value  # a bare pair (or a scalar): it is the span
    return next((v for v in value if not _is_pair(v)), value)


def _numeric_spans(value: Any) -> np.ndarray | None:
    """``(n, 2)`` float array of a structured numeric value (pairs or one bare pair), else None.

    Only real numbers are times here: a bool, a string (even ``"3"``), ``None`` or any other object as a
    bound gives None (the caller refuses it or hands the value to the tolerant parser).
    """
    if value is None:
        return np.zeros((0, 2))
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "iuf":
            return None
        arr = value.astype(float)
    elif isinstance(value, (list, tuple)):
        if len(value) == 2 and _is_real(value[0]) and _is_real(value[1]):
            return np.array([value], dtype=float)  # a bare [start, end] pair
        if not all(_is_pair(v) for v in value):
            return None
        arr = np.array([[v[0], v[1]] for v in value], dtype=float).reshape(-1, 2)
    else:
        return None
    if arr.ndim == 1 and arr.shape == (2,):
        return arr.reshape(1, 2)  # a bare [start, end] pair
    if arr.ndim == 1 and arr.size == 0:
        return np.zeros((0, 2))
    if arr.ndim == 2 and arr.shape[1] == 2:
        return arr
    return None


def _read_predictions(
    values: Sequence[Any], ids: Sequence[Hashable], invalid: str
) -> tuple[_Spans, np.ndarray]:
    """Flat predicted spans and a per-question ``unparseable`` flag (text goes through the parser)."""
    n = len(values)
    fast = _numeric_flat(values)
    if fast is not None:
        return fast, np.zeros(n, dtype=bool)
    from proceval.evaluation.span_parsing import parse_spans

    arrays = []
    unparseable = np.zeros(n, dtype=bool)
    for i, value in enumerate(values):
        try:
            arr = _numeric_spans(value)
        except OverflowError:  # an int beyond the float range: no time, in either mode
            raise InputValidationError(
                f"Expected the predicted spans for {format_id(ids[i], _ECHO_CHARS)} to be finite times in "
                "seconds, but a time is too large for a float."
            ) from None
        if arr is None and invalid == "error" and isinstance(value, _SEQUENCES):
            raise InputValidationError(
                f"Expected the predicted spans for {format_id(ids[i], _ECHO_CHARS)} to be [start_s, end_s] pairs "
                f"of two numbers, but could not read any from {format_id(_first_bad_span(value), _ECHO_CHARS)} "
                "(a bool, text or None is not a time)."
            )
        if arr is None:
            parsed = parse_spans(value)
            if parsed.unparseable:
                if invalid == "error":
                    raise InputValidationError(
                        f"Expected spans [[start_s, end_s], ...] in the prediction for {ids[i]!r}, but "
                        f"could not read any from {str(value)[:80]!r}."
                    )
                unparseable[i] = True
            arr = np.asarray(parsed.spans, dtype=float).reshape(-1, 2)
        arrays.append(arr)
    return _concat(arrays), unparseable


def _arrow_flat(column: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray] | None:
    """``(flat pairs (n, 2), spans per row)`` of an Arrow ``list<list<number>>`` column without nulls, else None."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    leaf = column.type
    while pa.types.is_list(leaf) or pa.types.is_large_list(leaf) or pa.types.is_fixed_size_list(leaf):
        leaf = leaf.value_type
    if not (pa.types.is_integer(leaf) or pa.types.is_floating(leaf)):
        return None  # bool, text, ...: the slow path refuses them
    try:
        column = column.cast(pa.list_(pa.list_(pa.float64())))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    spans = column.flatten()  # honours the column's offset (a sliced or selected column)
    flat = spans.flatten()
    if column.null_count or spans.null_count or flat.null_count:
        return None
    if np.any(np.diff(spans.offsets.to_numpy()) != 2):
        return None
    return flat.to_numpy(zero_copy_only=False).reshape(-1, 2), np.diff(column.offsets.to_numpy())


def _read_references(values: Any, ids: Sequence[Hashable]) -> _Spans:
    """Flat gold spans; anything but numeric pairs is an error naming the question."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        fast = _arrow_flat(values)
        if fast is not None:
            return _from_pairs(*fast)
        values = values.to_pylist()
    fast = _numeric_flat(values)
    if fast is not None:
        return fast
    arrays = []
    for i, value in enumerate(values):
        try:
            arr = _numeric_spans(value)
        except OverflowError:  # an int beyond the float range
            arr = None
        if arr is None:
            raise InputValidationError(
                f"Expected reference spans [[start_s, end_s], ...] of numbers for {ids[i]!r}, but got "
                f"{str(value)[:80]!r}."
            )
        arrays.append(arr)
    return _concat(arrays)


def _concat(arrays: list[np.ndarray]) -> _Spans:
    counts = np.fromiter((a.shape[0] for a in arrays), dtype=np.int64, count=len(arrays))
    flat = np.concatenate(arrays, axis=0) if arrays else np.zeros((0, 2))
    return _Spans(flat[:, 0].copy(), flat[:, 1].copy(), np.repeat(np.arange(len(arrays)), counts))


def _durations_array(durations: Any, keys: Sequence[Hashable], n: int) -> np.ndarray | None:
    if durations is None:
        return None
    values = _aligned(durations, keys, n, "durations")
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputValidationError(
            f"Expected argument `durations` to be clip lengths in seconds, but got {exc}."
        ) from None
    bad = np.flatnonzero(~np.isfinite(arr) | (arr <= 0))
    if bad.size:
        raise InputValidationError(
            f"Expected positive finite clip durations (seconds), but got {arr[bad[0]]!r} for {keys[bad[0]]!r}."
        )
    return arr


def _aligned(values: Any, keys: Sequence[Hashable], n: int, name: str) -> list[Any]:
    """``values`` in question order: a mapping is read by id, a sequence must have one item per question."""
    if isinstance(values, Mapping):
        missing = [k for k in keys if k not in values]
        if missing:
            raise InputValidationError(
                f"Expected `{name}` to have every question id, but {len(missing)} are missing: {missing[0]!r}"
            )
        return [values[k] for k in keys]
    values = list(values)
    if len(values) != n:
        raise InputValidationError(
            f"Expected one item of `{name}` per question ({n}), but got {len(values)}."
        )
    return values


# ------------------------------------------------------------------------------------------ checks


def _span_error(
    what: str, ids: Sequence[Hashable], spans: _Spans, k: int, problem: str
) -> InputValidationError:
    return InputValidationError(
        f"Expected {what} spans with finite times and 0 <= start <= end{problem}, but got "
        f"[{float(spans.starts[k])!r}, {float(spans.ends[k])!r}] for {ids[spans.question[k]]!r}."
    )


def _clean_predictions(
    spans: _Spans, durations: np.ndarray | None, ids: Sequence[Hashable], invalid: str
) -> tuple[_Spans, dict[str, int]]:
    """Repair (or refuse) reversed, negative, non-finite and out-of-clip predicted spans."""
    s, e, q = spans
    limit = durations[q] if durations is not None else None
    # the usual case first: every span finite with 0 <= start <= end (<= the duration); NaN fails each
    # comparison, and ``end < inf`` (or ``end <= duration``) with ``0 <= start <= end`` makes both finite
    valid = s >= 0.0
    valid &= s <= e
    valid &= (e <= limit) if limit is not None else (e < np.inf)
    if valid.all():
        return spans, {"num_reversed_spans": 0, "num_clipped_spans": 0, "num_dropped_spans": 0}
    if limit is None:
        limit = np.full(s.shape, np.inf)
    finite = np.isfinite(s) & np.isfinite(e)
    reversed_ = finite & (s > e)
    if invalid == "error":
        bad = np.flatnonzero(~finite | reversed_ | (np.minimum(s, e) < 0) | (np.maximum(s, e) > limit))
        if bad.size:
            past = " and end <= the clip duration" if durations is not None else ""
            raise _span_error("predicted", ids, spans, int(bad[0]), past)
        return spans, {"num_reversed_spans": 0, "num_clipped_spans": 0, "num_dropped_spans": 0}
    lo, hi = np.where(reversed_, e, s), np.where(reversed_, s, e)
    outside = finite & ((hi < 0) | (lo > limit))
    keep = finite & ~outside
    clipped = keep & ((lo < 0) | (hi > limit))
    counts = {
        "num_reversed_spans": int(np.count_nonzero(reversed_ & keep)),
        "num_clipped_spans": int(np.count_nonzero(clipped)),
        "num_dropped_spans": int(np.count_nonzero(~keep)),
    }
    if keep.all() and not clipped.any() and not reversed_.any():
        return spans, counts
    lo = np.clip(lo[keep], 0.0, limit[keep])
    hi = np.clip(hi[keep], 0.0, limit[keep])
    return _Spans(lo, hi, q[keep]), counts


def _check_references(
    spans: _Spans, durations: np.ndarray | None, ids: Sequence[Hashable], invalid: str
) -> tuple[_Spans, int]:
    """Refuse malformed gold spans; clip (or refuse) spans past the clip's end."""
    s, e, q = spans
    # finite with 0 <= start <= end: NaN fails each comparison, and ``0 <= start <= end < inf`` bounds both
    valid = s >= 0.0
    valid &= s <= e
    valid &= e < np.inf
    if not valid.all():
        raise _span_error("reference", ids, spans, int(np.argmin(valid)), "")
    if durations is None:
        return spans, 0
    limit = durations[q]
    past = e > limit
    if not past.any():
        return spans, 0
    if invalid == "error":
        raise _span_error(
            "reference", ids, spans, int(np.flatnonzero(past)[0]), " and end <= the clip duration"
        )
    return _Spans(np.minimum(s, limit), np.minimum(e, limit), q), int(np.count_nonzero(past))


# ------------------------------------------------------------------------------------------ merge


def _sort_within_questions(s: np.ndarray, e: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, ...]:
    """Spans sorted by (question, start), for starts >= 0 and ``q`` grouped.

    One stable float sort of ``q * K + start`` (``K`` a power of two above every start, so the key keeps
    question order); near-equal starts that the key could not separate are re-sorted exactly.
    """
    if not np.any((s[1:] < s[:-1]) & (q[1:] == q[:-1])):
        return s, e, q  # already in order (chronological predictions that overlap)
    scale = 2.0 ** math.ceil(math.log2(float(s.max()) + 2.0))
    order = np.argsort(q * scale + s, kind="stable")
    s, e, q = s[order], e[order], q[order]
    if np.any((s[1:] < s[:-1]) & (q[1:] == q[:-1])):
        order = np.lexsort((s, q))
        s, e, q = s[order], e[order], q[order]
    return s, e, q


def _merge(spans: _Spans, n_questions: int) -> tuple[_Spans, int]:
    """The union of each question's spans (overlapping or touching spans joined), and how many were joined.

    ``spans`` are grouped by question (spans of one question adjacent, questions in increasing order) and
    have ``0 <= start <= end`` (checked or repaired before): a span that starts before the previous one
    then also starts at or before that one's end, so one comparison of neighbours finds every question
    whose spans are out of order or overlap. Only those are touched. Their spans are sorted by (question,
    start); a span opens a new run unless it starts at or before the largest end seen so far in its
    question. That running maximum is a segmented prefix maximum computed by doubling (exact: no offsets
    are added to the times). Each run's union takes the place of its first span and the run's other spans
    are dropped, so the result stays grouped by question, other questions' spans untouched and in order.
    """
    s, e, q = spans
    if s.size < 2:
        return spans, 0
    clash = s[1:] <= e[:-1]
    clash &= q[1:] == q[:-1]
    if not clash.any():
        return spans, 0
    touched = np.zeros(n_questions, dtype=bool)
    touched[q[np.flatnonzero(clash)]] = True
    pos = np.flatnonzero(touched[q])
    s_sel, e_sel, q_sel = _sort_within_questions(s[pos], e[pos], q[pos])
    cummax = e_sel.copy()
    shift = 1
    while shift < cummax.size:
        same = q_sel[shift:] == q_sel[:-shift]
        if not same.any():
            break
        np.maximum(cummax[shift:], np.where(same, cummax[:-shift], -np.inf), out=cummax[shift:])
        shift *= 2
    new_run = np.ones(cummax.size, dtype=bool)
    new_run[1:] = (q_sel[1:] != q_sel[:-1]) | (s_sel[1:] > cummax[:-1])
    first = np.flatnonzero(new_run)
    last = np.append(first[1:], cummax.size) - 1
    # sorted, a question's spans still fill its own slots (``pos``): the k-th run goes to the slot of its
    # first span, moved down by the ``first[k] - k`` slots of joined spans before it, which are dropped
    keep = np.ones(s.size, dtype=bool)
    keep[pos[~new_run]] = False
    joined = cummax.size - first.size
    # a boolean mask false at many scattered places is slower to apply than the indices it keeps
    kept = keep if 16 * joined < s.size else np.flatnonzero(keep)
    starts, ends, question = s[kept], e[kept], q[kept]
    at = pos[first]
    at -= first
    at += np.arange(first.size)
    starts[at] = s_sel[first]
    ends[at] = cummax[last]
    return _Spans(starts, ends, question), int(joined)


# ------------------------------------------------------------------------------------------ update / compute


class GroundingStats(ColumnStats["GroundingQuestion"]):
    """Per-question statistics as columns: IoU, IoP, IoG and whether the prediction was empty."""

    def __init__(self, iou: np.ndarray, iop: np.ndarray, iog: np.ndarray, empty: np.ndarray) -> None:
        self.iou, self.iop, self.iog, self.empty = iou, iop, iog, empty

    def __len__(self) -> int:
        return int(self.iou.size)

    def row(self, i: int) -> GroundingQuestion:
        """Question ``i`` as a :class:`GroundingQuestion`."""
        return GroundingQuestion(
            float(self.iou[i]), float(self.iop[i]), float(self.iog[i]), bool(self.empty[i])
        )

    def take(self, indices: np.ndarray) -> GroundingStats:
        """The questions at ``indices`` (repeats allowed)."""
        return GroundingStats(self.iou[indices], self.iop[indices], self.iog[indices], self.empty[indices])


class GroundingQuestion(NamedTuple):
    """One question's IoU, IoP, IoG and whether its prediction was empty."""

    iou: float
    iop: float
    iog: float
    empty: bool


def _grounding_update_many(pred: _Spans, gold: _Spans, n_questions: int, span_mode: str) -> GroundingStats:
    """IoU, IoP and IoG of every question from flat predicted and gold spans (gold grouped by question).

    Every predicted span of question ``q`` is paired with each gold span of ``q``: pass ``j`` pairs every
    predicted span with the ``j``-th gold span of its question (for the spans whose question has more than
    ``j``), so each pass is one vectorised step over at most the predicted spans, and a ``bincount`` sums
    the overlaps per question. The passes are as many as the most gold spans of a question (5 in
    ProcObject-10K); after each pass the predicted spans whose question has no further gold span are
    left out (the arrays shrink), so the passes visit each (predicted, gold) pair once and their arrays
    stay as small as the predicted spans (the expanded pair list made the allocator map fresh pages).
    Temporaries are dropped as soon as they are used, the span lengths are summed after the passes and
    each ratio is divided in place into its denominator, so that fewer arrays are alive at once (a
    smaller peak means fewer fresh pages per call).
    """
    plus = 1.0 if span_mode == "integer_inclusive" else 0.0
    pq, gq = pred.question, gold.question
    g_count = np.bincount(gq, minlength=n_questions)
    g_first = np.cumsum(g_count)
    g_first -= g_count  # each question's first gold span
    ps, pe, gs, ge = pred.starts, pred.ends, gold.starts, gold.ends
    inter = np.zeros(n_questions)
    j = 0
    while True:
        # pass j: the predicted spans whose question has more than j gold spans, with the j-th of them
        more = g_count[pq] > j
        if not more.all():
            more = np.flatnonzero(more)  # gathering by index beats a boolean mask that is true at random
            ps, pe, pq = ps[more], pe[more], pq[more]
        del more
        if not pq.size:
            break
        g_at = g_first[pq]
        if j:
            g_at += j
        overlap = ge[g_at]
        np.minimum(pe, overlap, out=overlap)
        later = gs[g_at]
        del g_at
        np.maximum(ps, later, out=later)
        overlap -= later
        del later
        if plus:
            overlap += plus
        np.maximum(overlap, 0.0, out=overlap)
        inter += np.bincount(pq, overlap, minlength=n_questions)
        del overlap
        j += 1
    del ps, pe, pq, g_first
    pq = pred.question
    p_count = np.bincount(pq, minlength=n_questions)
    p_len = np.bincount(pq, pred.ends - pred.starts, minlength=n_questions)
    g_len = np.bincount(gq, gold.ends - gold.starts, minlength=n_questions)
    if plus:
        p_len += p_count
        g_len += g_count
    # (``bincount`` of no spans is an integer array)
    p_len, g_len = p_len.astype(float, copy=False), g_len.astype(float, copy=False)
    iou = p_len + g_len
    iou -= inter
    # each ratio is written over its denominator, a zero one (always +0.0: sums that start at 0.0) left as 0
    for den in (iou, p_len, g_len):
        np.divide(inter, den, out=den, where=den != 0)
    return GroundingStats(iou, p_len, g_len, p_count == 0)


def _grounding_update(
    pred: Sequence[Sequence[float]], gold: Sequence[Sequence[float]], span_mode: str = "continuous"
) -> GroundingQuestion:
    """IoU, IoP and IoG of one question from its (already merged and checked) spans."""
    p, g = np.asarray(pred, dtype=float).reshape(-1, 2), np.asarray(gold, dtype=float).reshape(-1, 2)
    stats = _grounding_update_many(
        _Spans(p[:, 0], p[:, 1], np.zeros(len(p), dtype=np.int64)),
        _Spans(g[:, 0], g[:, 1], np.zeros(len(g), dtype=np.int64)),
        1,
        span_mode,
    )
    return stats.row(0)


def _grounding_compute(
    stats: GroundingStats | Sequence[GroundingQuestion],
    *,
    empty_prediction: str = "zero",
    iou_thresholds: Sequence[float] = DEFAULT_IOU_THRESHOLDS,
) -> dict[str, float]:
    """``mean_iou``, ``mean_iop``, ``mean_iog`` and ``iou_at_<k>`` from per-question statistics."""
    if not isinstance(stats, GroundingStats):
        rows = list(stats)
        stats = GroundingStats(
            np.array([r.iou for r in rows], dtype=float),
            np.array([r.iop for r in rows], dtype=float),
            np.array([r.iog for r in rows], dtype=float),
            np.array([r.empty for r in rows], dtype=bool),
        )
    n = len(stats)
    scored = ~stats.empty if empty_prediction == "skip" else None  # None: every question
    m = n if scored is None else int(np.count_nonzero(scored))
    out: dict[str, float] = {}
    for key, col in (("mean_iou", stats.iou), ("mean_iop", stats.iop), ("mean_iog", stats.iog)):
        total = col.sum() if scored is None else col[scored].sum()
        out[key] = float(total / m) if m else math.nan
    for t in iou_thresholds:
        # empty predictions have IoU 0, so they are misses whatever the mean policy
        out[threshold_key(t)] = float(np.count_nonzero(stats.iou > t) / n) if n else math.nan
    return out


# ------------------------------------------------------------------------------------------ public


def _pair_inputs(
    predictions: Any, references: Any, ids: Sequence[Hashable] | None
) -> tuple[list[Hashable], list[Any], Any]:
    """``(ids, predictions, references)`` in the references' order (mappings by id, lists by position).

    Arrow references (a ``list<list<float64>>`` column) keep their order; ``ids`` name their rows and, when
    ``predictions`` is a mapping, say which prediction goes with each row.
    """
    if isinstance(references, (pa.Array, pa.ChunkedArray)):
        n = len(references)
        keys = _list_keys(ids, n)
        if isinstance(predictions, Mapping):
            if ids is None:
                raise InputValidationError(
                    "Expected argument `ids` (one per reference row) with Arrow references and mapping "
                    "predictions, but got None."
                )
            return keys, _lookup(predictions, keys), references
        preds = list(predictions)
        if len(preds) != n:
            raise InputValidationError(
                f"Expected as many predictions as references, but got {len(preds)} and {n}."
            )
        return keys, preds, references
    if isinstance(references, Mapping):
        if not isinstance(predictions, Mapping):
            raise InputValidationError(
                "Expected `predictions` to be a mapping keyed by id like `references`, but got "
                f"{type(predictions).__name__}."
            )
        keys = list(references)
        preds = _lookup(predictions, keys)
        return keys, preds, list(references.values())
    if isinstance(predictions, Mapping):
        raise InputValidationError(
            "Expected `references` to be a mapping keyed by id like `predictions`, but got "
            f"{type(references).__name__}."
        )
    preds, refs = list(predictions), list(references)
    if len(preds) != len(refs):
        raise InputValidationError(
            f"Expected as many predictions as references, but got {len(preds)} and {len(refs)}."
        )
    return _list_keys(ids, len(refs)), preds, refs


def _list_keys(ids: Sequence[Hashable] | None, n: int) -> list[Hashable]:
    if ids is None:
        return list(map("#{}".format, range(n)))
    keys = check_unique_ids(ids, "ids")
    if len(keys) != n:
        raise InputValidationError(f"Expected one id per question ({n}), but got {len(keys)} `ids`.")
    return keys


def _lookup(predictions: Mapping[Hashable, Any], keys: list[Hashable]) -> list[Any]:
    """``predictions`` in the order of ``keys``; an unknown or a missing id is an error naming it.

    Unknown ids are named first (a mistyped id is the likelier mistake), with the count of missing ones.
    """
    if len(predictions) == len(keys) and list(predictions) == keys:
        return list(predictions.values())  # the same ids in the same order (as an adapter builds them)
    known = set(keys)
    extra = [k for k in predictions if k not in known]
    missing = [k for k in keys if k not in predictions]
    if extra:
        also = f" (and {len(missing)} question ids have no prediction)" if missing else ""
        raise InputValidationError(
            f"Expected predictions only for question ids, but {len(extra)} have no reference: "
            f"{format_ids(extra, chars=_ECHO_CHARS)}{also}."
        )
    if missing:
        raise InputValidationError(
            f"Expected a prediction for every question id, but {len(missing)} are missing: "
            f"{format_ids(missing, chars=_ECHO_CHARS)}"
        )
    return list(map(predictions.__getitem__, keys))


@dataclass(frozen=True)
class _Prepared:
    stats: GroundingStats
    counts: dict[str, int]


def _prepare(
    predictions: Sequence[Any],
    gold: _Spans,
    keys: Sequence[Hashable],
    durations: np.ndarray | None,
    options: GroundingOptions,
    ref_counts: dict[str, int],
) -> _Prepared:
    n = len(keys)
    pred, unparseable = _read_predictions(predictions, keys, options.invalid_spans)
    pred, counts = _clean_predictions(pred, durations, keys, options.invalid_spans)
    if options.merge:
        pred, _ = _merge(pred, n)
    stats = _grounding_update_many(pred, gold, n, options.span_mode)
    counts = {
        "num_empty_predictions": int(np.count_nonzero(stats.empty)),
        "num_unparseable_predictions": int(np.count_nonzero(unparseable)),
        **counts,
        **ref_counts,
    }
    return _Prepared(stats, {k: counts[k] for k in COUNT_KEYS})


def _groups(
    name: str,
    labels: Any,
    keys: Sequence[Hashable],
    stats: GroundingStats,
    compute: Any,
) -> dict[str, dict[str, Any]]:
    values = [str(v) for v in _aligned(labels, keys, len(keys), name)]
    out: dict[str, dict[str, Any]] = {}
    codes = {}
    for v in values:
        codes.setdefault(v, len(codes))
    code = np.fromiter((codes[v] for v in values), dtype=np.int64, count=len(values))
    for label, c in codes.items():
        idx = np.flatnonzero(code == c)
        sub = stats.take(idx)
        out[label] = {
            **compute(sub),
            "num_questions": int(idx.size),
            "num_empty_predictions": int(np.count_nonzero(sub.empty)),
        }
    return out


def _per_question(keys: list[Hashable], stats: GroundingStats, *, skip: bool) -> dict[str, Any]:
    """Columns ``{"id": [...], "iou": array, "iop": array, "iog": array}``; NaN where ``skip`` left one out."""
    out: dict[str, Any] = {"id": keys}
    for name, col in (("iou", stats.iou), ("iop", stats.iop), ("iog", stats.iog)):
        out[name] = np.where(stats.empty, np.nan, col) if skip else col
    return out


def grounding_scores(
    predictions: Sequence[Any] | Mapping[Hashable, Any],
    references: Sequence[Any] | Mapping[Hashable, Any],
    *,
    span_mode: SpanMode = "continuous",
    merge: bool = True,
    empty_prediction: EmptyPrediction = "zero",
    invalid_spans: InvalidSpans = "repair",
    iou_thresholds: Sequence[float] = DEFAULT_IOU_THRESHOLDS,
    durations: Sequence[float] | Mapping[Hashable, float] | None = None,
    qa_types: Sequence[str] | Mapping[Hashable, str] | None = None,
    reasoning: Sequence[str] | Mapping[Hashable, str] | None = None,
    ids: Sequence[Hashable] | None = None,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | Mapping[Hashable, Any] | None = None,
) -> dict[str, Any]:
    """Set-level IoU / IoP / IoG of multi-span temporal evidence, averaged over questions.

    Args:
        predictions: per question, the predicted spans ``[[start_s, end_s], ...]`` in seconds (or one bare
            ``[start_s, end_s]``, ``None`` for no evidence, or the model's text, parsed tolerantly); a list
            aligned with ``references`` or a mapping keyed by question id.
        references: per question, the gold spans ``[[start_s, end_s], ...]`` (seconds), same container kind;
            or an Arrow ``list<list<float64>>`` column (e.g. ``ds.with_format("arrow")["evidence"]`` of a
            ``datasets.Dataset``), read without Python objects, with ``ids`` naming its rows (required when
            ``predictions`` is a mapping).
        span_mode: ``"continuous"`` (default; length ``end - start``) or ``"integer_inclusive"``
            (MultiHop-EgoQA: length ``end - start + 1``).
        merge: replace each side's spans by their union before scoring (default True); False sums over
            raw pairs as MultiHop-EgoQA does.
        empty_prediction: ``"zero"`` (default; an empty prediction scores 0) or ``"skip"`` (left out of
            the means, a miss in ``iou_at_<k>``; MultiHop-EgoQA).
        invalid_spans: ``"repair"`` (default; swap reversed spans, clip to ``[0, duration]``, drop
            non-finite spans, all counted) or ``"error"``.
        iou_thresholds: the k of ``iou_at_<k>`` (IoU strictly above k), in [0, 1).
        durations: per question, the clip length in seconds (aligned like ``references``); spans past it
            are clipped or refused (see ``invalid_spans``). None: only the lower bound 0 is checked.
        qa_types: per question, its question type: adds ``per_qa_type``.
        reasoning: per question, its reasoning pattern: adds ``per_reasoning``.
        ids: ids of list inputs (for messages and ``per_question``; default ``"#0"``, ``"#1"``, ...).
        bootstrap: question resamples for percentile confidence intervals (0 = none).
        confidence: coverage of the interval.
        seed: bootstrap seed.
        paired_predictions: a second system's predictions on the same questions, for ``paired``.

    Returns:
        A dict with ``mean_iou``, ``mean_iop``, ``mean_iog`` and ``iou_at_<k>`` (fractions in [0, 1] with
        ``merge=True``, higher is better; papers print x100; NaN means when ``empty_prediction="skip"``
        leaves no question), ``num_questions``, the counts in :data:`COUNT_KEYS`, ``per_question``
        (columns ``{"id": list, "iou": array, "iop": array, "iog": array}`` in question order, ready for
        ``pandas.DataFrame``; NaN for a question left out by ``"skip"``),
        ``per_qa_type`` / ``per_reasoning`` (``{label: {means, iou_at_<k>, num_questions,
        num_empty_predictions}}``) when asked for, ``signature``, and ``ci`` / ``ci_level`` / ``paired``
        when asked for.

    Raises:
        InputValidationError: bad options, mismatched or missing ids, malformed gold spans, bad
            ``durations``, or (with ``invalid_spans="error"``) a predicted span that needs repair or a
            prediction that cannot be read.

    Examples:
        Overlapping predictions are merged; two disjoint gold spans:

        >>> out = grounding_scores([[[0, 4], [2, 6]]], [[[1, 3], [5, 9]]])  # P = [0, 6]: I = 2 + 1
        >>> round(out["mean_iou"], 4), out["mean_iop"], out["mean_iog"]
        (0.3333, 0.5, 0.5)
        >>> grounding_scores([[[0, 4], [2, 6]]], [[[1, 3], [5, 9]]], merge=False)["mean_iou"]  # 4 / (8 + 6 - 4)
        0.4
        >>> round(grounding_scores([[[2, 4]]], [[[3, 6]]], span_mode="integer_inclusive")["mean_iou"], 4)
        0.4
    """
    options = GroundingOptions(
        span_mode=span_mode,
        merge=merge,
        empty_prediction=empty_prediction,
        invalid_spans=invalid_spans,
        iou_thresholds=tuple(iou_thresholds) if isinstance(iou_thresholds, list) else iou_thresholds,
    )
    uncertainty = Uncertainty(bootstrap, confidence, seed, paired=paired_predictions is not None)
    keys, preds, refs = _pair_inputs(predictions, references, ids)
    n = len(keys)
    if n == 0:
        raise InputValidationError("Expected at least one question, but got none.")
    dur = _durations_array(durations, keys, n)
    gold, clipped_gold = _check_references(_read_references(refs, keys), dur, keys, options.invalid_spans)
    del refs  # read: let the list go before the arrays of the update are made
    merged_gold = 0
    if options.merge:
        gold, merged_gold = _merge(gold, n)
    ref_counts = {
        "num_clipped_reference_spans": clipped_gold,
        "num_merged_reference_spans": merged_gold,
        "num_empty_references": int(np.count_nonzero(np.bincount(gold.question, minlength=n) == 0)),
    }
    prepared = _prepare(preds, gold, keys, dur, options, ref_counts)
    stats = prepared.stats

    def compute(units: GroundingStats | Sequence[GroundingQuestion]) -> dict[str, float]:
        return _grounding_compute(
            units, empty_prediction=options.empty_prediction, iou_thresholds=options.iou_thresholds
        )

    result: dict[str, Any] = compute(stats)
    result["num_questions"] = n
    result.update(prepared.counts)
    result["per_question"] = _per_question(keys, stats, skip=options.empty_prediction == "skip")
    if qa_types is not None:
        result["per_qa_type"] = _groups("qa_types", qa_types, keys, stats, compute)
    if reasoning is not None:
        result["per_reasoning"] = _groups("reasoning", reasoning, keys, stats, compute)
    paired_units = None
    if paired_predictions is not None:
        _, paired_preds, _ = _pair_inputs(paired_predictions, references, ids)
        paired_units = _prepare(paired_preds, gold, keys, dur, options, ref_counts).stats
    result = with_uncertainty(result, stats, compute, uncertainty=uncertainty, paired_units=paired_units)
    extra = {"dur": "given" if dur is not None else None}
    result["signature"] = score_signature("grounding", options, uncertainty, extra=extra)
    return result
