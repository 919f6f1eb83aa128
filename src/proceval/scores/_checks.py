"""Input checks shared by the score functions; every message names the id and what was expected."""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any, TypeVar

import numpy as np

from proceval.errors import InputValidationError

V = TypeVar("V")

ID_ECHO_CHARS = 60
"""Characters of an id's ``repr`` that messages echo; a longer id is cut (see :func:`format_id`)."""


def format_id(value: Any, limit: int = ID_ECHO_CHARS) -> str:
    """An id as messages echo it: its ``repr``, cut to ``limit`` characters plus ``"... (N chars)"``.

    A 2 MB id must not be copied whole into an error message; the count says how long the id was.

    Example:
        >>> format_id("v1")
        "'v1'"
        >>> format_id("x" * 100, limit=5)
        "'xxxx... (102 chars)"
    """
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} chars)"


def format_ids(values: Sequence[Any], limit: int = 5, *, chars: int = ID_ECHO_CHARS) -> str:
    """At most ``limit`` ids, each through :func:`format_id` (``chars`` long), comma-separated (``" ..."`` when cut)."""
    shown = ", ".join(format_id(v, chars) for v in list(values)[:limit])
    return shown + (" ..." if len(values) > limit else "")


def check_choice(name: str, value: Any, choices: Sequence[Any]) -> None:
    """Raise unless ``value`` is one of ``choices`` (the tuple the option's type also uses)."""
    if value not in choices:
        raise InputValidationError(
            f"Expected argument `{name}` to be one of {tuple(choices)}, but got {value!r}."
        )


def check_unique_ids(ids: Iterable[Hashable], what: str) -> list[Hashable]:
    """Return ``ids`` as a list, raising on the first duplicate."""
    seen: set[Hashable] = set()
    out = []
    for item in ids:
        if item in seen:
            raise InputValidationError(
                f"Expected unique ids in `{what}`, but {format_id(item)} appears more than once."
            )
        seen.add(item)
        out.append(item)
    return out


def match_by_id(
    predictions: Mapping[Hashable, V], references: Mapping[Hashable, Any], *, allow_extra: bool = False
) -> list[tuple[Hashable, V, Any]]:
    """Pair predictions with references by id, in the references' order.

    Raises:
        InputValidationError: a reference id has no prediction, or (unless ``allow_extra``) a
            prediction id has no reference.
    """
    missing = [k for k in references if k not in predictions]
    if missing:
        raise InputValidationError(
            f"Expected a prediction for every reference id, but {len(missing)} are missing: "
            f"{format_ids(missing)}"
        )
    if not allow_extra:
        extra = [k for k in predictions if k not in references]
        if extra:
            raise InputValidationError(
                f"Expected predictions only for reference ids, but {len(extra)} have no reference: "
                f"{format_ids(extra)} (unknown prediction ids)"
            )
    return [(k, predictions[k], references[k]) for k in references]


def check_num_classes(num_classes: Any, label_names: Sequence[str] | None) -> int | None:
    """The size of a label map: ``num_classes`` checked (a positive int agreeing with ``label_names``).

    Returns:
        ``num_classes``, else ``len(label_names)``, else None (the caller infers it from the references).
    """
    if num_classes is None:
        return len(label_names) if label_names is not None else None
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise InputValidationError(
            f"Expected argument `num_classes` to be a positive integer, but got {num_classes!r}."
        )
    if label_names is not None and len(label_names) != num_classes:
        raise InputValidationError(
            f"Expected argument `num_classes` to equal the {len(label_names)} names of `label_names`, "
            f"but got {num_classes}."
        )
    return int(num_classes)


def as_list(value: Any, name: str) -> list[Any]:
    """``list(value)`` for a sequence of per-unit inputs, else an InputValidationError naming ``name``."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise InputValidationError(
            f"Expected `{name}` to be a list of per-unit inputs (or a mapping keyed by id), "
            f"but got {type(value).__name__}."
        )
    return list(value)


def check_same_length(
    pred: Sequence[Any] | np.ndarray, ref: Sequence[Any] | np.ndarray, unit_id: Any
) -> None:
    """Raise naming the unit and both lengths when a prediction and its reference differ in length."""
    if len(pred) != len(ref):
        raise InputValidationError(
            f"Expected the prediction for {format_id(unit_id)} to have as many frames as its reference "
            f"({len(ref)}), but got {len(pred)}."
        )


def check_finite(values: np.ndarray, name: str, unit_id: Any = None) -> None:
    """Raise when ``values`` holds NaN or infinity."""
    arr = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0].tolist()
        where = f" for {format_id(unit_id)}" if unit_id is not None else ""
        raise InputValidationError(
            f"Expected finite values in `{name}`{where}, but found {arr[tuple(bad)]} at {bad}."
        )


_INT64_MAX = int(np.iinfo(np.int64).max)


def _is_nested(value: Any) -> bool:
    return isinstance(value, (list, tuple, np.ndarray))


def ragged_position(value: Any, shape: Sequence[int | None] | None = None) -> str | None:
    """Where a nested sequence stops being rectangular, e.g. ``"[1] has 2 entries where 3 were expected"``.

    Args:
        value: nested lists / tuples / arrays.
        shape: the expected length at each depth (``None`` entries, or a missing tail: the most common
            length among siblings, the first one on a tie).

    Returns:
        A description naming the first offending position (``[i][j]`` indices), or None when ``value``
        is rectangular.
    """

    def walk(x: Any, path: str, depth: int) -> str | None:
        if not _is_nested(x) or (isinstance(x, np.ndarray) and x.dtype != object):
            return None
        items = list(x)
        nested = [_is_nested(i) for i in items]
        if any(nested) and not all(nested):
            i = nested.index(not nested[0])
            what = "a sequence" if nested[i] else "a single value"
            other = "a sequence" if nested[0] else "a single value"
            return f"{path}[{i}] is {what} where {path}[0] is {other}"
        if not items or not nested[0]:
            return None
        lengths = [len(i) for i in items]
        want = shape[depth + 1] if shape is not None and depth + 1 < len(shape) else None
        if want is None:
            want = max(dict.fromkeys(lengths), key=lengths.count)  # most common, first on a tie
        for i, n in enumerate(lengths):
            if n != want:
                return f"{path}[{i}] has {n} entries where {want} were expected"
        for j, item in enumerate(items):
            found = walk(item, f"{path}[{j}]", depth + 1)
            if found:
                return found
        return None

    return walk(value, "", 0)


def as_array(
    value: Any, unit_id: Any, what: str, expected: str, shape: Sequence[int | None] | None = None
) -> np.ndarray:
    """``np.asarray(value)``, or an InputValidationError naming the unit and the first ragged position.

    Args:
        value: the input (nested sequences or an array).
        unit_id: the id the message names.
        what: what ``value`` is, e.g. ``"the prediction"``.
        expected: what it should be, e.g. ``"a [components, frames] array"``.
        shape: the expected lengths per depth, to say which entry is wrong (see :func:`ragged_position`).

    Example:
        >>> as_array([[1, 2], [3]], "v", "the prediction", "a [2, 2] array", (2, 2))
        Traceback (most recent call last):
        ...
        proceval.errors.InputValidationError: Expected the prediction for 'v' to be a [2, 2] array, but it is ragged: [1] has 1 entries where 2 were expected.
    """
    try:
        return np.asarray(value)
    except (ValueError, TypeError) as exc:
        where = ragged_position(value, shape) or str(exc)
        raise InputValidationError(
            f"Expected {what} for {format_id(unit_id)} to be {expected}, but it is ragged: {where}."
        ) from None


_REAL_TYPES = (int, float, np.integer, np.floating)
_BOOL_TYPES = (bool, np.bool_)
_SEQ_TYPES = (list, tuple, np.ndarray)
_BOOL_SET = frozenset(_BOOL_TYPES)


def _is_real(value: Any) -> bool:
    """A real number: an int or float (Python or numpy), never a bool."""
    return isinstance(value, _REAL_TYPES) and not isinstance(value, _BOOL_TYPES)


def holds_bool(values: Any) -> bool:
    """Whether nested lists / tuples / arrays hold a bool anywhere.

    ``np.asarray([False, 1])`` is an int64 array, so a converted array's dtype cannot tell; this looks at the
    items' types: one C-level ``set(map(type, ...))`` per nesting level (lists of lists are flattened with
    ``itertools.chain``), so it stays cheap on long lists.
    """
    if isinstance(values, np.ndarray):
        if values.dtype.kind == "b":
            return True
        return values.dtype == object and any(holds_bool(v) for v in values.flat)
    if not isinstance(values, (list, tuple)):
        return isinstance(values, _BOOL_TYPES)
    level: Any = values
    while True:
        types = set(map(type, level))
        if bool in types or np.bool_ in types:
            return True
        if not any(issubclass(t, _SEQ_TYPES) for t in types):
            return False
        if types <= {list, tuple}:
            level = list(itertools.chain.from_iterable(level))
            continue
        return any(holds_bool(v) for v in level if isinstance(v, _SEQ_TYPES))


def converted_bool(arr: np.ndarray, values: Any) -> bool:
    """Whether the numeric ``arr = np.asarray(values)`` came from a bool hidden among numbers.

    Cheap on the common case: a numeric array ``values`` cannot hold one, and a bool converts to exactly 0
    or 1, so the items' types (:func:`holds_bool`) are scanned only when ``arr`` holds a 0 or a 1.
    """
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
        return False
    if arr.dtype.kind == "b":
        return True
    if arr.dtype.kind not in "iuf" or not arr.size:
        return False
    flagged = (arr <= 1) if arr.dtype.kind == "u" else (arr == 0) | (arr == 1)
    if not flagged.any():
        return False
    if isinstance(values, list) and arr.ndim == 1 and arr.size == len(values):
        where = np.flatnonzero(flagged)
        if where.size * 2 < arr.size:  # only the items that read as 0 or 1 can be bools: gather those
            picked = itemgetter(*where.tolist())(values) if where.size > 1 else (values[int(where[0])],)
            return not _BOOL_SET.isdisjoint(map(type, picked))
    return holds_bool(values)


def _first_non_real(values: Any, path: tuple[int, ...] = ()) -> tuple[tuple[int, ...], Any] | None:
    """The index path and value of the first item of nested sequences that is not a real number."""
    if isinstance(values, _SEQ_TYPES):
        items = values.tolist() if isinstance(values, np.ndarray) and values.dtype != object else values
        if isinstance(values, np.ndarray) and values.ndim == 0:
            return None if _is_real(values.item()) else (path, values.item())
        for i, item in enumerate(items):
            found = _first_non_real(item, (*path, i))
            if found is not None:
                return found
        return None
    return None if _is_real(values) else (path, values)


def _where(path: tuple[int, ...], position: str) -> str:
    if not path:
        return ""
    index = str(path[0]) if len(path) == 1 else "".join(f"[{i}]" for i in path)
    return f" at {position} {index}"


def check_real(
    arr: np.ndarray,
    values: Any,
    *,
    what: str,
    unit_id: Any,
    position: str = "entry",
    expected: str = "an array of real numbers",
    finite: bool = False,
    unit: str | None = None,
) -> np.ndarray:
    """Check that ``arr = np.asarray(values)`` holds only real numbers, as ``values`` gave them.

    The shared refusal of bools, strings (numeric or not), ``None`` and other objects, which a bare
    ``np.asarray(values, dtype=float)`` would convert or a mixed list would hide (``[False, 1]`` is int64).
    Fast on the common case: a numeric array passes after a dtype test; a Python list costs one type scan.

    Args:
        arr: ``np.asarray(values)`` (no dtype forced).
        values: what the user passed (the items' own types are checked when ``arr`` cannot tell).
        what: what ``values`` is in messages, e.g. ``"the prediction"`` or ``"`predictions`"``.
        unit_id: the id the message names.
        position: the name of one entry in messages (``"frame"``, ``"class"``, ``"entry"``...).
        expected: what ``values`` should be, in words.
        finite: also refuse NaN and infinity.
        unit: how messages name the unit (default: :func:`format_id` of ``unit_id``).

    Returns:
        ``arr`` (an object array of real numbers is converted to float64).

    Raises:
        InputValidationError: an entry is a bool, a str, None or another non-number (or not finite with
            ``finite=True``), naming the unit and the entry's position.
    """
    name = format_id(unit_id) if unit is None else unit
    kind = arr.dtype.kind
    if kind not in "iuf" or converted_bool(arr, values):
        found = _first_non_real(values)
        if found is None and kind in "iufO":
            arr = arr.astype(np.float64)
        else:
            path, bad = found if found is not None else ((), values)
            raise InputValidationError(
                f"Expected {what} for {name} to be {expected}, but got "
                f"{type(bad).__name__} {format_id(bad)}{_where(path, position)}."
            )
    if finite and arr.dtype.kind == "f":
        ok = np.isfinite(arr)
        if not ok.all():
            path = tuple(int(i) for i in np.argwhere(~ok)[0])
            raise InputValidationError(
                f"Expected finite values in {what} for {name}, but got {arr[path]}{_where(path, position)}."
            )
    return arr


def as_real_array(
    values: Any,
    *,
    what: str,
    unit_id: Any,
    position: str = "entry",
    expected: str = "an array of real numbers",
    finite: bool = False,
    dtype: Any = None,
    unit: str | None = None,
) -> np.ndarray:
    """``np.asarray(values)`` refusing bools, strings, None and other non-numbers (see :func:`check_real`).

    A numeric numpy array passes after a dtype test; anything else is converted once and its items' types
    checked.

    Args:
        values: nested sequences of numbers, or an array.
        what: what ``values`` is in messages, e.g. ``"the prediction"``.
        unit_id: the id the message names.
        position: the name of one entry in messages.
        expected: what ``values`` should be, in words (also for a ragged input, see :func:`as_array`).
        finite: also refuse NaN and infinity.
        dtype: convert the checked array to this dtype (e.g. ``np.float64``); None keeps its own.
        unit: how messages name the unit (default: :func:`format_id` of ``unit_id``).

    Raises:
        InputValidationError: ragged nesting, or an entry that is not a real number, naming the unit and
            the entry.

    Example:
        >>> as_real_array([0.5, "1"], what="the scores", unit_id="v", position="class")
        Traceback (most recent call last):
        ...
        proceval.errors.InputValidationError: Expected the scores for 'v' to be an array of real numbers, but got str '1' at class 1.
    """
    kw = {"what": what, "unit_id": unit_id, "position": position, "expected": expected, "unit": unit}
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
        arr = values
    else:
        arr = check_real(as_array(values, unit_id, what, expected), values, **kw)
    if finite:
        check_real(arr, arr, finite=True, **kw)
    return arr if dtype is None else arr.astype(dtype, copy=False)


def _item_kind(value: Any) -> str | None:
    """``"name"`` (str), ``"id"`` (an integer, or an integral float), else None."""
    if isinstance(value, str):
        return "name"
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return "id"
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value) == int(value):
        return "id"
    return None


def _ids_from_items(
    items: Sequence[Any], label_to_id: Mapping[str, int] | None, fid: str, position: str
) -> np.ndarray:
    """Label names (or, in an object array, Python ints) -> int64, naming the first offending position."""
    if not all(type(v) is str for v in items):
        kinds = [_item_kind(v) for v in items]
        for i, k in enumerate(kinds):
            if k is None:
                raise InputValidationError(
                    f"Expected a label id or name at {position} {i} of {fid}, but got {format_id(items[i])}."
                )
        first = kinds[0]
        for i, k in enumerate(kinds):
            if k != first:
                said, one = ("ids", "an id") if first == "id" else ("names", "a name")
                raise InputValidationError(
                    f"Expected label {said} throughout the sequence of {fid} ({position} 0 is {one}; ids and "
                    f"names cannot be mixed), but got {format_id(items[i])} at {position} {i}."
                )
        if first == "id":
            out = np.empty(len(items), dtype=np.int64)
            for i, v in enumerate(items):
                if not -_INT64_MAX <= int(v) <= _INT64_MAX:
                    raise InputValidationError(
                        f"Expected label ids that fit in 64 bits for {fid}, but got {int(v)} at {position} {i}."
                    )
                out[i] = int(v)
            return out
    if label_to_id is None:
        raise InputValidationError(
            f"Got label names for {fid} but no `label_names` / label map to convert them to ids "
            f"(e.g. {format_id(items[0])} at {position} 0)."
        )
    out = np.empty(len(items), dtype=np.int64)
    cache: dict[str, int] = {}
    for i, name in enumerate(items):
        key = str(name)
        if key not in cache:
            if key in label_to_id:
                cache[key] = label_to_id[key]
            elif key.upper() in label_to_id:
                cache[key] = label_to_id[key.upper()]
            else:
                raise InputValidationError(
                    f"Unknown label {format_id(key)} at {position} {i} of {fid}; expected one of the "
                    f"{len(label_to_id)} names of `label_names`."
                )
        out[i] = cache[key]
    return out


def to_label_ids(
    seq: Sequence[Any] | np.ndarray,
    label_to_id: Mapping[str, int] | None,
    unit_id: Any,
    *,
    position: str = "frame",
) -> np.ndarray:
    """Convert a sequence of label ids or label names to an int64 array.

    Names need ``label_to_id``; ids and names cannot be mixed in one sequence. Every error names the unit
    and the first offending ``position`` (``"frame"``, ``"step"``...). Ranges are checked by the callers,
    which know the label map's size.

    Raises:
        InputValidationError: a ragged or non-1-D sequence, an unknown name, names without a map, a
            mix of ids and names, a NaN / infinite / non-integer float, an id beyond 64 bits, or a
            value that is neither an id nor a name.
    """
    fid = format_id(unit_id)
    arr = as_array(seq, unit_id, "the labels", "a 1-D label sequence")
    if arr.ndim != 1:
        raise InputValidationError(f"Expected a 1-D label sequence for {fid}, but got shape {arr.shape}.")
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    kind = arr.dtype.kind
    if kind in "iuf" and converted_bool(arr, seq):  # [False, 1] is int64
        i = next(i for i, v in enumerate(seq) if isinstance(v, _BOOL_TYPES))
        raise InputValidationError(
            f"Expected label ids or names for {fid}, but got the boolean {seq[i]} at {position} {i}."
        )
    if kind == "i":
        return arr.astype(np.int64, copy=False)
    if kind == "u":
        too_big = arr > _INT64_MAX
        if too_big.any():
            i = int(np.argmax(too_big))
            raise InputValidationError(
                f"Expected label ids that fit in 64 bits for {fid}, but got {int(arr[i])} at {position} {i}."
            )
        return arr.astype(np.int64)
    if kind == "f":
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(arr) | (arr != np.round(arr))
            huge = np.abs(arr) >= 2.0**63
        if bad.any():
            i = int(np.argmax(bad))
            raise InputValidationError(
                f"Expected integer label ids for {fid}, but got the non-integer value {float(arr[i])} "
                f"at {position} {i}."
            )
        if huge.any():
            i = int(np.argmax(huge))
            raise InputValidationError(
                f"Expected label ids that fit in 64 bits for {fid}, but got {float(arr[i])} at {position} {i}."
            )
        return arr.astype(np.int64)
    if kind in "USO":
        items = list(seq) if isinstance(seq, (list, tuple)) else arr.tolist()
        return _ids_from_items(items, label_to_id, fid, position)
    if kind == "b":
        raise InputValidationError(
            f"Expected label ids or names for {fid}, but got booleans ({bool(arr[0])} at {position} 0)."
        )
    raise InputValidationError(f"Expected label ids or names for {fid}, but got dtype {arr.dtype}.")


def pair_units(
    predictions: Any, references: Any, ids: Sequence[Any] | None = None, *, id_name: str = "ids"
) -> list[tuple[Any, Any, Any]]:
    """Pair predictions with references: by id for mappings, by position (with optional ids) for lists.

    Returns ``[(id, prediction, reference), ...]`` in the references' order; list inputs without ids get
    ``"#0"``, ``"#1"``, ...

    Raises:
        InputValidationError: one side is a mapping and the other is not, lengths differ, ids are
            duplicated or of the wrong count, or a mapping misses / adds ids (see :func:`match_by_id`).
    """
    if isinstance(references, Mapping):
        if not isinstance(predictions, Mapping):
            raise InputValidationError(
                "Expected `predictions` to be a mapping keyed by id like `references`, but got "
                f"{type(predictions).__name__}."
            )
        return match_by_id(predictions, references)
    if isinstance(predictions, Mapping):
        raise InputValidationError(
            "Expected `references` to be a mapping keyed by id like `predictions`, but got "
            f"{type(references).__name__}."
        )
    predictions, references = as_list(predictions, "predictions"), as_list(references, "references")
    if len(predictions) != len(references):
        raise InputValidationError(
            f"Expected as many predictions as references, but got {len(predictions)} and {len(references)}."
        )
    if ids is None:
        keys: list[Any] = [f"#{i}" for i in range(len(references))]
    else:
        keys = check_unique_ids(ids, id_name)
        if len(keys) != len(references):
            raise InputValidationError(
                f"Expected one id per reference ({len(references)}), but got {len(keys)} `{id_name}`."
            )
    return list(zip(keys, predictions, references, strict=True))
