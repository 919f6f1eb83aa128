"""Frame sampling: which frame indices of a window to decode (pure functions, numpy only).

Units and conventions:

* Frame windows are ``[start_frame, end_frame]`` with an **inclusive** end, in the video's own
  0-based frame index (the convention of every IMPACT annotation and of proceval examples).
* Second windows are ``[start_s, end_s)`` with an **exclusive** end. Frame ``i`` is displayed during
  ``[i / fps, (i + 1) / fps)`` seconds.
* Every function returns a non-decreasing ``numpy.int64`` array of frame indices. Indices may repeat
  (see ``uniform_indices``); decoding backends decode each distinct frame once.

Nothing here imports torch, so label-only code can use it.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Literal

import numpy as np

from proceval.errors import InputValidationError

ShortWindowPolicy = Literal["repeat", "error"]
SHORT_WINDOW_POLICIES: tuple[str, ...] = ("repeat", "error")

# Tolerance (in frames) for float fps arithmetic, e.g. 0.1 s * 30 fps = 3.0000000000000004.
_EPS = 1e-6


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InputValidationError(f"Expected argument `{name}` to be an integer, but got {value!r}.")
    if value < minimum:
        raise InputValidationError(f"Expected argument `{name}` to be >= {minimum}, but got {value}.")
    return int(value)


def check_rate(name: str, value: object) -> float:
    """A frame rate as a float; raises InputValidationError naming ``name`` unless finite and > 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputValidationError(f"Expected argument `{name}` to be a positive number, but got {value!r}.")
    rate = float(value)
    if not math.isfinite(rate) or rate <= 0:
        raise InputValidationError(
            f"Expected argument `{name}` to be a finite number > 0, but got {value!r}."
        )
    return rate


def check_window(start_frame: object, end_frame: object) -> tuple[int, int]:
    """An inclusive frame window ``(start, end)``; raises InputValidationError unless 0 <= start <= end."""
    start = _check_int("start_frame", start_frame, 0)
    end = _check_int("end_frame", end_frame, 0)
    if end < start:
        raise InputValidationError(
            f"Expected `end_frame` >= `start_frame` (inclusive window), but got start_frame={start}, "
            f"end_frame={end}."
        )
    return start, end


def rate_fraction(rate: float) -> Fraction:
    """Exact-ish rational form of a frame rate (29.97 -> 2997/100, 30000/1001 stays itself)."""
    return Fraction(rate).limit_denominator(1_000_000)


def uniform_indices(
    start_frame: int,
    end_frame: int,
    num_frames: int,
    *,
    short_window: ShortWindowPolicy = "repeat",
) -> np.ndarray:
    """``num_frames`` frame indices spread uniformly over an inclusive frame window.

    Rule (centres of equal bins): the window of ``L = end_frame - start_frame + 1`` frames is cut into
    ``num_frames`` equal bins and the frame under each bin centre is taken::

        index_k = start_frame + floor((2k + 1) * L / (2 * num_frames)),   k = 0 .. num_frames - 1

    computed in integer arithmetic (no float rounding). When ``L >= num_frames`` the indices are
    distinct; when ``L < num_frames`` (a window shorter than the clip) frames repeat in order, each
    frame of the window appearing ``floor`` or ``ceil`` of ``num_frames / L`` times.

    Args:
        start_frame: first frame of the window (0-based, inclusive).
        end_frame: last frame of the window (inclusive).
        num_frames: number of indices to return (>= 1).
        short_window: ``"repeat"`` (default) repeats frames of windows shorter than ``num_frames``;
            ``"error"`` raises instead.

    Returns:
        ``int64`` array of shape ``[num_frames]``, non-decreasing, all within the window.

    Raises:
        InputValidationError: negative or non-integer frames, ``end_frame < start_frame``,
            ``num_frames < 1``, or a short window with ``short_window="error"``.

    Examples:
        >>> uniform_indices(0, 59, 4).tolist()
        [7, 22, 37, 52]
        >>> uniform_indices(10, 11, 4).tolist()
        [10, 10, 11, 11]
    """
    start, end = check_window(start_frame, end_frame)
    n = _check_int("num_frames", num_frames, 1)
    if short_window not in SHORT_WINDOW_POLICIES:
        raise InputValidationError(
            f"Expected argument `short_window` to be one of {SHORT_WINDOW_POLICIES}, "
            f"but got {short_window!r}."
        )
    length = end - start + 1
    if length < n and short_window == "error":
        raise InputValidationError(
            f"Expected a window of at least `num_frames`={n} frames, "
            f"but got [{start}, {end}] ({length} frames)."
        )
    k = np.arange(n, dtype=np.int64)
    return start + ((2 * k + 1) * length) // (2 * n)


def fps_indices(start_frame: int, end_frame: int, video_fps: float, target_fps: float) -> np.ndarray:
    """Frame indices sampled at ``target_fps`` from an inclusive frame window.

    Sample ``j`` is taken ``j / target_fps`` seconds after the start of frame ``start_frame``, i.e. at frame
    ``start_frame + floor(j * video_fps / target_fps)``, for every ``j >= 0`` whose frame is
    ``<= end_frame``. The first sample is always ``start_frame``. If ``target_fps > video_fps`` frames
    repeat (each sample shows the frame on screen at its time).

    Args:
        start_frame: first frame of the window (0-based, inclusive).
        end_frame: last frame of the window (inclusive).
        video_fps: frame rate of the video (frames per second).
        target_fps: sampling rate (samples per second).

    Returns:
        ``int64`` array, non-decreasing, at least one element.

    Raises:
        InputValidationError: bad window or a rate that is not a finite number > 0.

    Examples:
        >>> fps_indices(0, 29, 30, 4).tolist()
        [0, 7, 15, 22]
        >>> fps_indices(100, 102, 30, 60).tolist()
        [100, 100, 101, 101, 102, 102]
    """
    start, end = check_window(start_frame, end_frame)
    step = rate_fraction(check_rate("video_fps", video_fps)) / rate_fraction(
        check_rate("target_fps", target_fps)
    )
    length = end - start + 1
    # Number of samples j with floor(j * step) <= length - 1, i.e. j * step < length.
    count = math.ceil(Fraction(length) / step)
    j = np.arange(count, dtype=np.int64)
    offsets = (j * step.numerator) // step.denominator
    return start + offsets


def seconds_to_frame_window(
    start_s: float, end_s: float, fps: float, num_frames: int | None = None
) -> tuple[int, int]:
    """Map a window in seconds ``[start_s, end_s)`` onto an inclusive frame window.

    The first frame is the one on screen at ``start_s`` (``floor(start_s * fps)``); the last is the last
    frame whose display starts before ``end_s`` (``ceil(end_s * fps) - 1``). A window shorter than one
    frame yields the single frame on screen at ``start_s``. With ``num_frames`` the end is clamped to
    the last frame of the video.

    Args:
        start_s: window start in seconds (inclusive, >= 0).
        end_s: window end in seconds (exclusive, > start_s).
        fps: video frame rate (frames per second).
        num_frames: number of frames of the video, to clamp the end; optional.

    Returns:
        ``(start_frame, end_frame)``, end inclusive.

    Raises:
        InputValidationError: negative or non-finite times, ``end_s <= start_s``, or a window that starts
            after the last frame.

    Examples:
        >>> seconds_to_frame_window(1.0, 3.0, 30)
        (30, 89)
    """
    rate = check_rate("fps", fps)
    for name, value in (("start_s", start_s), ("end_s", end_s)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise InputValidationError(
                f"Expected argument `{name}` to be a number of seconds, but got {value!r}."
            )
        if not math.isfinite(float(value)) or float(value) < 0:
            raise InputValidationError(
                f"Expected argument `{name}` to be finite and >= 0, but got {value!r}."
            )
    if float(end_s) <= float(start_s):
        raise InputValidationError(
            f"Expected `end_s` > `start_s` (half-open window), but got start_s={start_s}, end_s={end_s}."
        )
    start = math.floor(float(start_s) * rate + _EPS)
    end = max(start, math.ceil(float(end_s) * rate - _EPS) - 1)
    if num_frames is not None:
        total = _check_int("num_frames", num_frames, 1)
        if start > total - 1:
            raise InputValidationError(
                f"Expected `start_s` before the end of the video ({total} frames at {rate} fps), "
                f"but got start_s={start_s} (frame {start})."
            )
        end = min(end, total - 1)
    return start, end


def uniform_indices_seconds(
    start_s: float,
    end_s: float,
    video_fps: float,
    num_frames: int,
    *,
    video_num_frames: int | None = None,
    short_window: ShortWindowPolicy = "repeat",
) -> np.ndarray:
    """``uniform_indices`` on a window given in seconds ``[start_s, end_s)``.

    The window is first mapped with :func:`seconds_to_frame_window` (clamped to ``video_num_frames`` when
    given), then sampled with the bin-centre rule of :func:`uniform_indices`.

    Examples:
        >>> uniform_indices_seconds(1.0, 2.0, 30, 3).tolist()
        [35, 45, 55]
    """
    start, end = seconds_to_frame_window(start_s, end_s, video_fps, video_num_frames)
    return uniform_indices(start, end, num_frames, short_window=short_window)


def fps_indices_seconds(
    start_s: float,
    end_s: float,
    video_fps: float,
    target_fps: float,
    *,
    video_num_frames: int | None = None,
) -> np.ndarray:
    """Frame indices at ``target_fps`` over a window given in seconds ``[start_s, end_s)``.

    Sample ``j`` is at time ``t_j = start_s + j / target_fps`` for every ``t_j < end_s``, and shows frame
    ``floor(t_j * video_fps)``. With ``video_num_frames``, ``end_s`` is first clamped to the end of the
    video (``video_num_frames / video_fps``), as :func:`seconds_to_frame_window` clamps the window.

    Examples:
        >>> fps_indices_seconds(0.5, 1.5, 30, 4).tolist()
        [15, 22, 30, 37]
    """
    rate = check_rate("video_fps", video_fps)
    target = check_rate("target_fps", target_fps)
    start_frame, _ = seconds_to_frame_window(start_s, end_s, rate, video_num_frames)
    stop_s = float(end_s)
    if video_num_frames is not None:
        stop_s = min(stop_s, int(video_num_frames) / rate)
    count = max(1, math.ceil((stop_s - float(start_s)) * target - _EPS))
    times = float(start_s) + np.arange(count, dtype=np.float64) / target
    out = np.floor(times * rate + _EPS).astype(np.int64)
    out = np.maximum(out, start_frame)
    if video_num_frames is not None:
        out = np.minimum(out, int(video_num_frames) - 1)
    return out
