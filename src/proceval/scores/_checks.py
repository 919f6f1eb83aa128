"""Input checks shared by the score functions; every message names the id and what was expected."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np

from proceval.errors import InputValidationError

V = TypeVar("V")


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
                f"Expected unique ids in `{what}`, but {item!r} appears more than once."
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
        shown = ", ".join(repr(k) for k in missing[:5])
        raise InputValidationError(
            f"Expected a prediction for every reference id, but {len(missing)} are missing: {shown}"
            + (" ..." if len(missing) > 5 else "")
        )
    if not allow_extra:
        extra = [k for k in predictions if k not in references]
        if extra:
            shown = ", ".join(repr(k) for k in extra[:5])
            raise InputValidationError(
                f"Expected predictions only for reference ids, but {len(extra)} have no reference: {shown}"
                + (" ..." if len(extra) > 5 else "")
            )
    return [(k, predictions[k], references[k]) for k in references]


def check_same_length(
    pred: Sequence[Any] | np.ndarray, ref: Sequence[Any] | np.ndarray, unit_id: Any
) -> None:
    """Raise naming the unit and both lengths when a prediction and its reference differ in length."""
    if len(pred) != len(ref):
        raise InputValidationError(
            f"Expected the prediction for {unit_id!r} to have as many frames as its reference "
            f"({len(ref)}), but got {len(pred)}."
        )


def check_finite(values: np.ndarray, name: str, unit_id: Any = None) -> None:
    """Raise when ``values`` holds NaN or infinity."""
    arr = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0].tolist()
        where = f" for {unit_id!r}" if unit_id is not None else ""
        raise InputValidationError(
            f"Expected finite values in `{name}`{where}, but found {arr[tuple(bad)]} at {bad}."
        )


def to_label_ids(
    seq: Sequence[Any] | np.ndarray, label_to_id: Mapping[str, int] | None, unit_id: Any
) -> np.ndarray:
    """Convert a sequence of label ids or label names to an int64 array.

    Names need ``label_to_id``; an unknown name raises naming the unit and the label.
    """
    arr = np.asarray(seq)
    if arr.ndim != 1:
        raise InputValidationError(
            f"Expected a 1-D label sequence for {unit_id!r}, but got shape {arr.shape}."
        )
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64, copy=False)
    if arr.dtype.kind in "US" or arr.dtype == object:
        if label_to_id is None:
            raise InputValidationError(
                f"Got label names for {unit_id!r} but no `label_names` / label map to convert them to ids."
            )
        out = np.empty(arr.size, dtype=np.int64)
        cache: dict[str, int] = {}
        for i, name in enumerate(arr.tolist()):
            key = str(name)
            if key not in cache:
                if key in label_to_id:
                    cache[key] = label_to_id[key]
                elif key.upper() in label_to_id:
                    cache[key] = label_to_id[key.upper()]
                else:
                    raise InputValidationError(f"Unknown label {key!r} at frame {i} of {unit_id!r}.")
            out[i] = cache[key]
        return out
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise InputValidationError(
                f"Expected integer label ids for {unit_id!r}, but got non-integer floats."
            )
        return arr.astype(np.int64)
    raise InputValidationError(f"Expected label ids or names for {unit_id!r}, but got dtype {arr.dtype}.")


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
    predictions, references = list(predictions), list(references)
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
