"""Temporal action segmentation scores: frame accuracy (MoF), Edit and F1@{10,25,50}.

Reproduces the MS-TCN reference evaluator (``yabufarha/ms-tcn`` ``eval.py``) and the four copies of it
used by the IMPACT baselines (TAS-S, TAS-BL/BR and any frame-label task), whose background handling and
aggregation differ. Each difference is an explicit option; ``convention`` picks a preset of them.

Definitions (frames are 0-based; segment ends are **exclusive**, ``end = last + 1``):

* **Segments**: maximal runs of one label; runs whose label is in ``ignore_labels`` are dropped.
* **Edit** (per video): ``1 - Levenshtein(P, Y) / max(|P|, |Y|)`` over the segment label sequences
  (unit costs). The reported Edit is always the mean over videos.
* **F1@tau**: predicted segments are visited in time order; each one's best GT segment ``g*`` is the
  first argmax of ``IoU`` (0 for a different label). It is a TP if ``IoU >= tau`` and ``g*`` is not hit
  yet (then ``g*`` is hit), otherwise a FP, even when another unhit GT segment would qualify (the
  reference's greedy quirk). ``FN = #GT segments - #hits``.
* **Accuracy**: correct frames / frames, over all frames or over frames whose GT label is not ignored.

Conventions (``convention=``):

============  ===============  ================  =========  =============  =======================
preset        ignore_labels    background_mode   aggregate  accuracy       other
============  ===============  ================  =========  =============  =======================
``mstcn``     ``[0]``          drop_segments     pooled     all frames     (default; the reference)
``fact``      ``[0]``          drop_segments     pooled     foreground     F1 eps 1e-5, Edit skips
                                                                           empty/empty videos
``ltcontext`` ``[0]``          mask_gt_frames    per_video  foreground
``asquery``   ``[]``           drop_segments     pooled     all frames     F1 = 1e-6 when P+R = 0
``diffact``   ``[]``           drop_segments     pooled     all frames     last segment 1 frame short
============  ===============  ================  =========  =============  =======================

Degenerate-case policies: a video whose prediction and GT both have no segments gets Edit 1.0
(``empty_edit="perfect"``; the reference divides by zero) or is left out of the Edit mean
(``empty_edit="skip"``, FACT). Predicted segments of a video with no GT segments are all FPs (the
reference crashes on ``argmax`` of an empty array). F1 with no TP is ``f1_undefined`` (0 by default).
Accuracy with no counted frames is 0 (LTContext's ``careful_divide``).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal, NamedTuple, get_args

import numpy as np

from proceval.errors import InputValidationError
from proceval.scores._checks import check_num_classes
from proceval.scores._frames import label_lookup, pair_videos, resolve_label_set
from proceval.scores.bootstrap import with_uncertainty
from proceval.scores.options import ScoreOptions, Uncertainty, check_fraction, opt
from proceval.scores.signature import score_signature

TasConvention = Literal["mstcn", "fact", "ltcontext", "asquery", "diffact"]
TAS_CONVENTIONS: tuple[str, ...] = get_args(TasConvention)
BackgroundMode = Literal["drop_segments", "mask_gt_frames"]
Aggregate = Literal["pooled", "per_video"]
AccuracyFrames = Literal["all", "foreground"]
LastSegmentEnd = Literal["exclusive", "diffact_minus_one"]
EmptyEdit = Literal["perfect", "skip"]

DEFAULT_CONVENTION = "mstcn"
DEFAULT_OVERLAPS: tuple[float, ...] = (0.1, 0.25, 0.5)
_PRESET_FIELDS: tuple[str, ...] = (
    "ignore_labels",
    "background_mode",
    "aggregate",
    "accuracy_frames",
    "f1_epsilon",
    "f1_undefined",
    "last_segment_end",
    "empty_edit",
)


def f1_key(overlap: float) -> str:
    """Result key of F1 at IoU threshold ``overlap``: ``0.1 -> "f1_at_10"``, ``0.25 -> "f1_at_25"``."""
    pct = round(overlap * 100, 6)
    return f"f1_at_{pct:g}".replace(".", "_")


@dataclass(frozen=True)
class TasOptions(ScoreOptions):
    """Every option that changes a TAS number (see the module docstring).

    ``convention`` names a preset; an option left ``None`` takes the preset's value on construction,
    so a constructed object holds the options actually used.
    """

    score_name: ClassVar[str] = "tas"
    convention: TasConvention = opt(DEFAULT_CONVENTION, "conv")
    ignore_labels: tuple[int | str, ...] | None = opt(None, "ign")
    background_mode: BackgroundMode | None = opt(None, "bg")
    aggregate: Aggregate | None = opt(None, "agg")
    accuracy_frames: AccuracyFrames | None = opt(None, "acc")
    overlaps: tuple[float, ...] = opt(DEFAULT_OVERLAPS, "thr")
    f1_epsilon: float | None = opt(None, "eps")
    f1_undefined: float | None = opt(None, "f1undef")
    last_segment_end: LastSegmentEnd | None = opt(None, "end")
    empty_edit: EmptyEdit | None = opt(None, "emptyedit")

    def check(self) -> None:
        """Check the non-choice options, then fill the ``None`` ones from the convention's preset."""
        ignore = self.ignore_labels
        if ignore is not None:
            if isinstance(ignore, (str, bytes)) or not isinstance(
                ignore, (Sequence, set, frozenset, np.ndarray)
            ):
                raise InputValidationError(
                    "Expected argument `ignore_labels` to be a list of label ids or names, "
                    f"but got {ignore!r}."
                )
            object.__setattr__(self, "ignore_labels", tuple(ignore))
        overlaps = self.overlaps
        if (
            isinstance(overlaps, (str, bytes))
            or not isinstance(overlaps, (Sequence, np.ndarray))
            or len(overlaps) == 0
            or not all(
                isinstance(t, (int, float, np.floating, np.integer))
                and not isinstance(t, bool)
                and 0.0 < float(t) <= 1.0
                for t in overlaps
            )
        ):
            raise InputValidationError(
                f"Expected argument `overlaps` to be floats in (0, 1], but got {overlaps!r}."
            )
        if len({f1_key(float(t)) for t in overlaps}) != len(overlaps):
            raise InputValidationError(f"Expected distinct values in `overlaps`, but got {overlaps!r}.")
        object.__setattr__(self, "overlaps", tuple(float(t) for t in overlaps))
        for name in ("f1_epsilon", "f1_undefined"):
            value = getattr(self, name)
            if value is None:
                continue
            check_fraction(name, value, high_open=True)
            object.__setattr__(self, name, float(value))
        if self.convention in TAS_PRESETS:  # absent only while the presets themselves are built
            preset = TAS_PRESETS[self.convention]
            for name in _PRESET_FIELDS:
                if getattr(self, name) is None:
                    object.__setattr__(self, name, getattr(preset, name))


TAS_PRESETS: dict[str, TasOptions] = {}
TAS_PRESETS["mstcn"] = TasOptions(
    "mstcn", (0,), "drop_segments", "pooled", "all", DEFAULT_OVERLAPS, 0.0, 0.0, "exclusive", "perfect"
)
TAS_PRESETS["fact"] = replace(
    TAS_PRESETS["mstcn"], convention="fact", accuracy_frames="foreground", f1_epsilon=1e-5, empty_edit="skip"
)
TAS_PRESETS["ltcontext"] = replace(
    TAS_PRESETS["mstcn"],
    convention="ltcontext",
    background_mode="mask_gt_frames",
    aggregate="per_video",
    accuracy_frames="foreground",
)
TAS_PRESETS["asquery"] = replace(
    TAS_PRESETS["mstcn"], convention="asquery", ignore_labels=(), f1_undefined=1e-6
)
TAS_PRESETS["diffact"] = replace(
    TAS_PRESETS["mstcn"], convention="diffact", ignore_labels=(), last_segment_end="diffact_minus_one"
)


class TasVideoStats(NamedTuple):
    """Sufficient statistics of one video (counts; ``edit`` is a fraction, NaN when both sides are empty)."""

    n_frames: int
    n_correct: int
    n_fg_frames: int
    n_fg_correct: int
    edit: float
    n_pred_segments: int
    n_gt_segments: int
    tp: tuple[int, ...]


def _is_ignored(labels: np.ndarray, ignore_ids: tuple[int, ...]) -> np.ndarray:
    """Boolean mask of ``labels`` that are in ``ignore_ids`` (a handful of ids: one comparison each)."""
    if len(ignore_ids) > 8:
        return np.isin(labels, ignore_ids)
    mask = np.zeros(labels.shape, dtype=bool)
    for label in ignore_ids:
        mask |= labels == label
    return mask


class _Segs(NamedTuple):
    """Segments of several videos laid end to end: frame positions are global, ``vid`` is the video index."""

    labels: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    vid: np.ndarray


def _segments(
    frames: np.ndarray, vid: np.ndarray, ignore_ids: tuple[int, ...], last_minus_one: bool
) -> _Segs:
    """Non-ignored runs of concatenated per-video ``frames`` (``vid`` = video index of each frame).

    A run never crosses a video boundary; ends are exclusive, or one frame short for the last run of each
    video with ``last_minus_one`` (DiffAct appends the loop index ``T - 1`` instead of ``T``).
    """
    if frames.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return _Segs(empty, empty, empty, empty)
    change = np.flatnonzero((frames[1:] != frames[:-1]) | (vid[1:] != vid[:-1])) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [frames.size]))
    labels, seg_vid = frames[starts], vid[starts]
    if last_minus_one:
        ends[np.flatnonzero(np.append(seg_vid[1:] != seg_vid[:-1], True))] -= 1
    if ignore_ids:
        keep = ~_is_ignored(labels, ignore_ids)
        return _Segs(labels[keep], starts[keep], ends[keep], seg_vid[keep])
    return _Segs(labels, starts, ends, seg_vid)


def _greedy_tp(pred: _Segs, gt: _Segs, n_videos: int, overlaps: Sequence[float]) -> np.ndarray:
    """TP count per video and threshold, shape ``(n_videos, len(overlaps))``, under the greedy matching.

    Each predicted segment's best GT segment is the first argmax of IoU over the GT segments of its video
    (IoU 0 for another label). Only overlapping pairs can reach IoU >= tau > 0, so only those are formed
    (found with ``searchsorted``; GT segments are disjoint and sorted); a row whose best IoU is <= 0 is a
    FP whatever its argmax, and so is an empty DiffAct segment (its IoU is <= 0 or 0/0 = NaN in the
    reference). The first prediction pointing at a GT segment with IoU >= tau hits it and later ones are
    FPs, so a GT segment is hit at tau iff the best IoU pointing at it is >= tau.
    """
    tp = np.zeros((n_videos, len(overlaps)), dtype=np.int64)
    if pred.labels.size == 0 or gt.labels.size == 0:
        return tp
    lo = np.searchsorted(gt.ends, pred.starts, side="right")  # first GT ending after the prediction starts
    hi = np.searchsorted(gt.starts, pred.ends, side="left")  # GT starting before the prediction ends
    count = np.maximum(hi - lo, 0)
    n_pairs = int(count.sum())
    if n_pairs == 0:
        return tp
    rows = np.repeat(np.arange(pred.labels.size), count)
    g = lo[rows] + (np.arange(n_pairs) - (np.cumsum(count) - count)[rows])
    p_s, p_e, y_s, y_e = pred.starts[rows], pred.ends[rows], gt.starts[g], gt.ends[g]
    inter = np.minimum(p_e, y_e) - np.maximum(p_s, y_s)
    union = np.maximum(p_e, y_e) - np.minimum(p_s, y_s)
    # the reference's float division (int64 -> float64); 0/0 only for two empty segments: a FP either way
    iou = np.divide(inter, union, out=np.zeros(n_pairs), where=union != 0)
    iou[pred.labels[rows] != gt.labels[g]] = 0.0
    order = np.lexsort((g, -iou, rows))  # per row: highest IoU first, then the lowest GT index (argmax)
    first = order[np.concatenate(([0], np.flatnonzero(np.diff(rows[order])) + 1))]
    best_iou, best_g = iou[first], g[first]
    positive = best_iou > 0
    best_per_gt = np.zeros(gt.labels.size)
    np.maximum.at(best_per_gt, best_g[positive], best_iou[positive])
    for k, tau in enumerate(overlaps):
        tp[:, k] = np.bincount(gt.vid[best_per_gt >= tau], minlength=n_videos)
    return tp


def _tas_update_many(
    videos: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    ignore_ids: Sequence[int] = (0,),
    overlaps: Sequence[float] = DEFAULT_OVERLAPS,
    background_mode: str = "drop_segments",
    last_segment_end: str = "exclusive",
) -> list[TasVideoStats]:
    """:func:`_tas_update` for many videos at once (the videos are laid end to end and processed together)."""
    n_videos = len(videos)
    if n_videos == 0:
        return []
    lengths = np.array([np.asarray(r).size for _, r in videos], dtype=np.int64)
    pred = np.concatenate([np.asarray(p, dtype=np.int64).ravel() for p, _ in videos])
    ref = np.concatenate([np.asarray(r, dtype=np.int64).ravel() for _, r in videos])
    vid = np.repeat(np.arange(n_videos), lengths)
    ignore = tuple(sorted({int(i) for i in ignore_ids}))
    correct = pred == ref
    fg = ~_is_ignored(ref, ignore)
    bounds = np.concatenate(([0], np.cumsum(lengths)))

    def per_video_count(mask: np.ndarray) -> list[int]:
        return [int(np.count_nonzero(mask[bounds[v] : bounds[v + 1]])) for v in range(n_videos)]

    n_correct, n_fg, n_fg_correct = (
        per_video_count(correct),
        per_video_count(fg),
        per_video_count(correct & fg),
    )
    if background_mode == "mask_gt_frames" and ignore:
        pred, ref, vid = pred[fg], ref[fg], vid[fg]
    last_minus_one = last_segment_end == "diffact_minus_one"
    p_segs = _segments(pred, vid, ignore, last_minus_one)
    y_segs = _segments(ref, vid, ignore, last_minus_one)
    p_bounds = np.searchsorted(p_segs.vid, np.arange(n_videos + 1))
    y_bounds = np.searchsorted(y_segs.vid, np.arange(n_videos + 1))
    tp = _greedy_tp(p_segs, y_segs, n_videos, overlaps)
    from rapidfuzz.distance import Levenshtein  # imported on first use: declaring the task does not need it

    out = []
    for v in range(n_videos):
        p_lab = p_segs.labels[p_bounds[v] : p_bounds[v + 1]]
        y_lab = y_segs.labels[y_bounds[v] : y_bounds[v + 1]]
        denom = max(p_lab.size, y_lab.size)
        edit = 1.0 - Levenshtein.distance(p_lab.tolist(), y_lab.tolist()) / denom if denom else math.nan
        out.append(
            TasVideoStats(
                n_frames=int(lengths[v]),
                n_correct=int(n_correct[v]),
                n_fg_frames=int(n_fg[v]),
                n_fg_correct=int(n_fg_correct[v]),
                edit=edit,
                n_pred_segments=int(p_lab.size),
                n_gt_segments=int(y_lab.size),
                tp=tuple(int(t) for t in tp[v]),
            )
        )
    return out


def _tas_update(
    pred: np.ndarray,
    ref: np.ndarray,
    *,
    ignore_ids: Sequence[int] = (0,),
    overlaps: Sequence[float] = DEFAULT_OVERLAPS,
    background_mode: str = "drop_segments",
    last_segment_end: str = "exclusive",
) -> TasVideoStats:
    """Sufficient statistics of one video from its predicted and GT frame-label id arrays (equal length)."""
    return _tas_update_many(
        [(pred, ref)],
        ignore_ids=ignore_ids,
        overlaps=overlaps,
        background_mode=background_mode,
        last_segment_end=last_segment_end,
    )[0]


def _f1(tp: float, fp: float, fn: float, epsilon: float, undefined: float) -> float:
    """F1 from counts: the reference formula, with FACT's epsilons or a value for the 0/0 case."""
    if epsilon > 0.0:
        precision = tp / (tp + fp + epsilon)
        recall = tp / (tp + fn + epsilon)
        return 2.0 * (precision * recall) / (precision + recall + epsilon)
    if tp == 0:
        return undefined
    precision = tp / (tp + fp)
    recall = tp / (tp + fn)
    return 2.0 * (precision * recall) / (precision + recall)


def _divide(num: float, den: float) -> float:
    return num / den if den else 0.0


def _tas_compute(
    stats: Sequence[TasVideoStats],
    *,
    overlaps: Sequence[float] = DEFAULT_OVERLAPS,
    aggregate: str = "pooled",
    accuracy_frames: str = "all",
    f1_epsilon: float = 0.0,
    f1_undefined: float = 0.0,
    empty_edit: str = "perfect",
) -> dict[str, float]:
    """Scores (fractions in [0, 1]) from per-video statistics.

    Returns:
        ``accuracy`` (the convention's accuracy), ``accuracy_all_frames``, ``accuracy_foreground``, ``edit``
        (always the mean over videos; NaN only when ``empty_edit="skip"`` leaves no video) and one
        ``f1_at_<pct>`` per threshold.
    """
    out: dict[str, float] = {}
    if aggregate == "pooled":
        acc_all = _divide(sum(s.n_correct for s in stats), sum(s.n_frames for s in stats))
        acc_fg = _divide(sum(s.n_fg_correct for s in stats), sum(s.n_fg_frames for s in stats))
    else:
        acc_all = float(np.mean([_divide(s.n_correct, s.n_frames) for s in stats]))
        acc_fg = float(np.mean([_divide(s.n_fg_correct, s.n_fg_frames) for s in stats]))
    out["accuracy"] = acc_fg if accuracy_frames == "foreground" else acc_all
    out["accuracy_all_frames"] = acc_all
    out["accuracy_foreground"] = acc_fg
    edits = (
        [s.edit for s in stats if not math.isnan(s.edit)]
        if empty_edit == "skip"
        else [1.0 if math.isnan(s.edit) else s.edit for s in stats]
    )
    out["edit"] = float(np.mean(edits)) if edits else math.nan
    for k, tau in enumerate(overlaps):
        if aggregate == "pooled":
            tp = float(sum(s.tp[k] for s in stats))
            fp = float(sum(s.n_pred_segments for s in stats)) - tp
            fn = float(sum(s.n_gt_segments for s in stats)) - tp
            f1 = _f1(tp, fp, fn, f1_epsilon, f1_undefined)
        else:
            f1 = float(
                np.mean(
                    [
                        _f1(
                            s.tp[k],
                            s.n_pred_segments - s.tp[k],
                            s.n_gt_segments - s.tp[k],
                            f1_epsilon,
                            f1_undefined,
                        )
                        for s in stats
                    ]
                )
            )
        out[f1_key(tau)] = float(f1)
    return out


def _per_video(
    video_ids: Sequence[Hashable],
    stats: Sequence[TasVideoStats],
    options: TasOptions,
    overlaps: Sequence[float],
) -> dict[Hashable, dict[str, float]]:
    out: dict[Hashable, dict[str, float]] = {}
    for vid, s in zip(video_ids, stats, strict=True):
        row = {
            "accuracy": _divide(s.n_fg_correct, s.n_fg_frames)
            if options.accuracy_frames == "foreground"
            else _divide(s.n_correct, s.n_frames),
            "edit": (1.0 if options.empty_edit == "perfect" else math.nan) if math.isnan(s.edit) else s.edit,
        }
        for k, tau in enumerate(overlaps):
            row[f1_key(tau)] = float(
                _f1(
                    s.tp[k],
                    s.n_pred_segments - s.tp[k],
                    s.n_gt_segments - s.tp[k],
                    options.f1_epsilon,
                    options.f1_undefined,
                )
            )
        out[vid] = row
    return out


def tas_scores(
    predictions: Sequence[Any] | Mapping[Hashable, Any],
    references: Sequence[Any] | Mapping[Hashable, Any],
    *,
    convention: TasConvention = DEFAULT_CONVENTION,
    ignore_labels: Sequence[int | str] | None = None,
    background_mode: BackgroundMode | None = None,
    aggregate: Aggregate | None = None,
    accuracy_frames: AccuracyFrames | None = None,
    overlaps: Sequence[float] = DEFAULT_OVERLAPS,
    f1_epsilon: float | None = None,
    f1_undefined: float | None = None,
    last_segment_end: LastSegmentEnd | None = None,
    empty_edit: EmptyEdit | None = None,
    label_names: Sequence[str] | None = None,
    num_classes: int | None = None,
    ids: Sequence[Hashable] | None = None,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | Mapping[Hashable, Any] | None = None,
) -> dict[str, Any]:
    """Frame accuracy, Edit and F1@overlaps of temporal action segmentation, per an official convention.

    Args:
        predictions: per-video predicted frame labels (1-D int ids or label names, one per frame), as a
            list aligned with ``references`` or a mapping keyed by video id.
        references: per-video ground-truth frame labels, the same container kind as ``predictions``.
        convention: preset of the options below: ``"mstcn"`` (default), ``"fact"``, ``"ltcontext"``,
            ``"asquery"``, ``"diffact"``. Options given explicitly override the preset.
        ignore_labels: background label ids or names (preset: ``[0]`` = NULL for mstcn/fact/ltcontext).
        background_mode: ``"drop_segments"`` drops ignored runs before Edit/F1 (MS-TCN/FACT);
            ``"mask_gt_frames"`` deletes frames whose GT is ignored from both sequences first (LTContext).
        aggregate: ``"pooled"`` (accuracy over all frames, F1 from summed TP/FP/FN) or
            ``"per_video"`` (each score per video, then the mean; LTContext). Edit is a mean over videos
            either way.
        accuracy_frames: which frames ``accuracy`` counts: ``"all"``, or ``"foreground"`` (GT not ignored).
        overlaps: IoU thresholds in (0, 1] (default 0.1, 0.25, 0.5).
        f1_epsilon: FACT's epsilon in precision, recall and F1 (0 = none).
        f1_undefined: F1 when there is no TP (0; ASQuery reports 1e-6).
        last_segment_end: ``"exclusive"`` or ``"diffact_minus_one"`` (DiffAct's last segment ends one
            frame early).
        empty_edit: Edit of a video with no segments on either side: ``"perfect"`` (1.0) or ``"skip"`` (FACT).
        label_names: the label map (names indexed by id), needed for names in the inputs or ``ignore_labels``.
        num_classes: the label map's size: ids must lie in ``[0, num_classes)``. Default:
            ``len(label_names)``, else 1 + the largest reference id (a prediction id above every
            reference id is then an error: pass ``num_classes`` when the label map is larger).
        ids: ids of list inputs, for messages and ``per_video`` (default 0..n-1).
        bootstrap: number of bootstrap resamples of videos for ``ci`` (0 = none).
        confidence: coverage of the bootstrap interval.
        seed: bootstrap seed.
        paired_predictions: a second system's predictions on the same references, for ``paired``.

    Returns:
        A dict with ``accuracy``, ``accuracy_all_frames``, ``accuracy_foreground``, ``edit``,
        ``f1_at_10``, ``f1_at_25``, ``f1_at_50`` (fractions in [0, 1], higher is better; the official
        tables print x100), ``num_videos``, ``num_frames``, ``per_video`` (``{video_id: {accuracy, edit,
        f1_at_*}}``), ``signature``, and ``ci`` / ``ci_level`` / ``paired`` when asked for.

    Raises:
        InputValidationError: bad options, mismatched or duplicate ids, a length mismatch (naming the video
            and both lengths), unknown labels, ids outside ``[0, num_classes)``, NaN or non-integer float
            labels, a mix of ids and names, or empty videos (each naming the video and the frame).

    Example:
        >>> ref = [[1, 1, 0, 0, 2, 2]]
        >>> pred = [[1, 1, 1, 0, 2, 2]]
        >>> out = tas_scores(pred, ref)
        >>> round(out["accuracy"], 4), out["edit"], out["f1_at_50"]
        (0.8333, 1.0, 1.0)
    """
    options = TasOptions(
        convention=convention,
        ignore_labels=ignore_labels,
        background_mode=background_mode,
        aggregate=aggregate,
        accuracy_frames=accuracy_frames,
        overlaps=overlaps,
        f1_epsilon=f1_epsilon,
        f1_undefined=f1_undefined,
        last_segment_end=last_segment_end,
        empty_edit=empty_edit,
    )
    uncertainty = Uncertainty(bootstrap, confidence, seed, paired=paired_predictions is not None)
    overlaps = options.overlaps
    lookup = label_lookup(label_names)
    num_classes = check_num_classes(num_classes, label_names)
    ignore_ids = resolve_label_set(options.ignore_labels, lookup, "ignore_labels")

    def stats_of(preds: Any, what: str) -> tuple[list[Hashable], list[TasVideoStats]]:
        videos = pair_videos(
            preds,
            references,
            ids=ids,
            label_to_id=lookup,
            num_classes=num_classes,
            what=what,
            infer_range=True,
        )
        stats = _tas_update_many(
            [(p, r) for _, p, r in videos],
            ignore_ids=ignore_ids,
            overlaps=overlaps,
            background_mode=options.background_mode,
            last_segment_end=options.last_segment_end,
        )
        return [v[0] for v in videos], stats

    video_ids, stats = stats_of(predictions, "predictions")

    def compute(units: Sequence[TasVideoStats]) -> dict[str, float]:
        return _tas_compute(
            units,
            overlaps=overlaps,
            aggregate=options.aggregate,
            accuracy_frames=options.accuracy_frames,
            f1_epsilon=options.f1_epsilon,
            f1_undefined=options.f1_undefined,
            empty_edit=options.empty_edit,
        )

    result: dict[str, Any] = compute(stats)
    result["num_videos"] = len(stats)
    result["num_frames"] = int(sum(s.n_frames for s in stats))
    result["per_video"] = _per_video(video_ids, stats, options, overlaps)
    paired_units = (
        stats_of(paired_predictions, "paired_predictions")[1] if paired_predictions is not None else None
    )
    result = with_uncertainty(
        result,
        stats,
        compute,
        uncertainty=uncertainty,
        paired_units=paired_units,
    )
    signed = replace(options, ignore_labels=tuple(ignore_ids))
    result["signature"] = score_signature("tas", signed, uncertainty)
    return result
