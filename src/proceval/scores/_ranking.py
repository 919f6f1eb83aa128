"""Per-query input alignment and checks shared by the query-level scores.

The users are :mod:`.cv_ta`, :mod:`.cv_smr` and :mod:`.cv_smc`; the ranking math itself is
:mod:`proceval.scores.retrieval`.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np

from proceval.errors import InputValidationError
from proceval.scores._checks import check_real, check_unique_ids, format_ids


def align_query_inputs(
    predictions: Sequence[Any] | Mapping[Hashable, Any],
    others: Mapping[str, Sequence[Any] | Mapping[Hashable, Any] | None],
    ids: Sequence[Hashable] | None,
) -> tuple[Sequence[Hashable], list[Any], dict[str, list[Any] | None]]:
    """Put per-query inputs given as aligned sequences or id-keyed mappings into one order.

    With a mapping, every other input given must be a mapping with the same ids (matched by id, never by
    position). With sequences, every other input must have the same length; ids default to positions.

    Returns:
        ``(ids, predictions, {name: values or None})`` in one common order; without ``ids`` the ids are
        the positions (a ``range``).

    Raises:
        InputValidationError: mixed sequence / mapping inputs, length mismatch, missing or duplicated ids.
    """
    if isinstance(predictions, Mapping):
        ids = list(predictions.keys())
        out: dict[str, list[Any] | None] = {}
        for name, value in others.items():
            if value is None:
                out[name] = None
                continue
            if not isinstance(value, Mapping):
                raise InputValidationError(
                    f"Expected `{name}` to be a mapping keyed by query id like `predictions`, "
                    f"but got {type(value).__name__}."
                )
            if value.keys() != predictions.keys():  # one set comparison; the lists only for the message
                missing = [k for k in ids if k not in value]
                extra = [k for k in value if k not in predictions]
                parts = (
                    [f"{len(extra)} are not query ids of `predictions` ({format_ids(extra, 3)})"]
                    if extra
                    else []
                )
                if missing:
                    parts.append(f"{len(missing)} query ids have none ({format_ids(missing, 3)})")
                raise InputValidationError(
                    f"Expected `{name}` to have exactly the query ids of `predictions`, but "
                    f"{' and '.join(parts)}."
                )
            out[name] = list(map(value.__getitem__, ids))
        return ids, list(predictions.values()), out
    preds = list(predictions)
    n = len(preds)
    if ids is None:
        ids = range(n)
    else:
        ids = list(ids)
        if len(set(ids)) != len(ids):
            check_unique_ids(ids, "ids")  # raises, naming the first duplicate
        if len(ids) != n:
            raise InputValidationError(
                f"Expected `ids` to have one id per prediction ({n}), but got {len(ids)}."
            )
    out = {}
    for name, value in others.items():
        if value is None:
            out[name] = None
            continue
        if isinstance(value, Mapping):
            raise InputValidationError(
                f"Expected `{name}` to be a sequence aligned with `predictions`, but got a mapping; "
                "pass `predictions` as a mapping too to match by id."
            )
        values = list(value)
        if len(values) != n:
            raise InputValidationError(
                f"Expected `{name}` to have one entry per prediction ({n}), but got {len(values)}."
            )
        out[name] = values
    return ids, preds, out


def as_score_vector(value: Any, name: str, query_id: Hashable, *, check_finite: bool = True) -> np.ndarray:
    """A (finite, unless ``check_finite=False``) 1-D float array, or an InputValidationError naming the query."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "iuf":
        arr = value.astype(np.float64, copy=False)
    else:
        try:
            raw = np.asarray(value)
        except (TypeError, ValueError) as exc:
            raise InputValidationError(
                f"Expected `{name}` for query {query_id!r} to be a 1-D array of numbers, "
                f"but got {type(value).__name__}."
            ) from exc
        arr = check_real(  # bools, strings (even "1"), None: refused, naming the item
            raw,
            value,
            what=f"`{name}`",
            unit_id=query_id,
            unit=f"query {query_id!r}",
            position="item",
            expected="a 1-D array of numbers",
        ).astype(np.float64, copy=False)
    if arr.ndim != 1:
        raise InputValidationError(
            f"Expected `{name}` for query {query_id!r} to be a 1-D array, but got shape {arr.shape}."
        )
    if check_finite and arr.size and not np.all(np.isfinite(arr)):
        bad = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise InputValidationError(
            f"Expected finite values in `{name}` for query {query_id!r}, but found {arr[bad]} at {bad}."
        )
    return arr


def as_int(value: Any, name: str, query_id: Hashable, minimum: int) -> int:
    """An integer ``>= minimum`` (bools and non-integral floats rejected), naming the query on error."""
    if isinstance(value, (bool, np.bool_)) or value is None:
        raise InputValidationError(
            f"Expected `{name}` for query {query_id!r} to be an integer, but got {value!r}."
        )
    if isinstance(value, (float, np.floating)):
        if not float(value).is_integer():
            raise InputValidationError(
                f"Expected `{name}` for query {query_id!r} to be an integer, but got {value!r}."
            )
        value = int(value)
    if not isinstance(value, (int, np.integer)):
        raise InputValidationError(
            f"Expected `{name}` for query {query_id!r} to be an integer, but got {value!r}."
        )
    if int(value) < minimum:
        raise InputValidationError(
            f"Expected `{name}` for query {query_id!r} to be >= {minimum}, but got {value}."
        )
    return int(value)
