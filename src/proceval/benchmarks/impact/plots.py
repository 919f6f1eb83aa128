"""IMPACT's ``Task.plots`` hooks: the pictures ``proceval evaluate --plots DIR`` draws for each task.

* TAS and PPR (per-frame labels): a segmentation timeline per video (ground truth above prediction,
  one colour per step, time in seconds from the split's ``fps``; the first :data:`MAX_VIDEOS` videos in
  split order), the pooled frame confusion matrix, and for PPR the per-class F1 bars of the result.
* ATR: one precision-recall curve per anomaly type (the non-interpolated AP of each curve is the
  result's ``per_class_ap``).
* CV-TA and CV-SMR: recall@k for k = 1 .. :data:`MAX_K` (the points at the result's k equal its
  ``overall_recall_at_<k>``).

Each hook returns plot specifications (:mod:`proceval.hub.plots`): the plotted numbers, comparable with
the result.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from proceval.errors import InputValidationError
from proceval.hub.plots import (
    Bars,
    Confusion,
    Curve,
    Curves,
    PlotSpec,
    Timeline,
    confusion_counts,
    precision_recall,
    runs,
)
from proceval.scores._checks import to_label_ids

if TYPE_CHECKING:
    import datasets

MAX_VIDEOS = 8
"""Segmentation timelines drawn per split (the first videos in split order)."""
MAX_K = 20
"""The largest k of the recall@k curves."""


def _label_names(ds: datasets.Dataset, column: str) -> list[str]:
    feat = ds.features[column]
    return list(getattr(feat, "feature", feat).names)


def _frame_pairs(
    ds: datasets.Dataset, predictions: Mapping[str, Any]
) -> list[tuple[str, float, np.ndarray, np.ndarray]]:
    """``(video_id, fps, reference ids, predicted ids)`` per video of the split, in row order."""
    names = _label_names(ds, "labels")
    lookup = {n: i for i, n in enumerate(names)}
    t = ds.select_columns(["video_id", "fps", "labels"]).to_dict()
    out = []
    for vid, fps, labels in zip(t["video_id"], t["fps"], t["labels"], strict=True):
        if vid not in predictions:
            raise InputValidationError(f"Expected a prediction for video {vid!r}, but got none.")
        pred = predictions[vid]
        pred = to_label_ids(pred if isinstance(pred, np.ndarray) else list(pred), lookup, vid)
        ref = np.asarray(labels, dtype=np.int64)
        if pred.shape != ref.shape:
            raise InputValidationError(
                f"Expected {ref.size} frame labels for video {vid!r}, but got {pred.size}."
            )
        out.append((vid, float(fps) if fps else 0.0, ref, np.asarray(pred, dtype=np.int64)))
    return out


def timelines(ds: datasets.Dataset, predictions: Mapping[str, Any], *, what: str) -> list[Timeline]:
    """One ground-truth-above-prediction timeline per video (the first :data:`MAX_VIDEOS`)."""
    names = tuple(_label_names(ds, "labels"))
    specs = []
    for vid, fps, ref, pred in _frame_pairs(ds, predictions)[:MAX_VIDEOS]:
        scale, unit = (1.0 / fps, "time (s)") if fps > 0 else (1.0, "frame")
        accuracy = float(np.mean(ref == pred)) if ref.size else math.nan
        specs.append(
            Timeline(
                name=f"timeline_{vid}",
                title=f"{what} of {vid}\nground truth (top) vs prediction, frame accuracy {accuracy:.1%}",
                tracks=(("ground truth", runs(ref, scale)), ("prediction", runs(pred, scale))),
                class_names=names,
                xlabel=unit,
            )
        )
    return specs


def frame_confusion(ds: datasets.Dataset, predictions: Mapping[str, Any], *, what: str) -> Confusion:
    """The frame confusion matrix pooled over every video of the split."""
    names = tuple(_label_names(ds, "labels"))
    pairs = _frame_pairs(ds, predictions)
    refs = np.concatenate([p[2] for p in pairs]) if pairs else np.zeros(0, np.int64)
    preds = np.concatenate([p[3] for p in pairs]) if pairs else np.zeros(0, np.int64)
    return Confusion(
        name="confusion_matrix",
        title=f"{what}: frame confusion matrix ({len(pairs)} videos, {refs.size} frames)",
        class_names=names,
        matrix=confusion_counts(refs, preds, len(names)),
        unit="frames",
    )


def tas_plots(
    ds: datasets.Dataset, predictions: Mapping[str, Any], result: Mapping[str, Any]
) -> list[PlotSpec]:
    """TAS pictures: per-video segmentation timelines and the frame confusion matrix."""
    return [*timelines(ds, predictions, what="Segmentation"), frame_confusion(ds, predictions, what="Steps")]


def per_class_f1_bars(ds: datasets.Dataset, result: Mapping[str, Any]) -> Bars:
    """The result's ``per_class_f1`` as bars, named as in the split's label names."""
    per_class = result.get("per_class_f1")
    if not isinstance(per_class, Mapping):
        raise InputValidationError("Expected the result to have `per_class_f1`, but it has none.")
    display = {n.lower(): n for n in _label_names(ds, "labels")}
    return Bars(
        name="per_class_f1",
        title="Per-class frame F1",
        labels=tuple(display.get(k.lower(), k) for k in per_class),
        values=tuple(float(v) for v in per_class.values()),
        ylabel="F1 (fraction of 1)",
    )


def ppr_plots(
    ds: datasets.Dataset, predictions: Mapping[str, Any], result: Mapping[str, Any]
) -> list[PlotSpec]:
    """PPR pictures: phase timelines per video, per-class F1 bars and the frame confusion matrix."""
    return [
        *timelines(ds, predictions, what="Procedure phases"),
        per_class_f1_bars(ds, result),
        frame_confusion(ds, predictions, what="Phases"),
    ]


def atr_plots(
    ds: datasets.Dataset, predictions: Mapping[str, Any], result: Mapping[str, Any]
) -> list[PlotSpec]:
    """ATR pictures: one precision-recall curve per anomaly type with a positive segment.

    Segments whose labels are all zero are left out when the result skipped them
    (``num_unlabeled_skipped`` > 0), as the score does.
    """
    per_class = result.get("per_class_ap")
    if not isinstance(per_class, Mapping):
        raise InputValidationError("Expected the result to have `per_class_ap`, but it has none.")
    t = ds.select_columns(["sample_id", "labels"]).to_dict()
    missing = [s for s in t["sample_id"] if s not in predictions]
    if missing:
        raise InputValidationError(
            f"Expected a prediction for every ATR segment, but {missing[:5]} are missing."
        )
    shape = (len(t["sample_id"]), len(per_class))
    scores = np.asarray([predictions[s] for s in t["sample_id"]], dtype=float).reshape(shape)
    labels = np.asarray(t["labels"], dtype=np.int8).reshape(shape)
    if result.get("num_unlabeled_skipped", 0):
        keep = labels.any(axis=1)
        scores, labels = scores[keep], labels[keep]
    curves = []
    for c, (name, ap) in enumerate(per_class.items()):
        if labels[:, c].sum() == 0:
            continue
        recall, precision = precision_recall(scores[:, c], labels[:, c])
        curves.append(
            Curve(f"{name} (AP {ap:.2f})", tuple(recall.tolist()), tuple(precision.tolist()), step=True)
        )
    absent = [name for c, name in enumerate(per_class) if labels[:, c].sum() == 0]
    note = f"\nno positive segment (not drawn): {', '.join(absent)}" if absent else ""
    return [
        Curves(
            name="precision_recall",
            title=f"Anomaly types: precision-recall ({labels.shape[0]} segments, mAP "
            f"{result.get('mean_ap', math.nan):.2f}){note}",
            curves=tuple(curves),
            xlabel="recall (fraction of positives)",
            ylabel="precision (fraction)",
            xlim=(0.0, 1.0),
        )
    ]


def _recall_curve(label: str, result: Mapping[str, Any]) -> Curve:
    ks = [k for k in range(1, MAX_K + 1) if f"overall_recall_at_{k}" in result]
    return Curve(
        label, tuple(float(k) for k in ks), tuple(float(result[f"overall_recall_at_{k}"]) for k in ks)
    )


def _recall_at_k(title: str, curves: list[Curve]) -> Curves:
    return Curves(
        name="recall_at_k",
        title=title,
        curves=tuple(curves),
        xlabel="k (gallery items retrieved)",
        ylabel="recall@k (fraction of queries)",
        xlim=(0.5, MAX_K + 0.5),
        markers=True,
        integer_x=True,
    )


def cv_ta_plots(
    ds: datasets.Dataset, predictions: Mapping[str, Any], result: Mapping[str, Any]
) -> list[PlotSpec]:
    """CV-TA pictures: recall@k (k = 1 .. :data:`MAX_K`), one line per protocol of the result."""
    from proceval.benchmarks.impact.cv_protocols import build_cv_ta_protocol
    from proceval.benchmarks.impact.cv_scoring import cv_ta_protocol_scores
    from proceval.benchmarks.impact.cv_segments import cv_segments_from_rows

    segments = cv_segments_from_rows(ds)
    ks = tuple(range(1, MAX_K + 1))
    curves = []
    for name, sub in result.items():
        if isinstance(sub, Mapping) and "overall_recall_at_1" in sub:
            scores = cv_ta_protocol_scores(predictions, build_cv_ta_protocol(segments, name), ks=ks)
            curves.append(_recall_curve(f"TA-{name}", scores))
    return [_recall_at_k("Temporal alignment: recall@k", curves)]


def cv_smr_plots(
    ds: datasets.Dataset, predictions: Mapping[str, Any], result: Mapping[str, Any]
) -> list[PlotSpec]:
    """CV-SMR pictures: recall@k (k = 1 .. :data:`MAX_K`) of the split's protocol."""
    from proceval.benchmarks.impact.cv_protocols import build_cv_smr_protocol
    from proceval.benchmarks.impact.cv_scoring import cv_smr_protocol_scores
    from proceval.benchmarks.impact.cv_segments import cv_segments_from_rows

    protocol = build_cv_smr_protocol(cv_segments_from_rows(ds))
    scores = cv_smr_protocol_scores(predictions, protocol, ks=tuple(range(1, MAX_K + 1)))
    return [_recall_at_k("Step matching retrieval: recall@k", [_recall_curve("all query views", scores)])]


__all__ = [
    "MAX_K",
    "MAX_VIDEOS",
    "atr_plots",
    "cv_smr_plots",
    "cv_ta_plots",
    "frame_confusion",
    "per_class_f1_bars",
    "ppr_plots",
    "tas_plots",
    "timelines",
]
