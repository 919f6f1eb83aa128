"""Input handling shared by the frame-label scores (:mod:`proceval.scores.tas`, :mod:`proceval.scores.ppr`).

A *video* is a pair of 1-D per-frame label sequences (prediction, reference) of equal length. Labels are
integer ids or label names; names are mapped to ids with ``label_names`` (the label map, indexed by id).
Predictions and references come either as aligned sequences (optionally with ``ids``) or as
mappings keyed by video id, which are matched by id, never by position.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np

from proceval.errors import InputValidationError
from proceval.scores._checks import (
    as_list,
    check_same_length,
    check_unique_ids,
    format_id,
    match_by_id,
    to_label_ids,
)

FrameVideo = tuple[Hashable, np.ndarray, np.ndarray]


def label_lookup(label_names: Sequence[str] | None) -> dict[str, int] | None:
    """``{name: id}`` for a label map given as names indexed by id (None stays None).

    Raises:
        InputValidationError: a name repeats.
    """
    if label_names is None:
        return None
    if isinstance(label_names, str):
        raise InputValidationError(
            "Expected argument `label_names` to be a sequence of names indexed by id, "
            f"but got {label_names!r}."
        )
    lookup: dict[str, int] = {}
    for idx, name in enumerate(label_names):
        key = str(name)
        if key in lookup:
            raise InputValidationError(
                f"Expected unique names in `label_names`, but {key!r} appears at ids {lookup[key]} and {idx}."
            )
        lookup[key] = idx
    return lookup


def resolve_label_set(
    values: Sequence[int | str], label_to_id: Mapping[str, int] | None, name: str
) -> tuple[int, ...]:
    """Turn an option such as ``ignore_labels`` (ids or names) into a sorted tuple of ids.

    Raises:
        InputValidationError: a name is given without ``label_names`` or is not in it, or a value is neither
            an int nor a str.
    """
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, set, frozenset, np.ndarray)):
        raise InputValidationError(
            f"Expected argument `{name}` to be a list of label ids or names, but got {values!r}."
        )
    out: set[int] = set()
    for value in values:
        if isinstance(value, (bool, np.bool_)):
            raise InputValidationError(
                f"Expected argument `{name}` to hold label ids or names, but got {value!r}."
            )
        if isinstance(value, (int, np.integer)):
            out.add(int(value))
        elif isinstance(value, str):
            if label_to_id is None:
                raise InputValidationError(
                    f"Expected label ids in `{name}` (or `label_names` to map names), "
                    f"but got the name {value!r}."
                )
            if value in label_to_id:
                out.add(label_to_id[value])
            elif value.upper() in label_to_id:
                out.add(label_to_id[value.upper()])
            else:
                raise InputValidationError(
                    f"Expected `{name}` to name known labels, but {value!r} is not in `label_names`."
                )
        else:
            raise InputValidationError(
                f"Expected argument `{name}` to hold label ids or names, but got {value!r}."
            )
    return tuple(sorted(out))


def _to_ids(seq: Any, label_to_id: Mapping[str, int] | None, unit_id: Hashable, role: str) -> np.ndarray:
    arr = to_label_ids(seq, label_to_id, unit_id)
    if arr.size == 0:
        raise InputValidationError(
            f"Expected at least one frame in the {role} for {format_id(unit_id)}, but got an empty sequence."
        )
    return arr


def _check_range(
    arr: np.ndarray, num_classes: int | None, inferred: bool, unit_id: Hashable, role: str
) -> None:
    """Raise naming the video and the first frame whose id is outside ``[0, num_classes)``."""
    low, high = int(arr.min()), int(arr.max())
    if low >= 0 and (num_classes is None or high < num_classes):
        return
    limit = num_classes if num_classes is not None else high + 1
    i = int(np.flatnonzero((arr < 0) | (arr >= limit))[0])
    upper = f"[0, {num_classes})" if num_classes is not None else "[0, inf)"
    hint = (
        " (the ids the references use; pass `label_names` or `num_classes` for a larger label map)"
        if inferred
        else ""
    )
    raise InputValidationError(
        f"Expected label ids in {upper}{hint} in the {role} for {format_id(unit_id)}, "
        f"but got {int(arr[i])} at frame {i}."
    )


def pair_videos(
    predictions: Sequence[Any] | Mapping[Hashable, Any],
    references: Sequence[Any] | Mapping[Hashable, Any],
    *,
    ids: Sequence[Hashable] | None = None,
    label_to_id: Mapping[str, int] | None = None,
    num_classes: int | None = None,
    what: str = "predictions",
    infer_range: bool = False,
) -> list[FrameVideo]:
    """Validate and pair per-video frame labels, returning ``[(video_id, pred_ids, ref_ids), ...]``.

    Args:
        predictions: per-video label sequences, as a list aligned with ``references`` or a mapping by id.
        references: per-video ground-truth label sequences, same container kind as ``predictions``.
        ids: ids of aligned lists (default ``0..n-1``); not allowed with mappings.
        label_to_id: name -> id map for label names.
        num_classes: ids must lie in ``[0, num_classes)``; None: in ``[0, 1 + the largest reference id]``
            (``infer_range=True``) or merely non-negative.
        what: the argument name used in messages (``predictions`` or ``paired_predictions``).
        infer_range: with ``num_classes=None``, take the label map's size from the references: a
            prediction id above every reference id is an error, not a silently scored class.

    Raises:
        InputValidationError: mixed container kinds, no videos, duplicate / missing ids, a length mismatch,
            an empty video, an unknown label name or an out-of-range id.
    """
    pred_is_map = isinstance(predictions, Mapping)
    if pred_is_map != isinstance(references, Mapping):
        raise InputValidationError(
            f"Expected `{what}` and `references` to be both mappings keyed by video id or both lists, "
            "but got "
            f"{type(predictions).__name__} and {type(references).__name__}."
        )
    if pred_is_map:
        if ids is not None:
            raise InputValidationError("Expected `ids` only with lists; mappings carry their own ids.")
        triples = match_by_id(predictions, references)  # type: ignore[arg-type]
    else:
        if isinstance(predictions, (str, bytes)) or isinstance(references, (str, bytes)):
            raise InputValidationError(
                f"Expected `{what}` and `references` to be lists of per-video label sequences."
            )
        preds, refs = as_list(predictions, what), as_list(references, "references")
        if len(preds) != len(refs):
            raise InputValidationError(
                f"Expected one prediction per reference video, but got {len(preds)} in `{what}` and "
                f"{len(refs)} in `references`."
            )
        ids = list(range(len(refs))) if ids is None else check_unique_ids(ids, "ids")
        if len(ids) != len(refs):
            raise InputValidationError(
                f"Expected one id per video in `ids` ({len(refs)}), but got {len(ids)}."
            )
        triples = list(zip(ids, preds, refs, strict=True))
    if not triples:
        raise InputValidationError("Expected at least one video, but got none.")
    refs_ids = []
    for vid, _, ref in triples:
        ref_ids = _to_ids(ref, label_to_id, vid, "reference")
        _check_range(ref_ids, num_classes, False, vid, "reference")
        refs_ids.append(ref_ids)
    inferred = num_classes is None and infer_range
    limit = max(int(r.max()) for r in refs_ids) + 1 if inferred else num_classes
    out: list[FrameVideo] = []
    for (vid, pred, _), ref_ids in zip(triples, refs_ids, strict=True):
        pred_ids = _to_ids(pred, label_to_id, vid, "prediction")
        _check_range(pred_ids, limit, inferred, vid, "prediction")
        check_same_length(pred_ids, ref_ids, vid)
        out.append((vid, pred_ids, ref_ids))
    return out


def check_uncertainty_args(bootstrap: int, confidence: float) -> None:
    """Check ``bootstrap`` (a non-negative int) and ``confidence`` (in (0, 1)) of a score function."""
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) or bootstrap < 0:
        raise InputValidationError(
            f"Expected argument `bootstrap` to be a non-negative integer, but got {bootstrap!r}."
        )
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0.0 < confidence < 1.0:
        raise InputValidationError(f"Expected argument `confidence` to be in (0, 1), but got {confidence!r}.")
