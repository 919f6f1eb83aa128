"""AF-L long-horizon forecasting: ED@z and AUED, best of K futures (Ego4D LTA definition).

For N instances, each with a ground-truth future of Z steps and K candidate futures of Z steps::

    ED(z) = mean_n  min_k  Lev(pred[n, :z, k], label[n, :z]) / z        for z = 1..Z
    AUED  = trapz([ED(1), ..., ED(Z)], dx=1) / (Z - 1)
    ED@Z  = ED(Z)

``Lev`` is the plain Levenshtein distance with unit insert / delete / substitute costs over integer
step tokens (the Ego4D code calls ``editdistance.eval``; its docstring says Damerau-Levenshtein, its
code does not). Lower is better; every value lies in [0, 1]. IMPACT uses Z = 5, K = 5 (observe
M = 2 TAS-S steps, forecast 5), so ``AUED = (ED1/2 + ED2 + ED3 + ED4 + ED5/2) / 4``.

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
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from proceval.errors import InputValidationError
from proceval.scores._checks import check_unique_ids, match_by_id, to_label_ids
from proceval.scores.bootstrap import with_uncertainty
from proceval.scores.options import ScoreOptions, Uncertainty, opt
from proceval.scores.signature import score_signature

SingleStepAued = Literal["nan", "error"]

__all__ = ["AfLOptions", "af_l_scores"]


@dataclass(frozen=True)
class AfLOptions(ScoreOptions):
    """Every option that changes an AF-L number (see the module docstring)."""

    score_name: ClassVar[str] = "af_l"
    single_step_aued: SingleStepAued = opt("nan", "z1")


def _to_prediction_block(pred: Any, label_to_id: Mapping[str, int] | None, unit_id: Hashable) -> np.ndarray:
    """One instance's candidates as an int64 array [Z, K] (step index first, candidate second)."""
    arr = np.asarray(pred)
    if arr.ndim != 2:
        raise InputValidationError(
            f"Expected the prediction for {unit_id!r} to have shape [Z, K] (future steps x candidates), "
            f"but got shape {arr.shape}."
        )
    z, k = arr.shape
    flat = to_label_ids(arr.reshape(-1), label_to_id, unit_id)
    return flat.reshape(z, k)


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
    pred_items: Sequence[Any], ref_items: Sequence[Any]
) -> tuple[np.ndarray, np.ndarray] | None:
    """Fast path: inputs that already form integer arrays [N, Z, K] and [N, Z] of matching N and Z."""
    try:
        preds = np.asarray(pred_items)
        refs = np.asarray(ref_items)
    except ValueError:  # ragged nesting: the per-instance path reports which instance
        return None
    if (
        preds.ndim == 3
        and refs.ndim == 2
        and preds.dtype.kind in "iu"
        and refs.dtype.kind in "iu"
        and preds.shape[:2] == refs.shape
        and min(preds.shape) >= 1
    ):
        return preds.astype(np.int64, copy=False), refs.astype(np.int64, copy=False)
    return None


def _stack_inputs(
    predictions: Any,
    references: Any,
    label_names: Sequence[str] | None,
    ids: Sequence[Hashable] | None,
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
        pred_items, ref_items = list(predictions), list(references)
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
    fast = _as_int_arrays(pred_items, ref_items)
    if fast is not None:
        return fast[0], fast[1], ids
    preds, refs = [], []
    shape: tuple[int, int] | None = None
    for uid, pred, ref in zip(ids, pred_items, ref_items, strict=True):
        block = _to_prediction_block(pred, label_to_id, uid)
        seq = to_label_ids(ref, label_to_id, uid)
        if block.shape[0] != seq.shape[0]:
            raise InputValidationError(
                f"Expected the prediction for {uid!r} to forecast as many steps as its reference "
                f"({seq.shape[0]}), but got {block.shape[0]}."
            )
        if shape is None:
            shape = block.shape
            if shape[0] < 1 or shape[1] < 1:
                raise InputValidationError(
                    f"Expected at least one future step and one candidate for {uid!r}, but got shape {shape}."
                )
        elif block.shape != shape:
            raise InputValidationError(
                f"Expected every prediction to have the same shape [Z, K] = {list(shape)}, "
                f"but {uid!r} has {list(block.shape)}."
            )
        preds.append(block)
        refs.append(seq)
    return np.stack(preds), np.stack(refs), ids


def af_l_scores(
    predictions: Sequence[Any] | np.ndarray | Mapping[Hashable, Any],
    references: Sequence[Any] | np.ndarray | Mapping[Hashable, Any],
    *,
    label_names: Sequence[str] | None = None,
    single_step_aued: SingleStepAued = "nan",
    ids: Sequence[Hashable] | None = None,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | np.ndarray | Mapping[Hashable, Any] | None = None,
) -> dict[str, Any]:
    """ED@z for every horizon z and AUED, best of K candidate futures (Ego4D LTA definition).

    ``ED(z) = mean_n min_k Lev(pred[n, :z, k], label[n, :z]) / z``; ``AUED = trapz(ED(1..Z)) / (Z - 1)``.
    Z (future steps) and K (candidates) are read from the input shapes; IMPACT uses Z = 5, K = 5.

    Args:
        predictions: per instance an array [Z, K] of step ids (or step names with ``label_names``):
            column k is the k-th candidate future; or one int array [N, Z, K]; or a mapping
            instance id -> [Z, K].
        references: per instance the true future [Z] (ids or names); or [N, Z]; or a mapping keyed
            like ``predictions``.
        label_names: the step vocabulary (index = id), needed when steps are given by name.
        single_step_aued: policy when Z = 1 (AUED undefined): ``"nan"`` or ``"error"``.
        ids: optional instance ids aligned with sequence inputs (duplicate check, error messages).
        bootstrap: number of bootstrap resamples of instances for percentile intervals (0: none).
        confidence: two-sided coverage of the bootstrap intervals.
        seed: seed of the bootstrap resampling.
        paired_predictions: a second system's predictions on the same references; adds a paired
            bootstrap comparison under ``"paired"``.

    Returns:
        ``ed_at_1`` ... ``ed_at_Z`` (fractions in [0, 1], lower is better), ``ed_at_horizon``
        (= ED@Z), ``aued`` (NaN when Z = 1 under the default policy), ``per_step_ed`` (list),
        ``num_instances``, ``signature``; plus ``ci`` / ``ci_level`` / ``paired`` when asked.

    Raises:
        InputValidationError: no instances, shapes that differ between instances or between a
            prediction and its reference, unknown step names, missing or duplicated ids, bad options.

    Example:
        >>> preds = [[[1, 9], [2, 9], [3, 9]]]          # Z = 3 steps, K = 2 candidates
        >>> out = af_l_scores(preds, [[1, 2, 4]])
        >>> out["ed_at_1"], out["ed_at_2"], round(out["ed_at_3"], 4), round(out["aued"], 4)
        (0.0, 0.0, 0.3333, 0.0833)
    """
    options = AfLOptions(single_step_aued=single_step_aued)
    uncertainty = Uncertainty(bootstrap, confidence, seed, paired=paired_predictions is not None)
    preds, refs, unit_ids = _stack_inputs(predictions, references, label_names, ids)
    stats = _af_l_update(preds, refs, unit_ids)
    result = _af_l_compute(stats, options.single_step_aued)
    z_max, k_max = preds.shape[1], preds.shape[2]
    result["signature"] = score_signature(
        "af_l", options, uncertainty, extra={"z": z_max, "k": k_max, "lev": "plain"}
    )
    paired_units = None
    if paired_predictions is not None:
        paired_ids = None if isinstance(references, Mapping) else ids
        preds_b, _, _ = _stack_inputs(paired_predictions, references, label_names, paired_ids)
        if preds_b.shape != preds.shape:
            raise InputValidationError(
                f"Expected `paired_predictions` to have the shape of `predictions` {preds.shape}, "
                f"but got {preds_b.shape}."
            )
        paired_units = list(_af_l_update(preds_b, refs, unit_ids))

    def compute(units: Sequence[np.ndarray]) -> dict[str, Any]:
        return _af_l_compute(np.asarray(units), "nan")

    return with_uncertainty(result, list(stats), compute, uncertainty=uncertainty, paired_units=paired_units)
