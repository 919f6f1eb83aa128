"""Attach media to label-only examples: a videos folder or a feature pack, by ``video_id``.

Label datasets are built without media. These helpers add, by each example's ``video_id``:

* ``video``: the absolute path of ``{video_root}/{video_id}{ext}`` as a ``datasets.Video`` column
  (lazy: ``decode=True`` decodes to a torchcodec ``VideoDecoder`` on access, ``decode=False`` keeps
  ``{"path", "bytes"}`` for :class:`~proceval.video.transforms.VideoClipSampler`);
* ``feature_path`` / ``feature_fps``: the absolute path of ``{feature_root}/{video_id}.npy`` and its rate.

Absolute paths are stored because ``datasets.Video`` does not resolve relative paths. Missing files follow
a named policy: ``missing="error"`` (default) raises listing the missing ids; ``missing="none"`` stores
``None`` for them (the labels stay usable, decoding those examples fails with a clear error).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from proceval.errors import InputValidationError

if TYPE_CHECKING:
    import datasets

MissingPolicy = Literal["error", "none"]
MISSING_POLICIES: tuple[str, ...] = ("error", "none")
VIDEO_EXTENSIONS: tuple[str, ...] = (".mp4", ".mkv", ".webm", ".avi", ".mov")


def find_video(
    video_root: str | os.PathLike[str], video_id: str, exts: tuple[str, ...] = VIDEO_EXTENSIONS
) -> Path | None:
    """Absolute path of ``{video_root}/{video_id}{ext}`` for the first extension that exists, else None."""
    root = Path(video_root).resolve()
    for ext in exts:
        candidate = root / f"{video_id}{ext}"
        if candidate.is_file():
            return candidate
    return None


def _check_missing(missing: str, kind: str, root: Path, absent: list[str]) -> None:
    if missing not in MISSING_POLICIES:
        raise InputValidationError(
            f"Expected argument `missing` to be one of {MISSING_POLICIES}, but got {missing!r}."
        )
    if absent and missing == "error":
        shown = ", ".join(absent[:5]) + (f" and {len(absent) - 5} more" if len(absent) > 5 else "")
        raise InputValidationError(
            f"{root}: expected a {kind} for every video id, but found none for {shown}."
        )


def _video_ids(ds: datasets.Dataset) -> list[str]:
    if "video_id" not in ds.column_names:
        raise InputValidationError(f"Expected a `video_id` column, but got columns {ds.column_names}.")
    return [str(v) for v in ds["video_id"]]


def attach_videos(
    ds: datasets.Dataset,
    video_root: str | os.PathLike[str],
    *,
    decode: bool = True,
    missing: MissingPolicy = "error",
    exts: tuple[str, ...] = VIDEO_EXTENSIONS,
    column: str = "video",
) -> datasets.Dataset:
    """Return ``ds`` with a lazy ``datasets.Video(decode=decode)`` column of absolute video paths.

    Raises:
        InputValidationError: no ``video_id`` column, or (``missing="error"``) videos not found.
    """
    import datasets

    root = Path(video_root).resolve()
    ids = _video_ids(ds)
    found = {vid: find_video(root, vid, exts) for vid in dict.fromkeys(ids)}
    _check_missing(missing, "video file", root, [vid for vid, p in found.items() if p is None])
    paths = [None if found[vid] is None else str(found[vid]) for vid in ids]
    if column in ds.column_names:
        ds = ds.remove_columns(column)
    ds = ds.add_column(column, paths)
    return ds.cast_column(column, datasets.Video(decode=decode))


def attach_features(
    ds: datasets.Dataset,
    feature_root: str | os.PathLike[str],
    feature_fps: float,
    *,
    missing: MissingPolicy = "error",
) -> datasets.Dataset:
    """Return ``ds`` with ``feature_path`` (absolute ``.npy`` path) and ``feature_fps`` (features/s) columns.

    Raises:
        InputValidationError: no ``video_id`` column, a bad rate, or (``missing="error"``) packs not found.
    """
    if isinstance(feature_fps, bool) or not isinstance(feature_fps, (int, float)) or not feature_fps > 0:
        raise InputValidationError(
            f"Expected argument `feature_fps` to be a number > 0, but got {feature_fps!r}."
        )
    root = Path(feature_root).resolve()
    ids = _video_ids(ds)
    found = {vid: (root / f"{vid}.npy") for vid in dict.fromkeys(ids)}
    _check_missing(missing, "feature file (.npy)", root, [vid for vid, p in found.items() if not p.is_file()])
    paths = [str(found[vid]) if found[vid].is_file() else None for vid in ids]
    for name in ("feature_path", "feature_fps"):
        if name in ds.column_names:
            ds = ds.remove_columns(name)
    ds = ds.add_column("feature_path", paths)
    return ds.add_column("feature_fps", [float(feature_fps)] * len(ids))
