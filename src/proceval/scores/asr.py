"""Assembly State Recognition (ASR) scores: Macro-F1, Transition F1, Final-State Accuracy (IMPACT spec §8).

Per video, ground truth and prediction are ``[C, T]`` integer arrays of component states in
{−1, 0, 1} (C = 17 for IMPACT; −1 is the in-between state), or for the prediction ``[C, 3, T]``
scores/logits whose argmax over the 3 classes gives the state (class k ↔ state k − 1).

* **Macro-F1**: for each component, per-frame TP/FP/FN of each of the 3 states are summed over all
  videos (pooled); per state P = 0 without predictions, R = 0 without support, F1 = 2PR/(P+R) (0 if
  P + R = 0); the component score is the mean over the 3 states *including states absent from the GT*
  (F1 0); ``macro_f1`` is the mean over components.
* **Transition F1**: transitions are ``(t, new_state)`` at every frame t ≥ 1 with
  ``state[t] != state[t−1]``. For each GT transition in time order, the *first* unused predicted
  transition in list order with the same new state and ``|t_pred − t_gt| <= tolerance_frames`` is a hit
  (greedy, not nearest). P = hits/#pred (0 without predicted transitions), R = hits/#GT (0 without GT
  transitions), F1 = 2PR/(P+R) (0 if P + R = 0) — so a component with no transition on either side
  scores 0 (``no_transitions="zero"``, the official policy) or 1 (``"one"``). Computed per video and
  component, averaged over videos per component, then over components.
* **Final-State Accuracy**: ``pred[c, −1] == gt[c, −1]``, averaged over videos per component, then over
  components.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from proceval.errors import InputValidationError
from proceval.scores._checks import as_array, check_real, format_id, pair_units
from proceval.scores.bootstrap import with_uncertainty
from proceval.scores.options import ScoreOptions, Uncertainty, opt
from proceval.scores.signature import score_signature

NoTransitions = Literal["zero", "one"]

STATES: tuple[int, ...] = (-1, 0, 1)
"""Component states in class order (class k ↔ state ``STATES[k]``)."""


@dataclass(frozen=True)
class AsrOptions(ScoreOptions):
    """Every option that changes an ASR number (see the module docstring)."""

    score_name: ClassVar[str] = "asr"
    tolerance_frames: int = opt(30, "tol")
    no_transitions: NoTransitions = opt("zero", "empty")

    def check(self) -> None:
        """``tolerance_frames`` is a non-negative integer."""
        tol = self.tolerance_frames
        if isinstance(tol, bool) or not isinstance(tol, (int, np.integer)) or tol < 0:
            raise InputValidationError(
                f"Expected argument `tolerance_frames` to be a non-negative integer, but got {tol!r}."
            )
        object.__setattr__(self, "tolerance_frames", int(tol))


def _expected_shape(x: Any, like: tuple[int, int] | None) -> tuple[tuple[int | None, ...], str]:
    """The shape a ragged ``x`` is compared with and its description: ``[C, T]`` states or ``[C, 3, T]``."""
    c, t = like if like is not None else (None, None)
    try:
        scores = isinstance(x[0][0], (list, tuple, np.ndarray))
    except (TypeError, IndexError, KeyError):
        scores = False
    if scores:
        return (c, 3, t), "a [components, 3, frames] score array" + (
            f" of shape ({c}, 3, {t})" if like else ""
        )
    return (c, t), "a [components, frames] state array" + (
        f" of shape ({c}, {t}) as its reference" if like else ""
    )


def _as_states(
    x: Any, what: str, unit_id: Any, *, allow_scores: bool, like: tuple[int, int] | None = None
) -> np.ndarray:
    """Validate one video's ``[C, T]`` states (or ``[C, 3, T]`` scores → argmax) as class ids 0..2.

    ``like`` is the reference's ``(C, T)``: a ragged prediction is then reported against it.
    """
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError):
        shape, expected = _expected_shape(x, like)
        arr = as_array(x, unit_id, f"the {what}", expected, shape)  # raises, naming the first ragged entry
    arr = check_real(  # bools, strings, None: refused (numpy reads [False, 1] as ints)
        arr, x, what=f"the {what}", unit_id=unit_id, position="entry", expected="numeric states or scores"
    )
    if arr.ndim == 3 and allow_scores:
        if arr.shape[1] != 3:
            raise InputValidationError(
                f"Expected [components, 3, frames] scores in the {what} of {format_id(unit_id)}, "
                f"but got shape {arr.shape}."
            )
        if arr.dtype.kind not in "fiu":
            raise InputValidationError(
                f"Expected numeric scores in the {what} of {format_id(unit_id)}, but got {arr.dtype}."
            )
        if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
            raise InputValidationError(
                f"Expected finite scores in the {what} of {format_id(unit_id)}, but found NaN/inf."
            )
        return np.argmax(arr, axis=1).astype(np.int8)
    if arr.ndim != 2:
        shapes = "[components, frames] states" + (
            " or [components, 3, frames] scores" if allow_scores else ""
        )
        raise InputValidationError(
            f"Expected {shapes} in the {what} of {format_id(unit_id)}, but got shape {arr.shape}."
        )
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise InputValidationError(
                f"Expected integer states in the {what} of {format_id(unit_id)}, but got non-integer floats."
            )
    elif arr.dtype.kind not in "iub":
        raise InputValidationError(
            f"Expected integer states in the {what} of {format_id(unit_id)}, but got {arr.dtype}."
        )
    if arr.size and (arr.min() < -1 or arr.max() > 1):
        bad = (arr < -1) | (arr > 1)
        c, t = np.argwhere(bad)[0].tolist()
        raise InputValidationError(
            f"Expected states in {{-1, 0, 1}} in the {what} of {format_id(unit_id)}, but component {c} has "
            f"{arr[c, t]} at frame {t}."
        )
    out = arr.astype(np.int8)
    out += 1
    return out


def _changes(states: np.ndarray) -> np.ndarray:
    """Where a state changes: a bool over the flattened ``[C·T]`` state array.

    Entry i is True when flat frame i + 1 starts a new state within the same component (row boundaries
    are False).
    """
    n_frames = states.shape[1]
    flat = states.ravel()
    changed = flat[1:] != flat[:-1]
    changed[n_frames - 1 :: n_frames] = False  # last frame of a row vs first frame of the next
    return changed


def match_transitions(
    gt_times: Sequence[int],
    gt_states: Sequence[int],
    pred_times: Sequence[int],
    pred_states: Sequence[int],
    tolerance_frames: int,
) -> int:
    """Number of GT transitions hit by a predicted transition (greedy, in GT order).

    For each GT transition in order, the hit is the first unused predicted one (in list order) with the
    same new state and ``|Δt| <= tolerance_frames`` (times in frames, the tolerance inclusive).

    Example:
        >>> match_transitions([10, 50], [1, 0], [45, 12, 60], [0, 1, 0], 5)
        2
        >>> match_transitions([10], [1], [16], [1], 5)
        0
    """
    used = [False] * len(pred_times)
    hits = 0
    for tg, sg in zip(gt_times, gt_states, strict=True):
        for k, (tp, sp) in enumerate(zip(pred_times, pred_states, strict=True)):
            if not used[k] and sp == sg and abs(tp - tg) <= tolerance_frames:
                used[k] = True
                hits += 1
                break
    return hits


def _match_sorted(
    gt_times: list[int], gt_states: list[int], pred_times: list[int], pred_states: list[int], tolerance: int
) -> int:
    """:func:`match_transitions` for predictions sorted by time (as extracted), by bisection.

    The candidates of a GT transition lie in the frame window ``[t − tol, t + tol]`` (both ends
    inclusive), and list order is time order.
    """
    used = [False] * len(pred_times)
    hits = 0
    for tg, sg in zip(gt_times, gt_states, strict=True):
        for k in range(bisect_left(pred_times, tg - tolerance), bisect_right(pred_times, tg + tolerance)):
            if not used[k] and pred_states[k] == sg:
                used[k] = True
                hits += 1
                break
    return hits


def _asr_update(
    pred: Any, ref: Any, *, unit_id: Any = None, tolerance_frames: int = 30
) -> dict[str, np.ndarray]:
    """One video → per-component sufficient statistics.

    Returns:
        ``tp``, ``fp``, ``fn``: ``[C, 3]`` frame counts per component and class; ``hits``, ``n_pred``,
        ``n_gt``: ``[C]`` transition counts; ``final_correct``: ``[C]`` bool.
    """
    gt = _as_states(ref, "reference", unit_id, allow_scores=False)
    pr = _as_states(pred, "prediction", unit_id, allow_scores=True, like=gt.shape)
    if pr.shape != gt.shape:
        if pr.shape[0] != gt.shape[0]:
            raise InputValidationError(
                f"Expected {gt.shape[0]} components in the prediction of {format_id(unit_id)} as in its reference, "
                f"but got {pr.shape[0]}."
            )
        raise InputValidationError(
            f"Expected the prediction for {format_id(unit_id)} to have as many frames as its reference "
            f"({gt.shape[1]}), but got {pr.shape[1]}."
        )
    n_comp, n_frames = gt.shape
    if n_frames == 0:
        raise InputValidationError(f"Expected at least one frame for {format_id(unit_id)}, but got 0.")
    # Both arrays are piecewise constant: split the flattened [C·T] frames wherever either changes or a
    # component starts, and count each constant run's length once in its (component, gt, pred) cell.
    gt_changed = _changes(gt)
    pr_changed = _changes(pr)
    starts = np.flatnonzero(gt_changed | pr_changed) + 1
    starts = np.union1d(starts, np.arange(0, n_comp * n_frames, n_frames))
    lengths = np.diff(np.append(starts, n_comp * n_frames))
    cells = (starts // n_frames) * 9 + gt.ravel()[starts].astype(np.intp) * 3 + pr.ravel()[starts]
    conf = np.bincount(cells, weights=lengths, minlength=n_comp * 9).astype(np.int64).reshape(n_comp, 3, 3)
    tp = np.diagonal(conf, axis1=1, axis2=2).copy()
    fp = conf.sum(axis=1) - tp
    fn = conf.sum(axis=2) - tp
    # Transitions of all components, sorted by (component, time).
    gt_idx = np.flatnonzero(gt_changed) + 1
    pr_idx = np.flatnonzero(pr_changed) + 1
    gt_c, gt_t = gt_idx // n_frames, gt_idx % n_frames
    pr_c, pr_t = pr_idx // n_frames, pr_idx % n_frames
    n_gt = np.bincount(gt_c, minlength=n_comp)
    n_pred = np.bincount(pr_c, minlength=n_comp)
    gt_s, pr_s = gt[gt_c, gt_t].tolist(), pr[pr_c, pr_t].tolist()
    gt_tl, pr_tl = gt_t.tolist(), pr_t.tolist()
    gt_end, pr_end = np.cumsum(n_gt).tolist(), np.cumsum(n_pred).tolist()
    hits = np.zeros(n_comp, dtype=np.int64)
    g0 = p0 = 0
    for c in range(n_comp):
        g1, p1 = gt_end[c], pr_end[c]
        if g1 > g0 and p1 > p0:
            hits[c] = _match_sorted(gt_tl[g0:g1], gt_s[g0:g1], pr_tl[p0:p1], pr_s[p0:p1], tolerance_frames)
        g0, p0 = g1, p1
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "hits": hits,
        "n_pred": n_pred,
        "n_gt": n_gt,
        "final_correct": gt[:, -1] == pr[:, -1],
    }


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def _f1(precision: np.ndarray, recall: np.ndarray) -> np.ndarray:
    return _safe_div(2 * precision * recall, precision + recall)


def transition_f1(stats: Mapping[str, np.ndarray], no_transitions: NoTransitions = "zero") -> np.ndarray:
    """Per-component transition F1 ``[C]`` of one video's statistics, with the empty-case policy."""
    f1 = _f1(_safe_div(stats["hits"], stats["n_pred"]), _safe_div(stats["hits"], stats["n_gt"]))
    if no_transitions == "one":
        f1 = np.where((stats["n_gt"] == 0) & (stats["n_pred"] == 0), 1.0, f1)
    return f1


def _asr_compute(
    stats: Sequence[Mapping[str, np.ndarray]], *, no_transitions: NoTransitions = "zero"
) -> dict[str, Any]:
    """Per-video statistics → reported ASR scores (fractions in [0, 1])."""
    if not stats:
        raise InputValidationError("Expected at least one video to score, but got none.")
    tp = np.sum([s["tp"] for s in stats], axis=0)
    fp = np.sum([s["fp"] for s in stats], axis=0)
    fn = np.sum([s["fn"] for s in stats], axis=0)
    class_f1 = _f1(_safe_div(tp, tp + fp), _safe_div(tp, tp + fn))  # [C, 3]
    per_comp_macro = class_f1.mean(axis=1)
    per_comp_trans = np.mean([transition_f1(s, no_transitions) for s in stats], axis=0)
    per_comp_final = np.mean([s["final_correct"] for s in stats], axis=0)
    return {
        "macro_f1": float(per_comp_macro.mean()),
        "transition_f1": float(per_comp_trans.mean()),
        "final_state_accuracy": float(per_comp_final.mean()),
        "per_component_macro_f1": per_comp_macro.tolist(),
        "per_component_transition_f1": per_comp_trans.tolist(),
        "per_component_final_state_accuracy": per_comp_final.tolist(),
        "num_videos": len(stats),
    }


def _pair_units(predictions: Any, references: Any, ids: Sequence[Any] | None) -> list[tuple[Any, Any, Any]]:
    if isinstance(references, np.ndarray) and references.ndim == 2:
        raise InputValidationError(
            "Expected a list of per-video [components, frames] arrays, but got a single 2-D array; "
            "wrap it in a list."
        )
    return pair_units(predictions, references, ids, id_name="ids")


def asr_scores(
    predictions: Sequence[Any] | Mapping[Any, Any],
    references: Sequence[Any] | Mapping[Any, Any],
    *,
    tolerance_frames: int = 30,
    no_transitions: NoTransitions = "zero",
    ids: Sequence[Any] | None = None,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | Mapping[Any, Any] | None = None,
) -> dict[str, Any]:
    """Assembly-state Macro-F1, Transition F1 and Final-State Accuracy over videos.

    Args:
        predictions: per video a ``[C, T]`` int array of states in {−1, 0, 1} or ``[C, 3, T]`` scores
            (argmax over axis 1; class k is state k − 1); a list aligned with ``references`` or a
            mapping by video id.
        references: per video a ``[C, T]`` int state array (e.g. from
            :func:`proceval.benchmarks.impact.state_events.dense_states_from_sequence`).
        tolerance_frames: largest |Δt| in frames for a predicted transition to hit a GT one (30 ≈ 1 s at
            IMPACT's 30 fps).
        no_transitions: transition F1 of a (video, component) with no transition in GT nor prediction:
            ``"zero"`` (official IMPACT policy, default) or ``"one"``.
        ids: ids for aligned-list inputs (error messages).
        bootstrap: number of video resamples for percentile CIs (0 = none).
        confidence: CI coverage.
        seed: bootstrap seed.
        paired_predictions: a second system's predictions for a paired bootstrap comparison.

    Returns:
        ``macro_f1``, ``transition_f1``, ``final_state_accuracy`` in [0, 1] (higher is better), their
        ``per_component_*`` lists (C values, component index order), ``num_videos``, ``signature``, and
        ``ci``/``ci_level`` / ``paired`` when requested.

    Raises:
        InputValidationError: bad options, bad shapes or values, frame-count mismatch (naming the video
            and both lengths), missing/duplicated ids.

    Example:
        >>> gt = [np.array([[0, 0, 1, 1], [1, 1, 1, 1]])]
        >>> pr = [np.array([[0, 1, 1, 1], [1, 1, 1, 0]])]
        >>> r = asr_scores(pr, gt, tolerance_frames=1)
        >>> r["transition_f1"], r["final_state_accuracy"]
        (0.5, 0.5)
    """
    options = AsrOptions(tolerance_frames=tolerance_frames, no_transitions=no_transitions)
    uncertainty = Uncertainty(bootstrap, confidence, seed, paired=paired_predictions is not None)
    tol = options.tolerance_frames
    units = _pair_units(predictions, references, ids)
    stats = [_asr_update(p, r, unit_id=uid, tolerance_frames=tol) for uid, p, r in units]
    n_comp = {s["tp"].shape[0] for s in stats}
    if len(n_comp) > 1:
        raise InputValidationError(
            f"Expected the same number of components in every video, but got {sorted(n_comp)}."
        )

    def compute(s: Sequence[Mapping[str, np.ndarray]]) -> dict[str, Any]:
        return _asr_compute(s, no_transitions=options.no_transitions)

    result = compute(stats)
    result["signature"] = score_signature("asr", options, uncertainty)
    paired_stats = None
    if paired_predictions is not None:
        paired_stats = [
            _asr_update(p, r, unit_id=uid, tolerance_frames=tol)
            for uid, p, r in _pair_units(paired_predictions, references, ids)
        ]
    return with_uncertainty(result, stats, compute, uncertainty=uncertainty, paired_units=paired_stats)


__all__ = ["STATES", "AsrOptions", "asr_scores", "match_transitions", "transition_f1"]
