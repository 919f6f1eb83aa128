"""Procedural phase recognition (IMPACT PPR-L / PPR-R): accuracy, Macro-F1 and per-class F1.

Frames carry one of three phases, ``0 NORMAL``, ``1 ANOMALY``, ``2 RECOVERY`` (``PPR/mapping_PPR.txt``);
there is no background class and nothing is ignored. For each class ``k``, with frame counts ``tp``,
``fp``, ``fn`` and ``eps = 1e-8`` (the IMPACT evaluators' formula, spec section 9)::

    P_k = tp / (tp + fp + eps)     R_k = tp / (tp + fn + eps)     F1_k = 2 * P_k * R_k / (P_k + R_k + eps)

so a class that is absent and never predicted scores ``F1 = 0`` (not 1, and not skipped).
``macro_f1`` is the mean of the three class F1s; ``accuracy`` is the fraction of correct frames.

Aggregation (``aggregate=``): ``"pooled"`` (default) concatenates the frames of all videos before
counting, as the ASQuery, DiffAct and FACT evaluators do; ``"per_video"`` scores each video and averages
over videos, as LTContext does, which gives a video without recovery frames ``F1_recovery = 0`` and so
caps its Macro-F1 at 2/3. Pooled is the default because three of the four IMPACT PPR evaluators use it
and it is the usual frame-level definition.

Optionally (``tas_convention=``) the TAS metrics (accuracy, Edit, F1@k) are also computed on the phase
labels with :func:`proceval.scores.tas.tas_scores` under that convention, with ``ignore_labels=[]``:
PPR has no background, and the presets' ``[0]`` would wrongly drop NORMAL.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, NamedTuple

import numpy as np

from proceval.scores._frames import label_lookup, pair_videos
from proceval.scores.bootstrap import with_uncertainty
from proceval.scores.options import ScoreOptions, Uncertainty, opt
from proceval.scores.signature import score_signature
from proceval.scores.tas import TasConvention, tas_scores

PPR_LABEL_NAMES: tuple[str, ...] = ("NORMAL", "ANOMALY", "RECOVERY")
PPR_CLASSES: tuple[str, ...] = ("normal", "anomaly", "recovery")
PPR_EPSILON = 1e-8
PprAggregate = Literal["pooled", "per_video"]
DEFAULT_AGGREGATE = "pooled"


@dataclass(frozen=True)
class PprOptions(ScoreOptions):
    """Every option that changes a PPR number (see the module docstring)."""

    score_name: ClassVar[str] = "ppr"
    aggregate: PprAggregate = opt(DEFAULT_AGGREGATE, "agg")
    tas_convention: TasConvention | None = opt(None, "tas")


class PprVideoStats(NamedTuple):
    """Frame counts of one video: totals and per-class ``tp``, ``fp``, ``fn`` (in class order)."""

    n_frames: int
    n_correct: int
    tp: tuple[int, ...]
    fp: tuple[int, ...]
    fn: tuple[int, ...]


def _stats_from_confusion(conf: list[list[int]]) -> PprVideoStats:
    """Statistics from a confusion matrix ``conf[gt][pred]`` (nested lists of ints)."""
    n = len(conf)
    tp = [conf[k][k] for k in range(n)]
    return PprVideoStats(
        n_frames=sum(map(sum, conf)),
        n_correct=sum(tp),
        tp=tuple(tp),
        fp=tuple(sum(conf[g][k] for g in range(n)) - tp[k] for k in range(n)),
        fn=tuple(sum(conf[k]) - tp[k] for k in range(n)),
    )


def _ppr_update_many(
    videos: Sequence[tuple[np.ndarray, np.ndarray]], num_classes: int = len(PPR_CLASSES)
) -> list[PprVideoStats]:
    """:func:`_ppr_update` for many videos (one ``bincount`` of ``GT * C + prediction`` codes per video)."""
    cells = num_classes * num_classes
    out = []
    for pred, ref in videos:
        code = np.asarray(ref, dtype=np.int64) * num_classes
        code += np.asarray(pred, dtype=np.int64)
        out.append(
            _stats_from_confusion(np.bincount(code, minlength=cells).reshape(num_classes, -1).tolist())
        )
    return out


def _ppr_update(pred: np.ndarray, ref: np.ndarray, num_classes: int = len(PPR_CLASSES)) -> PprVideoStats:
    """Confusion counts of one video from predicted and GT phase ids (equal length, ids in [0, 3))."""
    return _ppr_update_many([(pred, ref)], num_classes)[0]


def _class_f1(tp: float, fp: float, fn: float, eps: float = PPR_EPSILON) -> float:
    precision = tp / (tp + fp + eps)
    recall = tp / (tp + fn + eps)
    return float(2.0 * precision * recall / (precision + recall + eps))


def _scores_of(
    n_frames: int, n_correct: int, tp: Sequence[int], fp: Sequence[int], fn: Sequence[int]
) -> dict:
    f1s = [_class_f1(tp[k], fp[k], fn[k]) for k in range(len(PPR_CLASSES))]
    out = {"accuracy": n_correct / n_frames, "macro_f1": float(np.mean(f1s))}
    for name, value in zip(PPR_CLASSES, f1s, strict=True):
        out[f"f1_{name}"] = value
    return out


def _ppr_compute(stats: Sequence[PprVideoStats], *, aggregate: str = DEFAULT_AGGREGATE) -> dict[str, float]:
    """Scores from statistics: ``accuracy``, ``macro_f1``, ``f1_normal``, ``f1_anomaly``, ``f1_recovery``."""
    if aggregate == "pooled":
        n_cls = len(PPR_CLASSES)
        return _scores_of(
            sum(s.n_frames for s in stats),
            sum(s.n_correct for s in stats),
            [sum(s.tp[k] for s in stats) for k in range(n_cls)],
            [sum(s.fp[k] for s in stats) for k in range(n_cls)],
            [sum(s.fn[k] for s in stats) for k in range(n_cls)],
        )
    rows = [_scores_of(*s) for s in stats]
    return {key: float(np.mean([r[key] for r in rows])) for key in rows[0]}


def ppr_scores(
    predictions: Sequence[Any] | Mapping[Hashable, Any],
    references: Sequence[Any] | Mapping[Hashable, Any],
    *,
    aggregate: PprAggregate = DEFAULT_AGGREGATE,
    tas_convention: TasConvention | None = None,
    ids: Sequence[Hashable] | None = None,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | Mapping[Hashable, Any] | None = None,
) -> dict[str, Any]:
    """Phase accuracy, Macro-F1 and per-class F1 (normal / anomaly / recovery) of PPR predictions.

    Args:
        predictions: per-video predicted phases, one per frame: ids 0..2 or names ``normal`` / ``anomaly``
            / ``recovery`` (any case); a list aligned with ``references`` or a mapping keyed by video id.
        references: per-video ground-truth phases (``groundTruth_PPR_{L,R}``), same container kind.
        aggregate: ``"pooled"`` (all frames concatenated; ASQuery / DiffAct / FACT; default) or
            ``"per_video"`` (scores per video, then the mean; LTContext).
        tas_convention: also report TAS metrics on the phase labels under this convention (see
            :func:`proceval.scores.tas.tas_scores`), with nothing ignored; None (default) skips them.
        ids: ids of list inputs, for messages and ``per_video`` (default 0..n-1).
        bootstrap: number of bootstrap resamples of videos for ``ci`` (0 = none).
        confidence: coverage of the bootstrap interval.
        seed: bootstrap seed.
        paired_predictions: a second system's predictions on the same references, for ``paired``.

    Returns:
        A dict with ``accuracy``, ``macro_f1``, ``f1_normal``, ``f1_anomaly``, ``f1_recovery`` (fractions in
        [0, 1], higher is better; the paper prints x100), ``per_class_f1`` (``{class: F1}``),
        ``num_videos``, ``num_frames``, ``per_video`` (``{video_id: {...}}``), ``signature``, ``tas`` when
        ``tas_convention`` is given, and ``ci`` / ``ci_level`` / ``paired`` when asked for.

    Raises:
        InputValidationError: bad options, mismatched or duplicate ids, a length mismatch, an unknown
            phase name or an id outside 0..2.

    Example:
        >>> out = ppr_scores([[0, 0, 1, 1]], [[0, 0, 1, 2]])
        >>> out["accuracy"], round(out["f1_anomaly"], 4), round(out["f1_recovery"], 4)
        (0.75, 0.6667, 0.0)
    """
    options = PprOptions(aggregate=aggregate, tas_convention=tas_convention)
    uncertainty = Uncertainty(bootstrap, confidence, seed, paired=paired_predictions is not None)
    lookup = label_lookup(PPR_LABEL_NAMES)

    def stats_of(preds: Any, what: str) -> tuple[list[Hashable], list[PprVideoStats]]:
        videos = pair_videos(
            preds,
            references,
            ids=ids,
            label_to_id=lookup,
            num_classes=len(PPR_CLASSES),
            what=what,
        )
        return [v[0] for v in videos], _ppr_update_many([(p, r) for _, p, r in videos])

    unit_ids, stats = stats_of(predictions, "predictions")

    def compute(units: Sequence[PprVideoStats]) -> dict[str, float]:
        return _ppr_compute(units, aggregate=options.aggregate)

    result: dict[str, Any] = compute(stats)
    result["per_class_f1"] = {name: result[f"f1_{name}"] for name in PPR_CLASSES}
    result["num_videos"] = len(stats)
    result["num_frames"] = int(sum(s.n_frames for s in stats))
    result["per_video"] = {vid: _scores_of(*s) for vid, s in zip(unit_ids, stats, strict=True)}
    if paired_predictions is not None:
        paired_units = stats_of(paired_predictions, "paired_predictions")[1]
    else:
        paired_units = None
    result = with_uncertainty(result, stats, compute, uncertainty=uncertainty, paired_units=paired_units)
    if options.tas_convention is not None:
        result["tas"] = tas_scores(
            predictions,
            references,
            convention=options.tas_convention,
            ignore_labels=[],
            label_names=PPR_LABEL_NAMES,
            ids=ids,
            bootstrap=bootstrap,
            confidence=confidence,
            seed=seed,
            paired_predictions=paired_predictions,
        )
    result["signature"] = score_signature("ppr", options, uncertainty, extra={"eps": PPR_EPSILON})
    return result
