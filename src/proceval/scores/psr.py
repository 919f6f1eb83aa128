"""Procedure Step Recognition (PSR) scores: step-completion F1, detection delay, POS (IMPACT spec §7).

Per video, the ground truth and the prediction are lists of step-completion *events*
``{"frame": int, "label": hashable, "conf": 0 | 1}`` in time order (``"id"`` is accepted for
``"label"``; ``conf`` defaults to 1 = observed, 0 = implied by the system). For each video:

* **Matching** (IndustReal ``determine_performance``): per label with g GT and p predicted events,
  g = 0 → p system FPs; p = 0 → g FNs; otherwise the surplus |g − p| counts as FN (g > p) or FP
  (p > g) and the rest are matched greedily — for each event of the shorter list, in order, the
  closest-in-time unused event of the longer list, where a time difference of exactly 0 counts as ∞
  (``matching``: ``"nearest_nonzero"`` reproduces IMPACT's ``evaluate_psr.py`` and ms_tcn2 ``eval.py``,
  where g = p = 1 pairs directly; ``"industreal"`` IndustReal's ``psr_utils.py`` (only a strictly later
  long-list event qualifies) and ``"storm"`` STORM-PSR's ``evaluation/utils/utils.py`` (|Δ|, 0 → ∞),
  which both run the matcher for g = p = 1 too; ``"nearest"`` is a corrected variant).
  For each matched pair, Δ = pred_frame − gt_frame; Δ < 0 is a system FP (a perception FP if
  conf = 0), otherwise Δ is the GT event's delay. ``TP = #pred − FP_sys``;
  ``F1 = 2PR / (P + R + 1e-6)`` with P (R) = 1e-6 when its denominator is 0.
* **Delay** = mean of the defined delays over GT events, in frames; a video with none gets the
  ``no_delay`` policy value. Seconds = frames · ``sample_rate`` / ``fps``.
* **POS** = 1 − min(d / len(GT), 1); empty GT: 1 if the prediction is empty, else 0.
  ``pos_variant="partial_order"`` (IMPACT): d = min OSA distance to any valid ordering of the GT
  events under the prerequisite graph (exact A*, :mod:`proceval.scores._partial_order`);
  ``"sequential"`` (IndustReal / STORM-PSR): d = true Damerau-Levenshtein distance to the GT sequence
  as annotated. Costs del 1, ins 1, sub 2, adjacent transposition 1. ``win_size`` (STORM-PSR's
  temporal-stream evaluation) reorders the predicted sequence before POS (:func:`storm_reorder`).

Reported: ``mean_f1`` (mean of per-video F1), ``overall_f1`` (F1 of the summed TP/FP/FN),
``mean_delay_frames``, ``mean_delay_s``, ``mean_pos`` and the summed counts.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from proceval.errors import InputValidationError
from proceval.scores._checks import pair_units
from proceval.scores._partial_order import closest_linear_extension, true_dl_distance
from proceval.scores.bootstrap import with_uncertainty
from proceval.scores.options import ScoreOptions, Uncertainty, opt
from proceval.scores.signature import score_signature

Matching = Literal["nearest_nonzero", "industreal", "storm", "nearest"]
EmptyVideo = Literal["guard", "one"]
NoDelay = Literal["zero", "industreal"]
PosVariant = Literal["partial_order", "sequential"]
Occurrences = Literal["all", "first"]

NO_DELAY_FRAMES: dict[str, float] = {"zero": 0.0, "industreal": 100.0}
"""Per-video delay (frames) when no GT event has a defined delay: 0 (IMPACT) or 100 (IndustReal)."""

_FAR = 1e9  # the reference's "already used / other step" time
_EXACT_FLOAT = 2.0**53  # floats at or above this are not exact frame indices
_MAX_FRAME = 2**63  # frame indices are int64
_MATCH_SINGLE = frozenset({"industreal", "storm"})  # matchings that run the matcher when g = p = 1


@dataclass(frozen=True)
class PsrOptions(ScoreOptions):
    """Every option that changes a PSR number (see :func:`psr_scores`).

    The data-dependent inputs that change a number too (``fps``, the ``prereq`` graph and the ``labels``
    order) are recorded in the signature by :func:`psr_signature`.
    """

    score_name: ClassVar[str] = "psr"
    pos_variant: PosVariant = opt("partial_order", "pos")
    matching: Matching = opt("nearest_nonzero", "match")
    empty_video: EmptyVideo = opt("guard", "empty")
    no_delay: NoDelay = opt("zero", "nodelay")
    occurrences: Occurrences = opt("all", "occ")
    sample_rate: int = opt(1, "sr")
    win_size: int | None = opt(None, "win")

    def check(self) -> None:
        """``sample_rate`` is a positive integer; ``win_size`` is None or a non-negative integer."""
        rate = self.sample_rate
        if isinstance(rate, bool) or not isinstance(rate, (int, np.integer)) or rate < 1:
            raise InputValidationError(
                f"Expected argument `sample_rate` to be a positive integer, but got {rate!r}."
            )
        object.__setattr__(self, "sample_rate", int(rate))
        win = self.win_size
        if win is not None:
            if isinstance(win, bool) or not isinstance(win, (int, np.integer)) or win < 0:
                raise InputValidationError(
                    f"Expected argument `win_size` (STORM-PSR's temporal window, frames) to be None or a "
                    f"non-negative integer, but got {win!r}."
                )
            object.__setattr__(self, "win_size", int(win))


def _check_inputs(fps: Any, prereq: Mapping[Hashable, Sequence[Hashable]] | None, pos_variant: str) -> float:
    """Check ``fps`` and ``prereq`` (inputs that come with the data); return ``fps`` as a float."""
    if isinstance(fps, bool) or not isinstance(fps, (int, float, np.integer, np.floating)) or not fps > 0:
        raise InputValidationError(
            f"Expected argument `fps` (frames per second, e.g. 30) to be a positive number, but got {fps!r}."
        )
    if not math.isfinite(float(fps)):
        raise InputValidationError(f"Expected argument `fps` to be finite, but got {fps!r}.")
    if pos_variant == "partial_order" and prereq is None:
        raise InputValidationError(
            "Expected argument `prereq` (label -> prerequisite labels, e.g. procedure_graph.json['prereq']) "
            "with pos_variant='partial_order', but got None. Pass prereq={} for no constraints or use "
            "pos_variant='sequential'."
        )
    if prereq is not None:
        if not isinstance(prereq, Mapping):
            raise InputValidationError(
                f"Expected argument `prereq` to be a mapping, but got {type(prereq).__name__}."
            )
        for key, value in prereq.items():
            if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
                raise InputValidationError(
                    f"Expected `prereq[{key!r}]` to be a sequence of labels, but got {value!r}."
                )
    return float(fps)


def _parse_events(
    events: Any, what: str, unit_id: Any, vocabulary: set[Hashable] | None, num_frames: int | None = None
) -> list[tuple[int, Hashable, int]]:
    """Validate one video's events; return ``(frame, label, conf)`` tuples in the given order.

    ``num_frames`` (when known) bounds the frames: an event at frame ``>= num_frames`` is past the
    video's end and raises.
    """
    if isinstance(events, (str, bytes, Mapping)) or not isinstance(events, (Sequence, np.ndarray)):
        raise InputValidationError(
            f"Expected the {what} of {unit_id!r} to be a list of events, but got {type(events).__name__}."
        )
    out = []
    last = -1
    for i, ev in enumerate(events):
        if isinstance(ev, Mapping):
            if "frame" not in ev or ("label" not in ev and "id" not in ev):
                raise InputValidationError(
                    f"Expected event {i} of the {what} of {unit_id!r} to have 'frame' and 'label' (or 'id'), "
                    f"but got keys {sorted(map(str, ev))}."
                )
            frame, label = ev["frame"], ev["label"] if "label" in ev else ev["id"]
            conf = ev.get("conf", 1)
        elif isinstance(ev, (tuple, list)) and len(ev) in (2, 3):
            frame, label = ev[0], ev[1]
            conf = ev[2] if len(ev) == 3 else 1
        else:
            raise InputValidationError(
                f"Expected event {i} of the {what} of {unit_id!r} to be a dict or a (frame, label[, conf]) "
                f"tuple, but got {ev!r}."
            )
        real = isinstance(frame, (int, float, np.integer, np.floating)) and not isinstance(frame, bool)
        if real and num_frames is not None and frame >= num_frames:
            raise InputValidationError(
                f"Expected event {i} of the {what} of {unit_id!r} at a frame below the video's "
                f"{num_frames} frames (0-based), but got frame {frame!r}."
            )
        if (
            real
            and isinstance(frame, (float, np.floating))
            and float(frame).is_integer()
            and abs(frame) < _EXACT_FLOAT
        ):
            frame = int(frame)
        if isinstance(frame, bool) or not isinstance(frame, (int, np.integer)) or not 0 <= frame < _MAX_FRAME:
            raise InputValidationError(
                f"Expected event {i} of the {what} of {unit_id!r} to have a non-negative integer frame "
                f"(below 2**63), but got {frame!r}."
            )
        if isinstance(conf, bool) or conf not in (0, 1):
            raise InputValidationError(
                f"Expected event {i} of the {what} of {unit_id!r} to have conf 0 or 1, but got {conf!r}."
            )
        if isinstance(label, np.generic):
            label = label.item()
        if isinstance(label, bool) or not isinstance(label, (str, int)):
            raise InputValidationError(
                f"Expected event {i} of the {what} of {unit_id!r} to have a str or int label, "
                f"but got {label!r}."
            )
        if vocabulary is not None and label not in vocabulary:
            raise InputValidationError(
                f"Unknown step label {label!r} in event {i} of the {what} of {unit_id!r}; "
                f"expected one of the `labels` ({len(vocabulary)} steps)."
            )
        if int(frame) < last:
            raise InputValidationError(
                f"Expected the {what} of {unit_id!r} in time order, but event {i} at frame {int(frame)} "
                f"comes after frame {last}."
            )
        last = int(frame)
        out.append((int(frame), label, int(conf)))
    return out


def _video_lengths(num_frames: Any, references: Any) -> Any:
    """``(unit id, position) -> number of frames or None`` from the ``num_frames`` argument."""
    if num_frames is None:
        return lambda uid, i: None
    if isinstance(num_frames, Mapping):
        table = dict(num_frames)
    elif isinstance(num_frames, (str, bytes)) or not isinstance(num_frames, (Sequence, np.ndarray)):
        raise InputValidationError(
            f"Expected argument `num_frames` to be a list or a mapping by video id, but got "
            f"{type(num_frames).__name__}."
        )
    else:
        if len(num_frames) != len(references):
            raise InputValidationError(
                f"Expected argument `num_frames` to have one entry per reference ({len(references)}), "
                f"but got {len(num_frames)}."
            )
        table = None
    for value in num_frames.values() if table is not None else num_frames:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise InputValidationError(
                f"Expected every `num_frames` entry to be a non-negative integer, but got {value!r}."
            )

    def length(uid: Any, i: int) -> int | None:
        if table is None:
            return int(num_frames[i])
        if uid not in table:
            raise InputValidationError(
                f"Expected `num_frames` to have an entry for {uid!r}, but it has none."
            )
        return int(table[uid])

    return length


def _first_only(events: list[tuple[int, Hashable, int]]) -> list[tuple[int, Hashable, int]]:
    seen: set[Hashable] = set()
    out = []
    for e in events:
        if e[1] not in seen:
            seen.add(e[1])
            out.append(e)
    return out


def storm_reorder(
    gt: Sequence[tuple[int, Hashable]], pred: Sequence[tuple[int, Hashable]], win_size: int
) -> list[Hashable]:
    """The predicted label order STORM-PSR scores POS with (``determine_performance(..., win_size=)``).

    A temporal-stream model reports a step when a clip of ``win_size`` frames ends, so STORM reorders
    the prediction before POS (F1 and delays are computed before and do not change):

    1. If some predicted frame is not 0, let F be the frame of the first prediction: when the labels of
       the predictions at frame F equal, as a set, the labels of the GT events at frames ≤ F (both taken
       from the first to the last such index), the first ``min(len(GT), len(pred))`` predicted labels
       are replaced by the GT labels in GT order (the reference overwrites the whole common prefix, not
       only the first clip).
    2. Then, left to right, a predicted pair (i − 1, i) less than ``win_size`` frames apart whose labels
       are some adjacent GT pair (k − 1, k) in reverse is swapped (labels and frames; later pairs see the
       swapped values).

    Args:
        gt: ``(frame, label)`` GT events in time order.
        pred: ``(frame, label)`` predicted events in time order.
        win_size: the temporal window in frames (STORM: ``frames`` of the clip, dilated by the skip
            factor); 0 keeps step 1 only.

    Returns:
        The predicted labels in the order POS compares with the GT.

    Example:
        >>> gt = [(10, 1), (20, 2), (30, 3), (70, 4), (80, 5)]
        >>> storm_reorder(gt, [(32, 3), (32, 2), (32, 1), (75, 4), (90, 5)], 32)
        [1, 2, 3, 4, 5]
        >>> storm_reorder([(30, 2), (30, 3)], [(5, 3), (8, 2)], 32)
        [2, 3]
    """
    gt_t = [int(e[0]) for e in gt]
    gt_l = [e[1] for e in gt]
    times = [int(e[0]) for e in pred]
    order = [e[1] for e in pred]
    if any(t != 0 for t in times):
        first = [i for i, t in enumerate(times) if t == times[0]]
        early = [i for i, t in enumerate(gt_t) if t <= times[0]]
        if early and set(order[first[0] : first[-1] + 1]) == set(gt_l[early[0] : early[-1] + 1]):
            for i in range(min(len(gt_l), len(order))):
                order[i] = gt_l[i]
    for i in range(1, len(order)):
        prev_t, prev_l, cur_t, cur_l = times[i - 1], order[i - 1], times[i], order[i]
        if abs(cur_t - prev_t) >= win_size:
            continue
        if any(cur_l == gt_l[k - 1] and prev_l == gt_l[k] for k in range(1, len(gt_l))):
            order[i - 1], order[i] = cur_l, prev_l
            times[i - 1], times[i] = cur_t, prev_t
    return order


def _match_indices(
    long_idx: list[int], long_times: list[int], short_idx: list[int], short_times: list[int], mode: str
) -> list[int]:
    """For each short-list event, in order, the long-list event it is paired with.

    ``"nearest_nonzero"`` / ``"storm"`` / ``"industreal"`` reproduce ``match_indices`` with its quirks:
    times of long-list entries that are not in ``long_idx`` (other steps) or already used count as 1e9
    and stay candidates; a difference of 0 — for ``"industreal"`` any non-positive difference
    long − short — counts as ∞; when every difference is ∞, index 0 of the whole list is taken (numpy
    ``argmin``).
    ``"nearest"`` takes the nearest unused event of ``long_idx`` by |Δ| (0 allowed, ties → earlier).
    """
    if mode == "nearest":
        free = list(long_idx)
        out = []
        for i in short_idx:
            k = min(free, key=lambda j: (abs(long_times[j] - short_times[i]), long_times[j], j))
            free.remove(k)
            out.append(k)
        return out
    signed = mode == "industreal"
    times = [_FAR] * len(long_times)
    for i in long_idx:
        times[i] = float(long_times[i])
    out = []
    for i in short_idx:
        tb = short_times[i]
        best_k, best_d = 0, math.inf
        for k, ta in enumerate(times):
            d = ta - tb if signed else abs(ta - tb)
            if d > 0 and d < best_d:
                best_k, best_d = k, d
        out.append(best_k)
        times[best_k] = _FAR
    return out


def _step_counts(
    gt: list[tuple[int, Hashable, int]],
    pred: list[tuple[int, Hashable, int]],
    mode: str,
    order: list[Hashable] | None = None,
) -> dict[str, Any]:
    """TP/FP/FN and per-GT delays of one video (IndustReal ``determine_performance``).

    Steps are processed in ``order`` (the reference's ``proc_info`` order; default: sorted labels). The
    order matters only through the reference's fallback, which can write a delay into another step's
    GT slot that a later step then overwrites.
    """
    gt_t = [e[0] for e in gt]
    pr_t = [e[0] for e in pred]
    pr_c = [e[2] for e in pred]
    by_gt: dict[Hashable, list[int]] = {}
    by_pr: dict[Hashable, list[int]] = {}
    for i, e in enumerate(gt):
        by_gt.setdefault(e[1], []).append(i)
    for i, e in enumerate(pred):
        by_pr.setdefault(e[1], []).append(i)
    fn = fp = per_fn = per_fp = 0
    delays = [math.nan] * len(gt)
    if order is None:
        order = sorted({**by_gt, **by_pr}, key=lambda lab: (str(type(lab)), str(lab)))
    for label in order:
        ig, ip = by_gt.get(label, []), by_pr.get(label, [])
        if not ig:
            fp += len(ip)
            per_fp += len(ip)
            continue
        if not ip:
            fn += len(ig)
            per_fn += len(ig)
            continue
        if len(ig) == len(ip):
            if len(ip) > 1 or mode in _MATCH_SINGLE:
                ip = _match_indices(ip, pr_t, ig, gt_t, mode)
        elif len(ig) > len(ip):
            fn += len(ig) - len(ip)
            per_fn += len(ig) - len(ip)
            ig = _match_indices(ig, gt_t, ip, pr_t, mode)
        else:
            fp += len(ip) - len(ig)
            per_fp += len(ip) - len(ig)
            ip = _match_indices(ip, pr_t, ig, gt_t, mode)
        for a, b in zip(ig, ip, strict=True):
            delta = pr_t[b] - gt_t[a]
            if pr_c[b] == 0:
                per_fn += 1
            if delta < 0:
                if pr_c[b] == 0:
                    per_fp += 1
                else:
                    fp += 1
            else:
                delays[a] = float(delta)
    return {
        "tp": len(pred) - fp,
        "fp": fp,
        "fn": fn,
        "perception_fp": per_fp,
        "perception_fn": per_fn,
        "delays": delays,
    }


def f1_with_guards(tp: int, fp: int, fn: int) -> float:
    """IndustReal ``get_f1_score``: P (R) = 1e-6 when its denominator is 0; F1 = 2PR / (P + R + 1e-6).

    Example:
        >>> round(f1_with_guards(2, 0, 0), 6), round(f1_with_guards(0, 0, 0), 6)
        (1.0, 1e-06)
    """
    precision = tp / (tp + fp) if tp + fp else 1e-6
    recall = tp / (tp + fn) if tp + fn else 1e-6
    return 2 * precision * recall / (precision + recall + 1e-6)


def procedure_order_similarity(
    gt_labels: Sequence[Hashable],
    pred_labels: Sequence[Hashable],
    *,
    prereq: Mapping[Hashable, Sequence[Hashable]] | None = None,
    pos_variant: PosVariant = "partial_order",
) -> tuple[float, int]:
    """POS of one video and its edit distance d (capped at len(GT) for ``partial_order``).

    Args:
        gt_labels: GT step labels in annotated order.
        pred_labels: predicted step labels in predicted order.
        prereq: ``label -> prerequisite labels`` (needed for ``partial_order``).
        pos_variant: ``"partial_order"`` (OSA to the closest valid ordering) or ``"sequential"`` (true
            Damerau-Levenshtein to the GT sequence).

    Returns:
        ``(pos, d)`` with ``pos = 1 − min(d / len(GT), 1)``; empty GT gives ``(1.0, 0)`` for an empty
        prediction and ``(0.0, len(pred))`` otherwise.

    Example:
        >>> procedure_order_similarity(["a", "b", "c"], ["b", "a", "c"], prereq={})
        (1.0, 0)
        >>> procedure_order_similarity(["a", "b", "c"], ["b", "a", "c"], pos_variant="sequential")
        (0.6666666666666667, 1)
    """
    n = len(gt_labels)
    if n == 0:
        return (1.0, 0) if len(pred_labels) == 0 else (0.0, len(pred_labels))
    if pos_variant == "sequential":
        d = true_dl_distance(gt_labels, pred_labels)
    else:
        d, _ = closest_linear_extension(gt_labels, pred_labels, prereq or {}, bound=n)
    return 1.0 - min(d / n, 1.0), int(d)


def _psr_update(
    pred: Any,
    ref: Any,
    options: PsrOptions,
    *,
    unit_id: Any = None,
    prereq: Mapping[Hashable, Sequence[Hashable]] | None = None,
    labels: Sequence[Hashable] | None = None,
    num_frames: int | None = None,
) -> dict[str, Any]:
    """One video's events → counts, F1, delay (frames) and POS."""
    vocab = set(labels) if labels is not None else None
    gt = _parse_events(ref, "reference", unit_id, vocab, num_frames)
    pr = _parse_events(pred, "prediction", unit_id, vocab, num_frames)
    if options.occurrences == "first":
        gt, pr = _first_only(gt), _first_only(pr)
    counts = _step_counts(gt, pr, options.matching, None if labels is None else list(labels))
    if options.empty_video == "one" and not gt and not pr:
        f1 = 1.0
    else:
        f1 = f1_with_guards(counts["tp"], counts["fp"], counts["fn"])
    defined = [d for d in counts.pop("delays") if not math.isnan(d)]
    delay = float(np.mean(defined)) if defined else NO_DELAY_FRAMES[options.no_delay]
    pred_order = [e[1] for e in pr]
    if options.win_size is not None:
        pred_order = storm_reorder(gt, pr, options.win_size)
    try:
        pos, dist = procedure_order_similarity(
            [e[1] for e in gt], pred_order, prereq=prereq, pos_variant=options.pos_variant
        )
    except ValueError as err:
        raise InputValidationError(f"{err} (video {unit_id!r})") from err
    return {
        **counts,
        "f1": f1,
        "delay_frames": delay,
        "pos": pos,
        "pos_distance": dist,
        "num_gt": len(gt),
        "num_pred": len(pr),
    }


def _psr_compute(stats: Sequence[Mapping[str, Any]], *, fps: float, sample_rate: int = 1) -> dict[str, float]:
    """Per-video statistics → reported PSR scores (fractions; delays in frames and seconds)."""
    if not stats:
        raise InputValidationError("Expected at least one video to score, but got none.")
    tp = sum(s["tp"] for s in stats)
    fp = sum(s["fp"] for s in stats)
    fn = sum(s["fn"] for s in stats)
    delay = float(np.mean([s["delay_frames"] for s in stats]))
    return {
        "mean_f1": float(np.mean([s["f1"] for s in stats])),
        "overall_f1": f1_with_guards(tp, fp, fn),
        "mean_delay_frames": delay,
        "mean_delay_s": delay * sample_rate / float(fps),
        "mean_pos": float(np.mean([s["pos"] for s in stats])),
        "system_tp": tp,
        "system_fp": fp,
        "system_fn": fn,
        "perception_fp": sum(s["perception_fp"] for s in stats),
        "perception_fn": sum(s["perception_fn"] for s in stats),
        "num_videos": len(stats),
    }


def _digest(items: Any) -> str:
    """Short content hash of a JSON-able canonical form, for the signature."""
    return hashlib.sha1(json.dumps(items).encode()).hexdigest()[:8]


def prereq_digest(prereq: Mapping[Hashable, Sequence[Hashable]] | None) -> str:
    """Short content hash of a prerequisite map (order-insensitive; empty lists dropped).

    Example:
        >>> prereq_digest({}) == prereq_digest({"a": []})
        True
    """
    return _digest(
        sorted((str(k), sorted(str(v) for v in vs)) for k, vs in (prereq or {}).items() if len(vs))
    )


def psr_signature(
    options: PsrOptions,
    uncertainty: Uncertainty,
    *,
    fps: float,
    prereq: Mapping[Hashable, Sequence[Hashable]] | None,
    labels: Sequence[Hashable] | None = None,
) -> str:
    """The signature of a PSR result: ``options``, then the data inputs that change a number.

    ``options`` is any :class:`PsrOptions` subclass. The data inputs are the graph digest (``graph``,
    partial-order POS only), the digest of the step order (``lab``, when ``labels`` is given: with the
    official matchings it can move a delay) and ``fps``.
    """
    extra = {
        "graph": prereq_digest(prereq) if options.pos_variant == "partial_order" else None,
        "lab": None if labels is None else _digest([str(label) for label in dict.fromkeys(labels)]),
        "fps": float(fps),
    }
    return score_signature("psr", options, uncertainty, extra=extra)


def psr_scores(
    predictions: Sequence[Any] | Mapping[Any, Any],
    references: Sequence[Any] | Mapping[Any, Any],
    *,
    fps: float | None = None,
    prereq: Mapping[Hashable, Sequence[Hashable]] | None = None,
    labels: Sequence[Hashable] | None = None,
    pos_variant: PosVariant = "partial_order",
    matching: Matching = "nearest_nonzero",
    empty_video: EmptyVideo = "guard",
    no_delay: NoDelay = "zero",
    occurrences: Occurrences = "all",
    sample_rate: int = 1,
    win_size: int | None = None,
    num_frames: Sequence[int] | Mapping[Any, int] | None = None,
    ids: Sequence[Any] | None = None,
    return_per_video: bool = False,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | Mapping[Any, Any] | None = None,
) -> dict[str, Any]:
    """Step-completion F1, detection delay and Procedure Order Similarity over videos.

    Args:
        predictions: per video, a list of events ``{"frame", "label" | "id", "conf"?}`` or
            ``(frame, label[, conf])`` tuples in time order (frames are 0-based indices in the units of
            ``sample_rate``); a list aligned with ``references`` or a mapping by video id.
        references: the GT events per video, same forms (conf is ignored).
        fps: frames per second of the original video (30 for IMPACT); required (None raises).
            STORM-PSR hard-codes 10, which turns IMPACT's 30-fps frame delays into seconds ×3 too large.
        prereq: ``label -> labels that must all precede it`` (``procedure_graph.json["prereq"]``);
            required for ``pos_variant="partial_order"``.
        labels: optional step vocabulary in the official ``proc_info`` order; an event label outside it
            raises. Steps are matched in this order (sorted labels when None); with the official
            matchings the order can change a delay through the reference's fallback (see ``matching``).
        pos_variant: ``"partial_order"`` (IMPACT, default) or ``"sequential"`` (IndustReal, STORM-PSR).
        matching: how same-label GT and predicted events are paired:
            ``"nearest_nonzero"`` (default; reproduces IMPACT's ``evaluate_psr.py`` and ms_tcn2
            ``eval.py``: nearest by |Δ|, a difference of exactly 0 counts as ∞, a step occurring once on
            both sides is paired directly), ``"industreal"`` (reproduces IndustReal's ``psr_utils.py``:
            nearest *strictly later* long-list event, Δ ≤ 0 counts as ∞, and the matcher runs even when
            the step occurs once on both sides, so a prediction at or before its GT frame is paired
            with an unrelated event), ``"storm"`` (reproduces STORM-PSR's ``evaluation/utils/utils.py``:
            |Δ| with 0 → ∞, also run for a single occurrence, so an exact-frame prediction is rejected:
            the GT against itself scores F1 ≈ 0.28 on IMPACT) — all three keep the reference's
            fallbacks, so a repeated label can be mismatched even when the prediction equals the GT — or
            ``"nearest"`` (proceval's corrected variant, no official evaluator: nearest unused
            same-label event by |Δ|, 0 allowed).
        empty_video: per-video F1 when GT and prediction are both empty: ``"guard"`` (default; the
            official 1e-6 guards give ≈ 6.7e-7, i.e. 0) or ``"one"``.
        no_delay: per-video delay when no GT event has a defined delay: ``"zero"`` (0 frames, IMPACT
            ms_tcn2 / Gemini / STORM-IMPACT; default) or ``"industreal"`` (100 frames).
        occurrences: ``"all"`` (default) or ``"first"`` (keep only the first event of each label in GT and
            prediction, the Gemini evaluator's first-completion semantics).
        sample_rate: frame subsampling factor; delay seconds = frames · sample_rate / fps.
        win_size: STORM-PSR's temporal window (frames) for its reordering of the prediction before POS
            (:func:`storm_reorder`); None (default) scores the predicted order as given.
        num_frames: optional number of frames of each video (same units as the event frames; a list
            aligned with ``references`` or a mapping by video id): an event at frame ``>= num_frames``
            is past the video's end and raises.
        ids: ids for aligned-list inputs (error messages, per-video output).
        return_per_video: add ``per_video`` (id → that video's statistics).
        bootstrap: number of video resamples for percentile CIs (0 = none).
        confidence: CI coverage.
        seed: bootstrap seed.
        paired_predictions: a second system's predictions for a paired bootstrap comparison.

    Returns:
        ``mean_f1``, ``overall_f1`` and ``mean_pos`` in [0, 1] (higher is better); ``mean_delay_frames``
        and ``mean_delay_s`` (≥ 0, lower is better; mean over videos of the per-video mean delay);
        ``system_tp``, ``system_fp``, ``system_fn``, ``perception_fp``, ``perception_fn`` (summed
        counts, named as IndustReal's ``system_TPs`` ...), ``num_videos``, ``signature``; optional
        ``per_video`` (with ``num_gt`` / ``num_pred`` events), ``ci``/``ci_level``, ``paired``.

    Raises:
        InputValidationError: bad options, malformed events, unknown labels, events out of time order
            or past a video's end, missing/duplicated ids, cyclic prerequisites on a video's GT.

    Example:
        >>> gt = [[{"frame": 10, "label": "a"}, {"frame": 20, "label": "b"}]]
        >>> pr = [[{"frame": 13, "label": "b"}, {"frame": 16, "label": "a"}]]
        >>> r = psr_scores(pr, gt, fps=30, prereq={})
        >>> round(r["mean_f1"], 4), r["mean_delay_frames"], r["mean_pos"], r["system_fp"]
        (0.6667, 6.0, 1.0, 1)
    """
    options = PsrOptions(
        pos_variant=pos_variant,
        matching=matching,
        empty_video=empty_video,
        no_delay=no_delay,
        occurrences=occurrences,
        sample_rate=sample_rate,
        win_size=win_size,
    )
    uncertainty = Uncertainty(bootstrap, confidence, seed, paired=paired_predictions is not None)
    fps = _check_inputs(fps, prereq, options.pos_variant)
    steps = None if labels is None else list(dict.fromkeys(labels))
    lengths = _video_lengths(num_frames, references)

    def stats_of(preds: Any) -> tuple[list[Any], list[dict[str, Any]]]:
        units = pair_units(preds, references, ids, id_name="ids")
        stats = [
            _psr_update(
                p,
                r,
                options,
                unit_id=uid,
                prereq=prereq,
                labels=steps,
                num_frames=lengths(uid, i),
            )
            for i, (uid, p, r) in enumerate(units)
        ]
        return [u[0] for u in units], stats

    unit_ids, stats = stats_of(predictions)

    def compute(s: Sequence[Mapping[str, Any]]) -> dict[str, float]:
        return _psr_compute(s, fps=fps, sample_rate=options.sample_rate)

    result: dict[str, Any] = compute(stats)
    result["signature"] = psr_signature(options, uncertainty, fps=fps, prereq=prereq, labels=labels)
    if return_per_video:
        result["per_video"] = dict(zip(unit_ids, stats, strict=True))
    paired_stats = stats_of(paired_predictions)[1] if paired_predictions is not None else None
    return with_uncertainty(result, stats, compute, uncertainty=uncertainty, paired_units=paired_stats)


__all__ = [
    "NO_DELAY_FRAMES",
    "PsrOptions",
    "f1_with_guards",
    "prereq_digest",
    "procedure_order_similarity",
    "psr_scores",
    "psr_signature",
    "storm_reorder",
]
