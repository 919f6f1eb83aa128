"""ATR-L / ATR-R: per-class average precision and mAP over the six IMPACT anomaly types.

Each evaluated unit is an annotated hand segment with a multi-hot label over
``ATR_CLASSES`` and one score per class. Per class c (IMPACT ``ltc/utils/atr.py`` / FACT)::

    order = argsort(-score[:, c], kind="mergesort")      # descending, stable: ties keep input order
    y     = label[order, c]
    AP_c  = sum_{i: y_i = 1} precision@i / #positives      # non-interpolated, no tie grouping
    mAP   = mean of AP_c over classes with at least one positive

Segment scores come either directly ([N, 6]) or from per-frame probabilities [T, 6] per video:
score = mean of the frame probabilities over ``[start_frame, end_frame]`` (inclusive, 0-based
frame indices of the video), with ``end_frame`` clipped to ``T - 1``.

Named policies for the degenerate cases:
    * a class with no positive segment: AP is NaN and the class is excluded from the mean
      (listed in ``excluded_classes``; ``num_classes_evaluated`` is the denominator actually used).
      In the release, ERROR_WRONG_PART has no positive in the L/S2 and R/S2 test sets, and
      ERROR_WRONG_TOOL none in R/S2.
    * segments whose labels are all zero: ``unlabeled="skip"`` (official, default) leaves them out
      and counts them in ``num_unlabeled_skipped``; ``"keep"`` scores them as negatives of every class.
    * frame path, segments of a video that has no prediction: ``missing_video="error"`` (default)
      raises; ``"skip"`` leaves them out as the official evaluator does silently, counted in
      ``num_missing_video_skipped``.

With tied scores this AP differs from ``sklearn.metrics.average_precision_score``, which groups tied
scores into one threshold; without ties the two coincide.

Precision (``precision``, signed ``prec``): ``"float64"`` (default) computes segment means and sorts in
double precision. ``"float32"`` reproduces the official evaluator bit for bit: there the frame
probabilities are float32 (``torch.sigmoid`` outputs), each segment mean is numpy's float32 mean of the
frame slice, and the pooled scores are stored as float32 before sorting. Segments whose float64 means
differ by less than float32's resolution (~6e-8 relative) then tie, and the stable sort orders them by
input position instead of by score: per-class AP can move by a few hundredths on a class with few
positives (0.025 seen on the release), mAP much less. The default stays float64 because the spec (§10)
defines the score as the mean frame probability, not a rounding of it; choose float32 to match
numbers produced by the official scripts.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from proceval.errors import InputValidationError
from proceval.scores._checks import as_real_array, check_finite, check_unique_ids, converted_bool, match_by_id
from proceval.scores.bootstrap import with_uncertainty
from proceval.scores.options import ScoreOptions, Uncertainty, opt
from proceval.scores.retrieval import FloatPrecision
from proceval.scores.signature import score_signature

ATR_CLASSES: tuple[str, ...] = (
    "ERROR_TEMPORAL",
    "ERROR_SPATIAL",
    "ERROR_HANDLING",
    "ERROR_WRONG_PART",
    "ERROR_WRONG_TOOL",
    "ERROR_PROCEDURAL",
)
Unlabeled = Literal["skip", "keep"]
MissingVideo = Literal["error", "skip"]

__all__ = [
    "ATR_CLASSES",
    "AtrFramesOptions",
    "AtrOptions",
    "atr_scores",
    "atr_scores_from_frames",
    "atr_segment_scores",
    "average_precision",
]


@dataclass(frozen=True)
class AtrOptions(ScoreOptions):
    """Every option that changes an ATR number from segment scores (:func:`atr_scores`)."""

    score_name: ClassVar[str] = "atr"
    unlabeled: Unlabeled = opt("skip", "unl")
    precision: FloatPrecision = opt("float64", "prec")


@dataclass(frozen=True)
class AtrFramesOptions(AtrOptions):
    """:class:`AtrOptions` plus the frame path's ``missing_video`` (:func:`atr_scores_from_frames`)."""

    score_name: ClassVar[str] = "atr_from_frames"
    missing_video: MissingVideo = opt("error", "miss")


def average_precision(scores: np.ndarray, labels: np.ndarray) -> float:
    """Non-interpolated AP of one class, official IMPACT convention (stable sort, no tie grouping).

    Args:
        scores: float array [N].
        labels: 0/1 array [N].

    Returns:
        ``sum over positives of precision at their rank / #positives``; NaN when there is no positive.

    Example:
        >>> average_precision(np.array([0.9, 0.8, 0.7]), np.array([1, 0, 1]))
        0.8333333333333333
    """
    labels = np.asarray(labels)
    n_pos = int(labels.sum())
    if n_pos == 0:
        return math.nan
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="mergesort")
    hits = labels[order].astype(np.float64)
    precision = np.cumsum(hits) / np.arange(1, hits.size + 1)
    return float(precision[hits > 0].sum() / n_pos)


def _atr_update(scores: np.ndarray, labels: np.ndarray, unit_id: Hashable) -> tuple[np.ndarray, np.ndarray]:
    """One segment -> (scores [C] float64, multi-hot labels [C] int8), validated."""
    n_cls = len(ATR_CLASSES)
    s = as_real_array(  # bools, strings (even "1" or ""), None: refused, naming the segment and class
        scores,
        what="`predictions`",
        unit_id=unit_id,
        unit=f"segment {unit_id!r}",
        position="class",
        expected=f"{n_cls} class scores (real numbers)",
        dtype=np.float64,
    )
    y = np.asarray(labels)
    if s.shape != (n_cls,):
        raise InputValidationError(
            f"Expected {n_cls} class scores for segment {unit_id!r} (one per anomaly type), "
            f"but got shape {s.shape}."
        )
    if y.shape != (n_cls,):
        raise InputValidationError(
            f"Expected a multi-hot label of {n_cls} values for segment {unit_id!r}, but got shape {y.shape}."
        )
    check_finite(s, "predictions", unit_id)
    if not np.all((y == 0) | (y == 1)):
        raise InputValidationError(
            f"Expected multi-hot labels of 0/1 for segment {unit_id!r}, but got {y.tolist()}."
        )
    return s, y.astype(np.int8)


def _atr_compute(
    units: Sequence[tuple[np.ndarray, np.ndarray]] | tuple[np.ndarray, np.ndarray],
) -> dict[str, Any]:
    """Per-class AP and mAP from segment statistics (a list of (scores [C], labels [C]) or stacked arrays)."""
    if isinstance(units, tuple) and len(units) == 2 and np.ndim(units[0]) == 2:
        scores, labels = units
    else:
        units = list(units)
        if not units:
            scores = np.zeros((0, len(ATR_CLASSES)))
            labels = np.zeros((0, len(ATR_CLASSES)), dtype=np.int8)
        else:
            scores = np.stack([u[0] for u in units])
            labels = np.stack([u[1] for u in units])
    per_class = {name: average_precision(scores[:, c], labels[:, c]) for c, name in enumerate(ATR_CLASSES)}
    evaluated = [v for v in per_class.values() if not math.isnan(v)]
    return {
        "mean_ap": float(np.mean(evaluated)) if evaluated else math.nan,
        "per_class_ap": per_class,
        "num_classes_evaluated": len(evaluated),
        "excluded_classes": [k for k, v in per_class.items() if math.isnan(v)],
        "num_positives_per_class": {name: int(labels[:, c].sum()) for c, name in enumerate(ATR_CLASSES)},
        "num_segments": int(labels.shape[0]),
    }


def _collect_units(
    predictions: Any, references: Any, ids: Sequence[Hashable] | None
) -> tuple[list[Hashable], list[Any], list[Any]]:
    if isinstance(references, Mapping):
        if not isinstance(predictions, Mapping):
            raise InputValidationError(
                "Expected `predictions` to be a mapping keyed by segment id like `references`, "
                f"but got {type(predictions).__name__}."
            )
        triples = match_by_id(predictions, references)
        return [t[0] for t in triples], [t[1] for t in triples], [t[2] for t in triples]
    preds, refs = list(predictions), list(references)
    if len(preds) != len(refs):
        raise InputValidationError(
            f"Expected as many predictions as references ({len(refs)}), but got {len(preds)}."
        )
    if ids is None:
        return list(range(len(refs))), preds, refs
    keys = check_unique_ids(ids, "ids")
    if len(keys) != len(refs):
        raise InputValidationError(
            f"Expected one segment id per reference ({len(refs)}) in `ids`, but got {len(keys)}."
        )
    return keys, preds, refs


def _score_units(
    ids: Sequence[Hashable],
    preds: Sequence[Any],
    refs: Sequence[Any],
    unlabeled: str,
    precision: FloatPrecision = "float64",
) -> tuple[list[tuple[np.ndarray, np.ndarray]], int]:
    """Validate and split into per-segment units; all-zero label rows dropped under ``"skip"``.

    With ``precision="float32"`` the scores are rounded to float32 (held as float64, exactly), as the
    official evaluator stores them before sorting.
    """
    n_cls = len(ATR_CLASSES)
    try:
        scores = np.asarray(preds)
        labels = np.asarray(refs)
    except (ValueError, TypeError):  # ragged rows: the per-unit path names the segment
        scores = labels = None
    if scores is not None and (scores.dtype.kind not in "iuf" or converted_bool(scores, preds)):
        scores = None  # strings, bools, None: the per-unit path names the segment and class
    elif scores is not None:
        scores = scores.astype(np.float64, copy=False)
    if (
        scores is None
        or labels is None
        or scores.shape != (len(ids), n_cls)
        or labels.shape != (len(ids), n_cls)
        or not np.isfinite(scores).all()
        or not np.isin(labels, (0, 1)).all()
    ):
        pairs = [_atr_update(p, r, uid) for uid, p, r in zip(ids, preds, refs, strict=True)]
        scores = np.stack([p[0] for p in pairs]) if pairs else np.zeros((0, n_cls))
        labels = np.stack([p[1] for p in pairs]) if pairs else np.zeros((0, n_cls), dtype=np.int8)
    labels = labels.astype(np.int8)
    if precision == "float32":
        scores = scores.astype(np.float32).astype(np.float64)
    keep = labels.any(axis=1) if unlabeled == "skip" else np.ones(labels.shape[0], dtype=bool)
    units = list(zip(scores[keep], labels[keep], strict=True))
    return units, int((~keep).sum())


def _finish(
    units: list[tuple[np.ndarray, np.ndarray]],
    counts: dict[str, Any],
    options: AtrOptions,
    uncertainty: Uncertainty,
    extra: dict[str, Any],
    paired_units: list[tuple[np.ndarray, np.ndarray]] | None,
) -> dict[str, Any]:
    if not units:
        raise InputValidationError("Expected at least one segment with a label to score, but got none.")
    result = _atr_compute(units)
    result.update(counts)
    result["signature"] = score_signature(
        "atr", options, uncertainty, extra={**extra, "sort": "mergesort", "ties": "none"}
    )
    return with_uncertainty(result, units, _atr_compute, uncertainty=uncertainty, paired_units=paired_units)


def atr_scores(
    predictions: Sequence[Any] | np.ndarray | Mapping[Hashable, Any],
    references: Sequence[Any] | np.ndarray | Mapping[Hashable, Any],
    *,
    unlabeled: Unlabeled = "skip",
    precision: FloatPrecision = "float64",
    ids: Sequence[Hashable] | None = None,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_predictions: Sequence[Any] | np.ndarray | Mapping[Hashable, Any] | None = None,
) -> dict[str, Any]:
    """Per-class AP and mAP over the six anomaly types from segment-level scores.

    Args:
        predictions: segment scores [N, 6] (e.g. sigmoid probabilities, any real scale), columns in
            ``ATR_CLASSES`` order; or a mapping segment id -> [6].
        references: multi-hot labels [N, 6] of 0/1; or a mapping keyed like ``predictions``.
        unlabeled: all-zero label rows: ``"skip"`` (official) or ``"keep"`` (negatives everywhere).
        precision: ``"float64"`` (default) or ``"float32"``: round the scores to float32 before sorting,
            as the official evaluator does (near-ties then keep input order; see the module doc).
        ids: optional segment ids aligned with sequence inputs (duplicate check, error messages).
        bootstrap: number of bootstrap resamples of segments for percentile intervals (0: none).
        confidence: two-sided coverage of the bootstrap intervals.
        seed: seed of the bootstrap resampling.
        paired_predictions: a second system's scores on the same segments (paired bootstrap).

    Returns:
        ``mean_ap`` (fraction in [0, 1], higher is better; NaN when no class has a positive),
        ``per_class_ap`` (class name -> AP, NaN when the class has no positive),
        ``num_classes_evaluated``, ``excluded_classes``, ``num_positives_per_class``, ``num_segments``
        (scored), ``num_unlabeled_skipped``, ``signature``; plus ``ci`` / ``paired`` when asked.

    Raises:
        InputValidationError: wrong row width, labels other than 0/1, NaN scores, length mismatch,
            missing or duplicated ids, nothing left to score, bad options.

    Example:
        >>> scores = [[0.9, 0, 0, 0, 0, 0], [0.1, 0, 0, 0, 0, 1]]
        >>> out = atr_scores(scores, [[1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1]])
        >>> out["mean_ap"], out["num_classes_evaluated"], out["excluded_classes"][0]
        (1.0, 2, 'ERROR_SPATIAL')
    """
    options = AtrOptions(unlabeled=unlabeled, precision=precision)
    uncertainty = Uncertainty(bootstrap, confidence, seed, paired=paired_predictions is not None)
    unit_ids, preds, refs = _collect_units(predictions, references, ids)
    units, skipped = _score_units(unit_ids, preds, refs, options.unlabeled, options.precision)
    paired_units = None
    if paired_predictions is not None:
        ids_b, preds_b, refs_b = _collect_units(paired_predictions, references, ids)
        paired_units, _ = _score_units(ids_b, preds_b, refs_b, options.unlabeled, options.precision)
    return _finish(
        units,
        {"num_unlabeled_skipped": skipped},
        options,
        uncertainty,
        {"input": "segments"},
        paired_units,
    )


def _window_means_float32(
    arrays: Mapping[str, np.ndarray], windows: Sequence[tuple[str, int, int]], n_cls: int
) -> np.ndarray:
    """The official float32 segment scores: ``probs[start:stop].mean(axis=0)`` of float32 frames, per window.

    numpy's mean of a float32 slice sums in float32 and divides by the count; the result is held as
    float64 (exactly) for sorting.
    """
    out = np.empty((len(windows), n_cls), dtype=np.float64)
    for i, (vid, start, stop) in enumerate(windows):
        out[i] = arrays[vid][start:stop].mean(axis=0)
    return out


def _window_means(
    arrays: Mapping[str, np.ndarray], windows: Sequence[tuple[str, int, int]], n_cls: int
) -> np.ndarray:
    """Mean of ``arrays[video][start:stop]`` over axis 0 for every window, in window order.

    Per video, non-overlapping windows go through one ``np.add.reduceat`` along the frame axis (the
    same row-by-row sums as ``np.add.reduce`` on each slice, so bit-identical to it); videos with
    overlapping windows are summed slice by slice. A window's value depends only on the frames inside
    it (no running prefix sums), so windows with identical frames tie exactly, as in the official
    per-slice mean.
    """
    out = np.empty((len(windows), n_cls), dtype=np.float64)
    by_video: dict[str, list[int]] = {}
    for i, (vid, _, _) in enumerate(windows):
        by_video.setdefault(vid, []).append(i)
    for vid, rows in by_video.items():
        probs = arrays[vid]
        bounds = np.asarray([windows[i][1:] for i in rows], dtype=np.int64)
        order = np.argsort(bounds[:, 0], kind="stable")
        s_sorted, e_sorted = bounds[order, 0], bounds[order, 1]
        if len(rows) > 1 and np.all(e_sorted[:-1] <= s_sorted[1:]):
            idx = np.empty(2 * len(rows), dtype=np.int64)
            idx[0::2], idx[1::2] = s_sorted, e_sorted
            if idx[-1] == probs.shape[0]:  # reduceat runs the last window to the end by itself
                idx = idx[:-1]
            sums = np.add.reduceat(probs, idx, axis=0)[0::2]
        else:
            sums = np.stack(
                [np.add.reduce(probs[a:b], axis=0) for a, b in zip(s_sorted, e_sorted, strict=True)]
            )
        out[np.asarray(rows)[order]] = sums / (e_sorted - s_sorted)[:, None]
    return out


def atr_segment_scores(
    frame_probabilities: Mapping[str, Any],
    segments: Sequence[Mapping[str, Any]],
    *,
    missing_video: MissingVideo = "error",
    precision: FloatPrecision = "float64",
) -> tuple[list[Hashable], np.ndarray, np.ndarray, int]:
    """Segment scores from per-frame probabilities: mean over ``[start_frame, end_frame]`` clipped to T.

    Args:
        frame_probabilities: video id -> array [T, 6] of per-frame class probabilities.
        segments: records with ``video_id``, ``start_frame``, ``end_frame`` (inclusive, 0-based frame
            indices), ``labels`` (6 multi-hot ints) and optionally ``sample_id``, as in the release's
            ``atr_segments_{L,R}/*.jsonl``.
        missing_video: ``"error"`` or ``"skip"`` for segments of videos without predictions.
        precision: ``"float64"`` (default) or ``"float32"``: frames rounded to float32 and each mean taken
            as numpy's float32 mean of the slice, as the official evaluator (scores returned as float64
            holding float32 values).

    Returns:
        (segment ids, scores [N, 6], labels [N, 6], number of segments skipped for a missing video).

    Raises:
        InputValidationError: a record lacks a field, start after end, a segment starting at or after
            the video's T predicted frames, a prediction array not [T, 6] or with NaN.
    """
    AtrFramesOptions(missing_video=missing_video, precision=precision)  # validates the choices
    dtype = np.float32 if precision == "float32" else np.float64
    n_cls = len(ATR_CLASSES)
    ids: list[Hashable] = []
    labels: list[Any] = []
    skipped = 0
    arrays: dict[str, np.ndarray] = {}
    windows: list[tuple[str, int, int]] = []
    for i, rec in enumerate(segments):
        try:
            vid, start, end, lab = (
                rec["video_id"],
                int(rec["start_frame"]),
                int(rec["end_frame"]),
                rec["labels"],
            )
        except KeyError as err:
            raise InputValidationError(
                f"Expected field {err.args[0]!r} in segment record {i}, but it has {sorted(rec)}."
            ) from None
        sid = rec.get("sample_id", f"{vid}#{i}")
        if vid not in frame_probabilities:
            if missing_video == "skip":
                skipped += 1
                continue
            raise InputValidationError(
                f"Expected frame probabilities for video {vid!r} (segment {sid!r}), but none were given; "
                "pass `missing_video='skip'` to leave such segments out as the official evaluator does."
            )
        probs = arrays.get(vid)
        if probs is None:
            probs = np.asarray(frame_probabilities[vid], dtype=dtype)
            if probs.ndim != 2 or probs.shape[1] != n_cls or probs.shape[0] == 0:
                raise InputValidationError(
                    f"Expected frame probabilities of shape [T, {n_cls}] with T >= 1 for video {vid!r}, "
                    f"but got {probs.shape}."
                )
            arrays[vid] = probs
        n_frames = probs.shape[0]
        if start < 0 or start > end:
            raise InputValidationError(
                f"Expected 0 <= start_frame <= end_frame for segment {sid!r}, but got [{start}, {end}]."
            )
        if start >= n_frames:
            raise InputValidationError(
                f"Expected segment {sid!r} to start within the {n_frames} predicted frames of {vid!r}, "
                f"but it starts at frame {start}."
            )
        ids.append(sid)
        labels.append(lab)
        windows.append((vid, start, min(end, n_frames - 1) + 1))
    check_unique_ids(ids, "segments (sample_id)")
    means = _window_means_float32 if precision == "float32" else _window_means
    score_arr = means(arrays, windows, n_cls)
    finite = np.isfinite(score_arr).all(axis=1)
    if not finite.all():  # NaN / inf inside a segment's frames: name the video and the frame
        vid, start, stop = windows[int(np.argmin(finite))]
        check_finite(arrays[vid][start:stop], f"frame_probabilities (frames {start}..{stop - 1})", vid)
    return ids, score_arr, np.asarray(labels).reshape(-1, n_cls) if labels else np.zeros((0, n_cls)), skipped


def atr_scores_from_frames(
    frame_probabilities: Mapping[str, Any],
    segments: Sequence[Mapping[str, Any]],
    *,
    missing_video: MissingVideo = "error",
    unlabeled: Unlabeled = "skip",
    precision: FloatPrecision = "float64",
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_frame_probabilities: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Per-class AP and mAP from per-frame probabilities [T, 6] per video plus the segment manifest.

    Segment score = mean of the video's frame probabilities over ``[start_frame, end_frame]``
    (inclusive frame indices, end clipped to ``T - 1``); then as :func:`atr_scores`.

    Args:
        frame_probabilities: video id -> array [T, 6] (e.g. ``sigmoid(logits)`` per frame).
        segments: the manifest records (``atr_segments_{L,R}/{part}.split{n}.jsonl`` rows).
        missing_video: ``"error"`` (default) or ``"skip"`` (official, silent there; counted here).
        unlabeled: ``"skip"`` (official) or ``"keep"`` for all-zero label rows.
        precision: ``"float64"`` (default) or ``"float32"`` (the official float32 frames, segment means
            and sort; see the module doc and :func:`atr_segment_scores`).
        bootstrap: number of bootstrap resamples of segments (0: none).
        confidence: two-sided coverage of the bootstrap intervals.
        seed: seed of the bootstrap resampling.
        paired_frame_probabilities: a second system's frame probabilities (paired bootstrap).

    Returns:
        The keys of :func:`atr_scores` plus ``num_missing_video_skipped``.

    Raises:
        InputValidationError: see :func:`atr_segment_scores` and :func:`atr_scores`.

    Example:
        >>> probs = {"v": np.array([[1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1.0]])}
        >>> segs = [{"video_id": "v", "start_frame": 0, "end_frame": 0, "labels": [1, 0, 0, 0, 0, 0]},
        ...         {"video_id": "v", "start_frame": 1, "end_frame": 9, "labels": [0, 0, 0, 0, 0, 1]}]
        >>> atr_scores_from_frames(probs, segs)["mean_ap"]
        1.0
    """
    options = AtrFramesOptions(unlabeled=unlabeled, missing_video=missing_video, precision=precision)
    uncertainty = Uncertainty(bootstrap, confidence, seed, paired=paired_frame_probabilities is not None)
    ids, scores, labels, n_missing = atr_segment_scores(
        frame_probabilities, segments, missing_video=options.missing_video, precision=options.precision
    )
    units, skipped = _score_units(ids, list(scores), list(labels), options.unlabeled, options.precision)
    paired_units = None
    if paired_frame_probabilities is not None:
        ids_b, scores_b, labels_b, _ = atr_segment_scores(
            paired_frame_probabilities,
            segments,
            missing_video=options.missing_video,
            precision=options.precision,
        )
        if ids_b != ids:
            raise InputValidationError(
                "Expected `paired_frame_probabilities` to cover the same videos as `frame_probabilities`, "
                f"but they give {len(ids_b)} segments against {len(ids)}."
            )
        paired_units, _ = _score_units(
            ids_b, list(scores_b), list(labels_b), options.unlabeled, options.precision
        )
    return _finish(
        units,
        {"num_unlabeled_skipped": skipped, "num_missing_video_skipped": n_missing},
        options,
        uncertainty,
        {"input": "frames", "agg": "mean"},
        paired_units,
    )
