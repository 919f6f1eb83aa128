"""Attach media to examples: the absolute path of each example's video file, from a videos folder.

Layouts accepted: ``<videos_dir>/<video_id>.mp4`` or, for examples with a ``view`` field,
``<videos_dir>/<view>/<video_id>.mp4``. Paths
are stored absolute: a relative path stored in Parquet is not resolved against the repository
folder by ``datasets.Video`` (see ``stack-facts.md``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from proceval.datasets.features import MEDIA_COLUMN
from proceval.datasets.spec import ConfigSpec, Example
from proceval.errors import ReleaseFormatError

VIDEO_SUFFIX = ".mp4"


def video_candidates(
    videos_dir: str | os.PathLike[str], video_id: str, view: str | None = None
) -> tuple[Path, ...]:
    """The accepted locations of ``video_id``'s file, flat layout first (``<view>/`` second if given)."""
    root = Path(videos_dir).resolve()
    flat = root / f"{video_id}{VIDEO_SUFFIX}"
    return (flat, root / view / f"{video_id}{VIDEO_SUFFIX}") if view else (flat,)


def find_video(videos_dir: str | os.PathLike[str], video_id: str, view: str | None = None) -> str:
    """Absolute path of ``video_id``'s video file.

    Raises:
        ReleaseFormatError: no accepted location holds the file (each is named).
    """
    candidates = video_candidates(videos_dir, video_id, view)
    for path in candidates:
        if path.is_file():
            return str(path)
    expected = " or ".join(str(p) for p in candidates)
    raise ReleaseFormatError(candidates[0], f"no video file for {video_id!r} (expected {expected})")


def iter_with_media(
    spec: ConfigSpec, dataset_dir: Path, split: str, videos_dir: str | os.PathLike[str] | None = None
) -> Iterator[tuple[str, Example]]:
    """``spec.generate(dataset_dir, split)``, adding ``video`` (absolute path) when ``videos_dir`` is given.

    Raises:
        ReleaseFormatError: a video file is missing (naming the video id and the paths expected).
    """
    found: dict[str, str] = {}
    for key, example in spec.generate(Path(dataset_dir), split):
        if videos_dir is not None:
            vid = example["video_id"]
            if vid not in found:
                found[vid] = find_video(videos_dir, vid, example.get("view"))
            example = {**example, MEDIA_COLUMN: found[vid]}
        yield key, example
