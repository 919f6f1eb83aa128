"""ProcObject-10K media: where a row's source video lives, decoding only its clip, evidence in source time.

A row's ``video_path`` (``<corpus>/<rest>``) names the **source** video, relative to a videos root; the
QA is about the clip ``[clip_start, clip_end)`` seconds of it, and ``evidence`` is in seconds relative to
``clip_start``. Accepted layouts under the videos root (first match wins):

* ``<videos_dir>/<corpus>/<rest>`` (``video_path`` as released; what ``proceval sample`` writes);
* ``<videos_dir>/<corpus>/videos/<rest>`` (the authors' own layout).

Loading with ``videos_dir`` attaches ``video`` (the absolute path of the source video, lazily decoded)
and ``video_status`` (``"ok"`` / ``"missing"``: the videos come from four upstream datasets and users
often hold only some of them; rows without a file load with ``video`` None). Then:

* :func:`clip_frames` decodes frames of one row's clip window only (never the whole source video);
* :class:`ClipSampler` does the same as a batched ``set_transform`` for DataLoaders;
* :func:`to_source_seconds` / :func:`evidence_to_source_times` move evidence spans to source-video time.

Example::

    ds = load_config("procobject", release, "all", split="test", videos_dir=videos, decode_video=False)
    ds = only_with_video(ds)                              # rows whose video_status is "ok"
    clip = clip_frames(ds[0], num_frames=16)              # frames of [clip_start, clip_end) only
    ds.set_transform(ClipSampler(num_frames=16))          # the same, per batch
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import numpy as np

from proceval.errors import InputValidationError
from proceval.video.backends import DEFAULT_BACKEND, Clip, FrameReader, describe_source, open_reader
from proceval.video.sampling import fps_indices, seconds_to_frame_window, uniform_indices
from proceval.video.transforms import VideoClipSampler

if TYPE_CHECKING:
    import datasets

VIDEO_STATUS_OK = "ok"
VIDEO_STATUS_MISSING = "missing"


def video_id_of(video_path: str) -> str:
    """The row's ``video_id``: ``video_path`` without its file extension (unique per source video).

    Examples:
        >>> video_id_of("COIN/videos_sample/coin_tire_000.mp4")
        'COIN/videos_sample/coin_tire_000'
    """
    return PurePosixPath(video_path.replace("\\", "/")).with_suffix("").as_posix()


def source_video_candidates(
    videos_dir: str | os.PathLike[str], example: Mapping[str, Any]
) -> tuple[Path, ...]:
    """The accepted locations of a row's source video (``<corpus>/<rest>``, then ``<corpus>/videos/<rest>``).

    This is the configs' ``extra["video_candidates"]`` hook (:mod:`proceval.datasets.media`).
    """
    root = Path(videos_dir).resolve()
    rel = PurePosixPath(str(example["video_path"]).replace("\\", "/"))
    out = [root.joinpath(*rel.parts)]
    if len(rel.parts) > 1:
        out.append(root.joinpath(rel.parts[0], "videos", *rel.parts[1:]))
    return tuple(out)


def find_source_video(videos_dir: str | os.PathLike[str], video_path: str) -> Path | None:
    """Absolute path of a source video under ``videos_dir`` (either layout), or None when absent."""
    for path in source_video_candidates(videos_dir, {"video_path": video_path}):
        if path.is_file():
            return path
    return None


def only_with_video(ds: datasets.Dataset) -> datasets.Dataset:
    """The rows of ``ds`` whose ``video_status`` is ``"ok"`` (loaded with ``videos_dir``).

    Raises:
        InputValidationError: ``ds`` has no ``video_status`` column (it was loaded without videos).
    """
    if "video_status" not in ds.column_names:
        raise InputValidationError(
            "Expected a `video_status` column (load the config with `videos_dir=`), "
            f"but got columns {ds.column_names}."
        )
    return ds.filter(lambda status: status == VIDEO_STATUS_OK, input_columns="video_status")


def _seconds(name: str, value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputValidationError(
            f"{where}: expected `{name}` to be a number of seconds, but got {value!r}."
        )
    if not math.isfinite(float(value)):
        raise InputValidationError(f"{where}: expected `{name}` to be finite, but got {value!r}.")
    return float(value)


def to_source_seconds(evidence: Sequence[Sequence[float]], clip_start: float) -> list[list[float]]:
    """Evidence spans relative to the clip → seconds in the source video (``start + clip_start``).

    The inverse is subtracting ``clip_start``; spans keep their order and length.

    Args:
        evidence: ``[[start, end], ...]`` seconds relative to ``clip_start`` (a row's ``evidence``, or a
            model's predicted spans in the same convention).
        clip_start: the clip's start in the source video, seconds (>= 0).

    Returns:
        ``[[clip_start + start, clip_start + end], ...]`` as floats.

    Raises:
        InputValidationError: a span that is not a pair of finite numbers, or a bad ``clip_start``.

    Examples:
        >>> to_source_seconds([[0.5, 2.0], [10.0, 12.25]], 30.0)
        [[30.5, 32.0], [40.0, 42.25]]
    """
    offset = _seconds("clip_start", clip_start, "to_source_seconds")
    if offset < 0:
        raise InputValidationError(f"Expected argument `clip_start` to be >= 0 s, but got {clip_start!r}.")
    out = []
    for k, span in enumerate(evidence):
        if len(span) != 2:
            raise InputValidationError(
                f"Expected `evidence[{k}]` to be a [start, end] pair, but got {span!r}."
            )
        start = _seconds(f"evidence[{k}][0]", span[0], "to_source_seconds")
        end = _seconds(f"evidence[{k}][1]", span[1], "to_source_seconds")
        out.append([offset + start, offset + end])
    return out


def evidence_to_source_times(example: Mapping[str, Any]) -> list[list[float]]:
    """A row's ``evidence`` in source-video seconds: :func:`to_source_seconds` of its ``clip_start``.

    Examples:
        >>> evidence_to_source_times({"clip_start": 12.0, "evidence": [[1.0, 3.5]]})
        [[13.0, 15.5]]
    """
    return to_source_seconds(example["evidence"], example["clip_start"])


def clip_frame_window(clip_start: float, clip_end: float, fps: float, num_frames: int) -> tuple[int, int]:
    """The inclusive frame window of ``[clip_start, clip_end)`` seconds in a video of ``num_frames`` frames.

    First frame: the one on screen at ``clip_start``; last: the last whose display starts before
    ``clip_end``, clamped to the video's last frame
    (:func:`proceval.video.sampling.seconds_to_frame_window`).

    Examples:
        >>> clip_frame_window(2.0, 5.0, 10, 100)
        (20, 49)
        >>> clip_frame_window(2.0, 50.0, 10, 100)  # a clip past the video's end is clamped
        (20, 99)
    """
    return seconds_to_frame_window(clip_start, clip_end, fps, num_frames)


def _row_name(example: Mapping[str, Any]) -> str:
    return f"id {example['id']}" if "id" in example else "row"


def _source(example: Mapping[str, Any], video_root: str | os.PathLike[str] | None) -> Any:
    """The row's video source: its ``video`` value, else the file found under ``video_root``."""
    value = example.get("video")
    if value is not None:
        return value
    where = _row_name(example)
    if video_root is not None and "video_path" in example:
        path = find_source_video(video_root, example["video_path"])
        if path is not None:
            return str(path)
        raise InputValidationError(
            f"{where}: expected the source video {example['video_path']!r} under {str(video_root)!r} "
            f"(as <corpus>/<rest> or <corpus>/videos/<rest>), but found none."
        )
    status = example.get("video_status")
    if status == VIDEO_STATUS_MISSING:
        raise InputValidationError(
            f"{where}: expected a video, but its source video {example.get('video_path')!r} is missing "
            "(video_status='missing'); keep the rows with video with only_with_video(ds)."
        )
    raise InputValidationError(
        f"{where}: expected a `video` value (load with `videos_dir=`) or `video_root=`, but got neither."
    )


def clip_frames(
    example: Mapping[str, Any],
    num_frames: int | None = 16,
    *,
    fps: float | None = None,
    backend: str = DEFAULT_BACKEND,
    video_root: str | os.PathLike[str] | None = None,
) -> Clip:
    """Decode frames of one row's clip window ``[clip_start, clip_end)`` of its source video (only those).

    Args:
        example: a row with ``clip_start`` / ``clip_end`` (seconds in the source video) and ``video``
            (a path, ``{"path", "bytes"}`` or a decoder), or ``video_path`` with ``video_root``.
        num_frames: frames spread uniformly over the clip (bin centres,
            :func:`proceval.video.sampling.uniform_indices`); pass None with ``fps``.
        fps: sample the clip at this rate (samples per second) instead of ``num_frames``.
        backend: decoding backend (:data:`proceval.video.backends.BACKENDS`).
        video_root: the videos folder, for rows without a ``video`` value.

    Returns:
        A :class:`~proceval.video.backends.Clip`: ``frames`` ``uint8 [N, C, H, W]``, ``pts_seconds`` (source-video
        seconds; subtract ``clip_start`` for clip-relative times, the evidence convention) and ``indices``
        (source-video frame indices).

    Raises:
        InputValidationError: the row's video is missing (``video_status="missing"``), the clip window lies
            outside the video, or the options are bad.
    """
    if (num_frames is None) == (fps is None):
        raise InputValidationError(
            f"Expected exactly one of `num_frames` and `fps`, but got num_frames={num_frames!r}, fps={fps!r}."
        )
    where = _row_name(example)
    start = _seconds("clip_start", example["clip_start"], where)
    end = _seconds("clip_end", example["clip_end"], where)
    source = _source(example, video_root)
    try:
        reader = open_reader(source, backend=backend)
    except InputValidationError:
        raise
    except Exception as exc:  # decoder libraries raise RuntimeError / OSError / av errors
        raise InputValidationError(
            f"{where}: could not open video {describe_source(source)!r}: {exc}"
        ) from exc
    try:
        first, last = _window(start, end, reader, where)
        if fps is not None:
            idx = fps_indices(first, last, reader.fps, fps)
        else:
            idx = uniform_indices(first, last, num_frames)  # type: ignore[arg-type]
        return reader.get_frames_at(idx)
    finally:
        reader.close()


def _window(start: float, end: float, reader: FrameReader, where: str) -> tuple[int, int]:
    if not 0 <= start < end:
        raise InputValidationError(
            f"{where}: expected 0 <= `clip_start` < `clip_end`, but got clip_start={start}, clip_end={end}."
        )
    try:
        return clip_frame_window(start, end, reader.fps, reader.num_frames)
    except InputValidationError as exc:
        raise InputValidationError(
            f"{where}: the clip [{start}, {end}) s is outside the video: {exc}"
        ) from exc


class ClipSampler(VideoClipSampler):
    """:class:`~proceval.video.transforms.VideoClipSampler` over each row's clip window of its source video.

    Use as ``ds.set_transform(ClipSampler(num_frames=16))`` on rows loaded with ``videos_dir`` (filter
    missing videos first with :func:`only_with_video`). Every option of ``VideoClipSampler`` applies
    (``num_frames`` or ``fps``, ``backend``, ``window`` in seconds inside the clip, ``output``, ...);
    the window sampled is ``[clip_start, clip_end)`` instead of ``[start_frame, end_frame]``.

    Returns (from ``__call__``): the input columns minus ``video``, plus ``frames``, ``frame_indices``
    (source-video frame index), ``pts_seconds`` (source-video seconds) and ``clip_pts_seconds``
    (seconds relative to ``clip_start``: the convention of ``evidence``).
    """

    def indices_for(self, batch: Mapping[str, list[Any]], i: int, reader: FrameReader) -> np.ndarray:
        """The source-video frame indices decoded for row ``i``: the sampler's rule over its clip window."""
        where = f"id {batch['id'][i]}" if "id" in batch else reader.name
        start = _seconds("clip_start", batch["clip_start"][i], where)
        end = _seconds("clip_end", batch["clip_end"][i], where)
        first, last = _window(start, end, reader, where)
        row = {k: [v[i]] for k, v in batch.items() if k not in ("start_frame", "end_frame")}
        row["start_frame"], row["end_frame"] = [first], [last]
        return super().indices_for(row, 0, reader)

    def __call__(self, batch: Mapping[str, list[Any]]) -> dict[str, list[Any]]:
        """Decode each row's clip frames; a row whose video is missing is an error naming its id."""
        statuses = batch.get("video_status")
        if statuses is not None:
            for i, status in enumerate(statuses):
                if status == VIDEO_STATUS_MISSING:
                    name = f"id {batch['id'][i]}" if "id" in batch else f"row {i} of the batch"
                    raise InputValidationError(
                        f"{name}: expected a video, but its source video is missing (video_status='missing'); "
                        "keep the rows with video with only_with_video(ds)."
                    )
        out = super().__call__(batch)
        out["clip_pts_seconds"] = [
            pts - float(start) for pts, start in zip(out["pts_seconds"], batch["clip_start"], strict=True)
        ]
        return out
