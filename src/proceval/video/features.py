"""Pre-extracted feature packs: map a frame window onto the feature time axis and slice it.

A feature pack holds one ``.npy`` array per video, shape ``[T', D]``, at ``feature_fps`` features per
second (e.g. I3D / MViTv2 / VideoMAEv2 features released with a benchmark). An example refers to it
with ``feature_path`` (absolute path of the ``.npy``) and ``feature_fps``.

Mapping (documented choice, by time overlap): frame ``f`` of a ``video_fps`` video covers
``[f / video_fps, (f + 1) / video_fps)`` seconds and feature ``i`` covers
``[i / feature_fps, (i + 1) / feature_fps)``. The inclusive frame window ``[start_frame, end_frame]``
covers ``[start_frame / video_fps, (end_frame + 1) / video_fps)`` and maps onto every feature that
overlaps it::

    first = floor(start_frame * feature_fps / video_fps)
    last  = ceil((end_frame + 1) * feature_fps / video_fps) - 1          (inclusive)

so a window never maps to zero features. When ``feature_fps == video_fps`` this is the identity.
IMPACT's CV-TA code mean-pools the features "over [f_start, f_end] mapped onto the feature time axis";
the overlap rule above is proceval's explicit version of that mapping.

Feature packs are often a little shorter than the video (the extractor drops a partial last stride).
``on_overflow="clamp"`` (default) then ends the slice at the last feature, but only if the window
starts inside the pack; a window starting after the last feature always raises.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import numpy as np

from proceval.errors import InputValidationError, ReleaseFormatError
from proceval.video.sampling import check_rate, check_window, rate_fraction

OverflowPolicy = Literal["clamp", "error"]
OVERFLOW_POLICIES: tuple[str, ...] = ("clamp", "error")


def feature_window(
    start_frame: int,
    end_frame: int,
    video_fps: float,
    feature_fps: float,
    num_features: int | None = None,
    *,
    on_overflow: OverflowPolicy = "clamp",
) -> tuple[int, int]:
    """Feature indices ``(first, last)`` (inclusive) overlapping an inclusive frame window.

    Args:
        start_frame: first frame of the window (video frame index, inclusive).
        end_frame: last frame of the window (inclusive).
        video_fps: frame rate of the video (frames per second).
        feature_fps: feature rate of the pack (features per second).
        num_features: ``T'`` of the pack; when given, the result is checked against it.
        on_overflow: ``"clamp"`` ends the slice at ``T' - 1`` when the window runs past the pack (it must
            still start inside); ``"error"`` raises instead.

    Returns:
        ``(first, last)`` feature indices, ``last`` inclusive, ``first <= last``.

    Raises:
        InputValidationError: bad window or rates, a window starting after the pack's last feature, or
            a window running past it with ``on_overflow="error"``.

    Examples:
        >>> feature_window(0, 29, 30, 30)
        (0, 29)
        >>> feature_window(16, 47, 30, 30 / 16)   # one feature per 16 frames
        (1, 2)
        >>> feature_window(20, 20, 30, 30 / 16)
        (1, 1)
    """
    start, end = check_window(start_frame, end_frame)
    ratio = rate_fraction(check_rate("feature_fps", feature_fps)) / rate_fraction(
        check_rate("video_fps", video_fps)
    )
    if on_overflow not in OVERFLOW_POLICIES:
        raise InputValidationError(
            f"Expected argument `on_overflow` to be one of {OVERFLOW_POLICIES}, but got {on_overflow!r}."
        )
    first = math.floor(Fraction(start) * ratio)
    last = max(first, math.ceil(Fraction(end + 1) * ratio) - 1)
    if num_features is not None:
        total = int(num_features)
        if first > total - 1:
            raise InputValidationError(
                f"Expected the frame window [{start}, {end}] to start inside the feature pack "
                f"({total} features at {float(feature_fps):g}/s), but it maps to features [{first}, {last}]."
            )
        if last > total - 1:
            if on_overflow == "error":
                raise InputValidationError(
                    f"Expected the frame window [{start}, {end}] to map inside the feature pack "
                    f"({total} features), but it maps to features [{first}, {last}]."
                )
            last = total - 1
    return first, last


def load_feature_array(path: str | os.PathLike[str], *, mmap: bool = True) -> np.ndarray:
    """Open a ``[T', D]`` feature array (memory-mapped by default, so slicing reads only the window).

    Raises:
        ReleaseFormatError: the file is missing, not a ``.npy`` array, or not two-dimensional.
    """
    p = Path(path)
    if not p.is_file():
        raise ReleaseFormatError(p, "feature file not found")
    try:
        arr = np.load(p, mmap_mode="r" if mmap else None, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise ReleaseFormatError(p, f"not a readable .npy array: {exc}") from exc
    if not isinstance(arr, np.ndarray) or arr.ndim != 2 or arr.shape[0] < 1:
        shape = getattr(arr, "shape", None)
        raise ReleaseFormatError(
            p, f"expected a feature array of shape [T', D] with T' >= 1, got shape {shape}"
        )
    return arr


def load_feature_window(
    feature_path: str | os.PathLike[str],
    start_frame: int,
    end_frame: int,
    video_fps: float,
    feature_fps: float,
    *,
    on_overflow: OverflowPolicy = "clamp",
) -> tuple[np.ndarray, tuple[int, int]]:
    """Slice the features of one inclusive frame window out of a per-video ``.npy`` pack.

    Returns:
        ``(features, (first, last))``: a float array ``[last - first + 1, D]`` (a copy, not a view of the
        memory map) and the inclusive feature indices used (see :func:`feature_window`).

    Raises:
        ReleaseFormatError: unreadable or malformed pack (names the file).
        InputValidationError: the window does not map inside the pack (names the file).
    """
    arr = load_feature_array(feature_path)
    try:
        first, last = feature_window(
            start_frame, end_frame, video_fps, feature_fps, arr.shape[0], on_overflow=on_overflow
        )
    except InputValidationError as exc:
        raise InputValidationError(f"{feature_path}: {exc}") from exc
    return np.array(arr[first : last + 1]), (first, last)


class FeatureWindowLoader:
    """Batched transform adding a ``features`` column from ``feature_path`` / ``feature_fps`` references.

    Usable as ``ds.set_transform(FeatureWindowLoader())`` and inside a multi-worker ``DataLoader`` (it holds
    only options). Clip-level examples (with ``start_frame`` / ``end_frame``, inclusive) get their window;
    video-level examples get the whole array. Label columns are kept; ``feature_first`` / ``feature_last``
    (inclusive feature indices) are added.

    Args:
        pool: ``None`` keeps ``[n, D]`` per example; ``"mean"`` mean-pools to ``[D]``; ``"mean_l2"``
            mean-pools then L2-normalises (the CV-TA / CV-SMC segment embedding).
        on_overflow: see :func:`feature_window`.
    """

    POOLS: tuple[str | None, ...] = (None, "mean", "mean_l2")

    def __init__(self, *, pool: str | None = None, on_overflow: OverflowPolicy = "clamp") -> None:
        if pool not in self.POOLS:
            raise InputValidationError(
                f"Expected argument `pool` to be one of {self.POOLS}, but got {pool!r}."
            )
        if on_overflow not in OVERFLOW_POLICIES:
            raise InputValidationError(
                f"Expected argument `on_overflow` to be one of {OVERFLOW_POLICIES}, but got {on_overflow!r}."
            )
        self.pool = pool
        self.on_overflow: OverflowPolicy = on_overflow

    def __call__(self, batch: Mapping[str, list[Any]]) -> dict[str, list[Any]]:
        """Add ``features``, ``feature_first``, ``feature_last`` to a batched example dict."""
        for column in ("feature_path", "feature_fps"):
            if column not in batch:
                raise InputValidationError(
                    f"Expected a `{column}` column for feature loading, but got columns {sorted(batch)}."
                )
        size = len(batch["feature_path"])
        out: dict[str, list[Any]] = {k: list(v) for k, v in batch.items()}
        feats: list[np.ndarray] = []
        firsts: list[int] = []
        lasts: list[int] = []
        for i in range(size):
            path = batch["feature_path"][i]
            if "start_frame" in batch and "end_frame" in batch:
                if "fps" not in batch:
                    raise InputValidationError(
                        f"Expected an `fps` column (video frame rate) to map clip windows of {path}, "
                        f"but got columns {sorted(batch)}."
                    )
                x, (first, last) = load_feature_window(
                    path,
                    batch["start_frame"][i],
                    batch["end_frame"][i],
                    batch["fps"][i],
                    batch["feature_fps"][i],
                    on_overflow=self.on_overflow,
                )
            else:
                x = np.array(load_feature_array(path))
                first, last = 0, x.shape[0] - 1
            feats.append(_pool(x, self.pool))
            firsts.append(first)
            lasts.append(last)
        out["features"] = feats
        out["feature_first"] = firsts
        out["feature_last"] = lasts
        return out


def _pool(x: np.ndarray, pool: str | None) -> np.ndarray:
    if pool is None:
        return x
    mean = x.astype(np.float64).mean(axis=0)
    if pool == "mean_l2":
        norm = float(np.linalg.norm(mean))
        mean = mean / norm if norm > 0 else mean
    return mean.astype(np.float32)
