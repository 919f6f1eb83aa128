"""Attach media to examples: the absolute path of each example's video file, from a videos folder.

Layouts accepted: ``<videos_dir>/<video_id>.mp4`` or ``<videos_dir>/<view>/<video_id>.mp4``. Paths
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


def video_candidates(videos_dir: str | os.PathLike[str], video_id: str, view: str) -> tuple[Path, Path]:
    """The two accepted locations of ``video_id``'s file, flat layout first."""
    root = Path(videos_dir).resolve()
    return root / f"{video_id}{VIDEO_SUFFIX}", root / view / f"{video_id}{VIDEO_SUFFIX}"


def find_video(videos_dir: str | os.PathLike[str], video_id: str, view: str) -> str:
    """Absolute path of ``video_id``'s video file.

    Raises:
        ReleaseFormatError: neither accepted location holds the file (both are named).
    """
    flat, nested = video_candidates(videos_dir, video_id, view)
    for path in (flat, nested):
        if path.is_file():
            return str(path)
    raise ReleaseFormatError(flat, f"no video file for {video_id!r} (expected {flat} or {nested})")


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
                found[vid] = find_video(videos_dir, vid, example["view"])
            example = {**example, MEDIA_COLUMN: found[vid]}
        yield key, example
