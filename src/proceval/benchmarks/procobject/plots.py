"""ProcObject-10K's ``Task.plots`` hook: the IoU histogram of the grounding task.

The histogram counts the result's per-question temporal IoU (``per_question["iou"]``, a fraction in
[0, 1]) in :data:`IOU_BINS` equal bins, with the result's ``mean_iou`` and IoU thresholds marked;
questions left out of the means (NaN, ``empty_prediction="skip"``) are not counted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from proceval.errors import InputValidationError
from proceval.hub.plots import Histogram, PlotSpec

IOU_BINS = 20
"""Equal-width IoU bins over [0, 1]."""


def per_question_iou(result: Mapping[str, Any]) -> np.ndarray:
    """The result's per-question IoU as a float array (NaN where a question was left out)."""
    per_question = result.get("per_question")
    if not isinstance(per_question, Mapping) or "iou" not in per_question:
        raise InputValidationError("Expected the result to have `per_question` IoU values, but it has none.")
    return np.asarray(per_question["iou"], dtype=float)


def grounding_plots(ds: Any, predictions: Mapping[str, Any], result: Mapping[str, Any]) -> list[PlotSpec]:
    """The per-question IoU histogram of a grounding result (``ds`` and ``predictions`` are unused)."""
    iou = per_question_iou(result)
    left_out = int(np.count_nonzero(~np.isfinite(iou)))
    mean = result.get("mean_iou", math.nan)
    marks = [(f"mean IoU {mean:.2f}", float(mean))] if isinstance(mean, float) and math.isfinite(mean) else []
    note = f", {left_out} left out" if left_out else ""
    return [
        Histogram(
            name="iou_histogram",
            title=f"Temporal grounding: IoU per question ({iou.size - left_out} questions{note})",
            values=tuple(iou.tolist()),
            edges=tuple(np.linspace(0.0, 1.0, IOU_BINS + 1).tolist()),
            xlabel="temporal IoU of predicted and gold evidence (fraction)",
            ylabel="questions",
            marks=tuple(marks),
        )
    ]


__all__ = ["IOU_BINS", "grounding_plots", "per_question_iou"]
