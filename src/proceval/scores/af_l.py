"""AF-L long-horizon forecasting: ED@z and AUED, best of K futures (Ego4D LTA definition).

For N instances, each with a ground-truth future of Z steps and K candidate futures of Z steps::

    ED(z) = mean_n  min_k  Lev(pred[n, k, :z], label[n, :z]) / z        for z = 1..Z
    AUED  = trapz([ED(1), ..., ED(Z)], dx=1) / (Z - 1)
    ED@Z  = ED(Z)

``Lev`` is the plain Levenshtein distance with unit insert / delete / substitute costs over integer
step tokens (the Ego4D code calls ``editdistance.eval``; its docstring says Damerau-Levenshtein, its
code does not). Lower is better; every value lies in [0, 1]. IMPACT uses Z = 5, K = 5 (observe
M = 2 TAS-S steps, forecast 5), so ``AUED = (ED1/2 + ED2 + ED3 + ED4 + ED5/2) / 4``.

Layout: a prediction is K candidate futures of Z steps, ``[K][Z]`` (``layout="kz"``, the default, as
the IMPACT submission format and the CLI read it): ``pred[n][k][z]`` is step z of candidate k. The
transposed ``[Z][K]`` layout is read only when asked for with ``layout="zk"`` (signed ``lay:zk``): with
K = Z, as in IMPACT, nothing in the shapes tells the two apart.

Step ids must lie in the step vocabulary: ``[0, num_classes)``, ``num_classes`` defaulting to
``len(label_names)`` and else to 1 + the largest reference id. A step id outside it (-1, 9999) is an
error naming the instance, the candidate and the step, never a scored token.

Degenerate cases (named policies):
    * ``Z == 1``: AUED divides by ``Z - 1 = 0`` and is undefined. ``single_step_aued="nan"``
      (default) reports NaN; ``"error"`` raises.
    * no instances: raises (a mean over zero instances is not a score).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from proceval.errors import InputValidationError
from proceval.scores._checks import (
    as_array,
    as_list,
    check_num_classes,
    check_unique_ids,
    converted_bool,
    format_id,
    match_by_id,
    to_label_ids,
)
from proceval.scores.bootstrap import with_uncertainty
from proceval.scores.options import ScoreOptions, Uncertainty, opt
from proceval.scores.signature import score_signature

SingleStepAued = Literal["nan", "error"]
Layout = Literal["kz", "zk"]
_LAYOUT_SHAPES = {"kz": "[K][Z] (K candidate futures of Z steps)", "zk": "[Z][K] (Z steps of K candidates)"}

__all__ = ["AfLOptions", "af_l_scores"]


@dataclass(frozen=True)
class AfLOptions(ScoreOptions):
    """Every option that changes an AF-L number (see the module docstring)."""

    score_name: ClassVar[str] = "af_l"
    single_step_aued: SingleStepAued = opt("nan", "z1")
    layout: Layout = opt("kz", "lay")


def _to_prediction_block(
    pred: Any, label_to_id: Mapping[str, int] | None, unit_id: Hashable, layout: str, z_ref: int
) -> np.ndarray:
    """One instance's candidates as an int64 array [Z, K] (step index first, candidate second).

    Args:
        pred: nested ``[K][Z]`` (``layout="kz"``) or ``[Z][K]`` (``"zk"``) step ids or names.
        label_to_id: name -> id map for step names.
        unit_id: the instance id messages name.
        layout: ``"kz"`` or ``"zk"``.
        z_ref: the number of steps of the instance's reference (Z).
    """
    fid = format_id(unit_id)
    shape = (None, z_ref) if layout == "kz" else (z_ref, None)
    expected = f"{_LAYOUT_SHAPES[layout]} with Z = {z_ref} as its reference"
    arr = as_array(pred, unit_id, "the prediction", expected, shape)
    if arr.ndim != 2:
        raise InputValidationError(
            f"Expected the prediction for {fid} to have shape {_LAYOUT_SHAPES[layout]}, "
            f"but got shape {arr.shape}."
        )
    steps_axis = 1 if layout == "kz" else 0
    if arr.shape[steps_axis] != z_ref:
        other = "zk" if layout == "kz" else "kz"
        raise InputValidationError(
            f"Expected the prediction for {fid} to forecast as many steps as its reference ({z_ref}) in "
            f"layout {layout!r} {_LAYOUT_SHAPES[layout]}, but got {arr.shape[steps_axis]} (shape "
            f"{arr.shape}); pass `layout={other!r}` for {_LAYOUT_SHAPES[other]} input."
        )
    kz = arr if layout == "kz" else arr.T
    if kz.dtype.kind in "iu" and kz.size and not converted_bool(arr, pred):
        ids = to_label_ids(kz.reshape(-1), None, unit_id, position="entry").reshape(kz.shape)
    else:  # names, floats, objects: candidate by candidate, so a message names the candidate and step
        if isinstance(pred, (list, tuple)):  # the items as given (numpy turns a mix of ids and names to str)
            rows: Any = (
                [list(c) for c in pred] if layout == "kz" else [list(c) for c in zip(*pred, strict=True)]
            )
        else:
            rows = kz
        ids = np.empty(kz.shape, dtype=np.int64)
        for k in range(kz.shape[0]):
            ids[k] = to_label_ids(rows[k], label_to_id, unit_id, position=f"candidate {k}, step")
    return np.ascontiguousarray(ids.T)


def _af_l_update(
    predictions: np.ndarray, references: np.ndarray, unit_ids: Sequence[Hashable] | None = None
) -> np.ndarray:
    """Per-instance statistics: ``min_k Lev(pred[n, :z, k], label[n, :z]) / z`` for z = 1..Z.

    Args:
        predictions: int array [N, Z, K].
        references: int array [N, Z].
        unit_ids: optional ids, only used in error messages.

    Returns:
        float array [N, Z]; column ``z - 1`` holds the best normalised edit distance at horizon z.
    """
    n, z_max, k_max = predictions.shape
    if references.shape != (n, z_max):
        raise InputValidationError(
            f"Expected `references` to have shape (N, Z) = ({n}, {z_max}) to match `predictions` "
            f"(N, Z, K) = {predictions.shape}, but got {references.shape}."
        )
    del unit_ids
    out = np.empty((n, z_max), dtype=np.float64)
    if n == 0:
        return out
    from rapidfuzz import process  # imported on first use: declaring the task does not need it
    from rapidfuzz.distance import Levenshtein

    ref_rows, pred_rows = _encode_rows(references, predictions)
    for z in range(1, z_max + 1):
        # one call per horizon: the K candidate blocks stacked, the references repeated K times
        dist = process.cpdist(
            _prefixes(pred_rows, z), _prefixes(ref_rows, z) * k_max, scorer=Levenshtein.distance, workers=1
        )
        out[:, z - 1] = np.asarray(dist, dtype=np.int64).reshape(k_max, n).min(axis=0) / z
    return out


_MAX_CODE = 0xD800  # below the surrogate range, so every token maps to one valid code point


def _encode_rows(references: np.ndarray, predictions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Token rows as code points so rapidfuzz compares strings in C.

    Levenshtein distance only tests tokens for equality, so any injective token -> character map
    gives the same distances. Codes start at 1 (numpy strips trailing NUL characters) and stay
    below the surrogate range; beyond 55,295 distinct ids the int rows are used as they are.

    Returns:
        (references [N, Z], candidates stacked candidate-major [K * N, Z]) as uint32 codes, or as
        int64 ids in the fallback.
    """
    n, z_max, k_max = predictions.shape
    stacked = np.ascontiguousarray(predictions.transpose(2, 0, 1)).reshape(k_max * n, z_max)
    low = int(min(references.min(), predictions.min()))
    high = int(max(references.max(), predictions.max()))
    if high - low + 1 < _MAX_CODE:
        return (references - low + 1).astype(np.uint32), (stacked - low + 1).astype(np.uint32)
    return references, stacked


def _prefixes(codes: np.ndarray, z: int) -> list[Any]:
    """The first z tokens of every row: str per row (uint32 codes) or int lists (fallback)."""
    head = np.ascontiguousarray(codes[:, :z])
    if codes.dtype == np.uint32:
        return head.view(f"<U{z}").ravel().tolist()
    return head.tolist()


def _af_l_compute(stats: np.ndarray | Sequence[np.ndarray], single_step_aued: str = "nan") -> dict[str, Any]:
    """Scores from per-instance statistics ([N, Z] array, or a list of [Z] rows)."""
    arr = np.asarray(stats, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise InputValidationError("Expected at least one forecasting instance, but got none.")
    z_max = arr.shape[1]
    ed = arr.mean(axis=0)
    out: dict[str, Any] = {f"ed_at_{z}": float(ed[z - 1]) for z in range(1, z_max + 1)}
    if z_max == 1:
        if single_step_aued == "error":
            raise InputValidationError(
                "AUED needs Z >= 2 future steps (it divides by Z - 1), but got Z = 1; "
                "pass `single_step_aued='nan'` to report it as NaN."
            )
        out["aued"] = math.nan
    else:
        out["aued"] = float((ed[:-1] + ed[1:]).sum() / 2.0 / (z_max - 1))  # trapezoid rule, dx = 1
    out["ed_at_horizon"] = float(ed[-1])
    out["per_step_ed"] = [float(v) for v in ed]
    out["num_instances"] = int(arr.shape[0])
    return out


def _as_int_arrays(
    pred_items: Sequence[Any], ref_items: Sequence[Any], layout: str
) -> tuple[np.ndarray, np.ndarray] | None:
    """Fast path: integer arrays [N, K, Z] (``"kz"``) or [N, Z, K] and [N, Z]; returns [N, Z, K], [N, Z]."""
    try:
        preds = np.asarray(pred_items)
        refs = np.asarray(ref_items)
    except ValueError:  # ragged nesting: the per-instance path reports which instance
        return None
    if preds.ndim != 3 or refs.ndim != 2 or preds.dtype.kind not in "iu" or refs.dtype.kind not in "iu":
        return None
    if converted_bool(preds, pred_items) or converted_bool(
        refs, ref_items
    ):  # [0, False] is int64: the per-instance path refuses
        return None
    if layout == "kz":
        preds = preds.transpose(0, 2, 1)
    if preds.shape[:2] == refs.shape and min(preds.shape) >= 1:
        if preds.dtype.kind == "u" or refs.dtype.kind == "u":
            return None  # uint64 beyond int64: the per-instance path reports the value
        return np.ascontiguousarray(preds, dtype=np.int64), refs.astype(np.int64, copy=False)
    return None


def _most_common(values: Sequence[int]) -> int:
    """The most common value (the first one on a tie): the shape that the odd instance is blamed against."""
    return max(dict.fromkeys(values), key=list(values).count)


def _stack_inputs(
    predictions: Any,
    references: Any,
    label_names: Sequence[str] | None,
    ids: Sequence[Hashable] | None,
    layout: str = "kz",
) -> tuple[np.ndarray, np.ndarray, list[Hashable]]:
    """Pair, convert and stack predictions [N, Z, K] and references [N, Z] (ids or names)."""
    label_to_id = {name: i for i, name in enumerate(label_names)} if label_names is not None else None
    if isinstance(references, Mapping):
        if not isinstance(predictions, Mapping):
            raise InputValidationError(
                "Expected `predictions` to be a mapping keyed by instance id like `references`, "
                f"but got {type(predictions).__name__}."
            )
        triples = match_by_id(predictions, references)
        ids = [t[0] for t in triples]
        pred_items = [t[1] for t in triples]
        ref_items = [t[2] for t in triples]
    else:
        pred_items, ref_items = as_list(predictions, "predictions"), as_list(references, "references")
        if len(pred_items) != len(ref_items):
            raise InputValidationError(
                f"Expected as many predictions as references ({len(ref_items)}), but got {len(pred_items)}."
            )
        if ids is not None:
            ids = check_unique_ids(ids, "ids")
            if len(ids) != len(ref_items):
                raise InputValidationError(
                    f"Expected one id per reference ({len(ref_items)}) in `ids`, but got {len(ids)}."
                )
        else:
            ids = list(range(len(ref_items)))
    if not ref_items:
        raise InputValidationError("Expected at least one forecasting instance, but got none.")
    fast = _as_int_arrays(pred_items, ref_items, layout)
    if fast is not None:
        return fast[0], fast[1], ids
    refs = [
        to_label_ids(ref, label_to_id, uid, position="step") for uid, ref in zip(ids, ref_items, strict=True)
    ]
    z_common = _most_common([r.shape[0] for r in refs])
    for uid, seq in zip(ids, refs, strict=True):
        if seq.shape[0] != z_common or z_common < 1:
            raise InputValidationError(
                f"Expected every reference to have the same number Z >= 1 of future steps (Z = {z_common} "
                f"for most), but {format_id(uid)} has {seq.shape[0]}."
            )
    preds = [
        _to_prediction_block(pred, label_to_id, uid, layout, z_common)
        for uid, pred in zip(ids, pred_items, strict=True)
    ]
    k_common = _most_common([b.shape[1] for b in preds])
    for uid, block in zip(ids, preds, strict=True):
        if block.shape[1] != k_common or k_common < 1:
            raise InputValidationError(
                f"Expected every prediction to have the same number K >= 1 of candidate futures "
                f"(K = {k_common} for most), but {format_id(uid)} has {block.shape[1]}."
            )
    return np.stack(preds), np.stack(refs), ids


def _check_vocabulary(
    preds: np.ndarray, refs: np.ndarray, ids: Sequence[Hashable], num_classes: int | None, what: str
) -> None:
    """Raise naming the instance, candidate and step of the first step id outside ``[0, num_classes)``.

    ``num_classes=None``: the vocabulary is ``[0, 1 + the largest reference id]``.
    """
    bad_ref = refs < 0 if num_classes is None else (refs < 0) | (refs >= num_classes)
    if bad_ref.any():
        n, z = (int(v) for v in np.argwhere(bad_ref)[0])
        upper = "inf" if num_classes is None else num_classes
        raise InputValidationError(
            f"Expected step ids in [0, {upper}) in the reference of {format_id(ids[n])}, "
            f"but got {int(refs[n, z])} at step {z}."
        )
    inferred = num_classes is None
    limit = int(refs.max()) + 1 if inferred else num_classes
    bad = (preds < 0) | (preds >= limit)
    if bad.any():
        n, z, k = (int(v) for v in np.argwhere(bad.transpose(0, 2, 1))[0][[0, 2, 1]])
        hint = (
            " (the step ids the references use; pass `label_names` or `num_classes` for a larger vocabulary)"
            if inferred
            else " (the step vocabulary)"
        )
        raise InputValidationError(
            f"Expected step ids in [0, {limit}){hint} in `{what}` for {format_id(ids[n])}, "
            f"but got {int(preds[n, z, k])} at candidate {k}, step {z}."
        )


def af_l_scores(
    predictions: Sequence[Any] | np.ndarray | Mapping[Hashable, Any],
    references: Sequence[Any] | np.ndarray | Mapping[Hashable, Any],
    *,
    label_names: Sequence[str] | None = None,
    num_classes: int | None = None,
    layout: Layout = "kz",
    single_step_aued: SingleStepAued = "nan",
    ids: Sequence[Hashable] | None = None,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | np.ndarray | Mapping[Hashable, Any] | None = None,
) -> dict[str, Any]:
    """ED@z for every horizon z and AUED, best of K candidate futures (Ego4D LTA definition).

    ``ED(z) = mean_n min_k Lev(pred[n, k, :z], label[n, :z]) / z``; ``AUED = trapz(ED(1..Z)) / (Z - 1)``.
    Z (future steps) and K (candidates) are read from the input shapes; IMPACT uses Z = 5, K = 5.

    Args:
        predictions: per instance K candidate futures of Z step ids (or step names with ``label_names``),
            nested ``[K][Z]``: ``predictions[n][k][z]`` is step z of candidate k; or one int array
            [N, K, Z]; or a mapping instance id -> [K][Z]. With ``layout="zk"``: ``[Z][K]`` / [N, Z, K].
        references: per instance the true future [Z] (ids or names); or [N, Z]; or a mapping keyed
            like ``predictions``.
        label_names: the step vocabulary (index = id), needed when steps are given by name.
        num_classes: the step vocabulary's size: step ids must lie in ``[0, num_classes)``. Default:
            ``len(label_names)``, else 1 + the largest reference id.
        layout: ``"kz"`` (default: ``[K][Z]``, candidates first, as the IMPACT submission format) or
            ``"zk"`` (``[Z][K]``); signed (``lay``), since with K = Z the shapes cannot tell them apart.
        single_step_aued: policy when Z = 1 (AUED undefined): ``"nan"`` or ``"error"``.
        ids: optional instance ids aligned with sequence inputs (duplicate check, error messages).
        bootstrap: number of bootstrap resamples of instances for percentile intervals (0: none).
        confidence: two-sided coverage of the bootstrap intervals.
        seed: seed of the bootstrap resampling.
        paired_predictions: a second system's predictions on the same references (same layout); adds a
            paired bootstrap comparison under ``"paired"``.

    Returns:
        ``ed_at_1`` ... ``ed_at_Z`` (fractions in [0, 1], lower is better), ``ed_at_horizon``
        (= ED@Z), ``aued`` (NaN when Z = 1 under the default policy), ``per_step_ed`` (list),
        ``num_instances``, ``signature``; plus ``ci`` / ``ci_level`` / ``paired`` when asked.

    Raises:
        InputValidationError: no instances, ragged or mis-shaped predictions, shapes that differ between
            instances or between a prediction and its reference, step ids outside the vocabulary, unknown
            step names, missing or duplicated ids, bad options (each naming the instance).

    Example:
        >>> preds = [[[1, 2, 3], [9, 9, 9]]]           # K = 2 candidates of Z = 3 steps
        >>> out = af_l_scores(preds, [[1, 2, 4]], num_classes=10)
        >>> out["ed_at_1"], out["ed_at_2"], round(out["ed_at_3"], 4), round(out["aued"], 4)
        (0.0, 0.0, 0.3333, 0.0833)
    """
    options = AfLOptions(single_step_aued=single_step_aued, layout=layout)
    uncertainty = Uncertainty(bootstrap, confidence, seed, paired=paired_predictions is not None)
    vocab_size = check_num_classes(num_classes, label_names)
    preds, refs, unit_ids = _stack_inputs(predictions, references, label_names, ids, options.layout)
    _check_vocabulary(preds, refs, unit_ids, vocab_size, "predictions")
    stats = _af_l_update(preds, refs, unit_ids)
    result = _af_l_compute(stats, options.single_step_aued)
    z_max, k_max = preds.shape[1], preds.shape[2]
    result["signature"] = score_signature(
        "af_l", options, uncertainty, extra={"z": z_max, "k": k_max, "lev": "plain"}
    )
    paired_units = None
    if paired_predictions is not None:
        paired_ids = None if isinstance(references, Mapping) else ids
        preds_b, _, _ = _stack_inputs(paired_predictions, references, label_names, paired_ids, options.layout)
        if preds_b.shape != preds.shape:
            raise InputValidationError(
                f"Expected `paired_predictions` to have the shape of `predictions` [N, Z, K] = "
                f"{list(preds.shape)}, but got {list(preds_b.shape)}."
            )
        _check_vocabulary(preds_b, refs, unit_ids, vocab_size, "paired_predictions")
        paired_units = list(_af_l_update(preds_b, refs, unit_ids))

    def compute(units: Sequence[np.ndarray]) -> dict[str, Any]:
        return _af_l_compute(np.asarray(units), "nan")

    return with_uncertainty(result, list(stats), compute, uncertainty=uncertainty, paired_units=paired_units)
