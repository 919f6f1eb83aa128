"""Attach media to examples: the absolute path of each example's video file, from a videos folder.

Layouts accepted by default: ``<videos_dir>/<video_id>.mp4`` or, for examples with a ``view`` field,
``<videos_dir>/<view>/<video_id>.mp4``. A spec whose release names video files another way sets
``extra["video_candidates"]``: ``(videos_dir, example) -> tuple of absolute paths`` (the accepted
locations, first match wins; e.g. a path relative to the videos folder stored in the example).

Missing files follow the spec's policy (:func:`proceval.datasets.features.missing_video_policy`):
``"error"`` (default) stops naming the file expected; ``"status"`` stores ``video = None`` with
``video_status = "missing"`` (``"ok"`` where found) and warns once with the count. Paths are stored
absolute: a relative path stored in Parquet is not resolved against the repository folder by
``datasets.Video`` (see ``stack-facts.md``). A Hub export instead places the files inside the repository
and stores paths relative to it (:mod:`proceval.hub.repo_videos`, ``docs/EXPORTS.md``).
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

from proceval.datasets.features import MEDIA_COLUMN, STATUS_COLUMN, missing_video_policy
from proceval.datasets.spec import ConfigSpec, Example
from proceval.errors import ReleaseFormatError

VIDEO_SUFFIX = ".mp4"


class MissingVideoWarning(UserWarning):
    """Some rows of a split have no video file (``video_status = "missing"``); their labels still load."""


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


def example_video_candidates(
    spec: ConfigSpec, videos_dir: str | os.PathLike[str], example: Example
) -> tuple[Path, ...]:
    """The accepted locations of ``example``'s video: the spec's ``video_candidates`` hook, else the default."""
    hook = spec.extra.get("video_candidates")
    if hook is None:
        return video_candidates(videos_dir, example["video_id"], example.get("view"))
    return tuple(Path(p) for p in hook(Path(videos_dir).resolve(), example))


def videos_digest(videos_dir: str | os.PathLike[str], *, length: int = 12) -> str:
    """A short hash of the videos folder's listing (every file's relative path and size, sorted).

    Under the ``"status"`` policy the rows' statuses depend on which files exist, so the builder's cache
    is keyed by this digest too: adding or removing a video rebuilds the table.

    Raises:
        ReleaseFormatError: ``videos_dir`` is not a folder.
    """
    root = Path(videos_dir)
    if not root.is_dir():
        raise ReleaseFormatError(root, "videos folder not found")
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            try:
                size = path.stat().st_size
            except OSError:  # a dangling link is a missing file
                continue
            h.update(f"{path.relative_to(root).as_posix()}\0{size}\0".encode())
    return h.hexdigest()[:length]


def iter_with_media(
    spec: ConfigSpec, dataset_dir: Path, split: str, videos_dir: str | os.PathLike[str] | None = None
) -> Iterator[tuple[str, Example]]:
    """``spec.generate(dataset_dir, split)``, adding ``video`` (absolute path) when ``videos_dir`` is given.

    Under the spec's ``"status"`` policy every example also gets ``video_status`` (``"ok"`` or
    ``"missing"``, with ``video`` None) and a :class:`MissingVideoWarning` gives the count at the end.

    Raises:
        ReleaseFormatError: a video file is missing under the ``"error"`` policy (naming the video id and
            the paths expected).
    """
    policy = missing_video_policy(spec) if videos_dir is not None else "error"
    found: dict[tuple[Path, ...], str | None] = {}
    missing: list[str] = []
    total = 0
    for key, example in spec.generate(Path(dataset_dir), split):
        if videos_dir is not None:
            candidates = example_video_candidates(spec, videos_dir, example)
            if candidates not in found:
                found[candidates] = next((str(p) for p in candidates if p.is_file()), None)
            path = found[candidates]
            if path is None and policy == "error":
                name = example.get("video_id", key)
                expected = " or ".join(str(p) for p in candidates)
                raise ReleaseFormatError(candidates[0], f"no video file for {name!r} (expected {expected})")
            example = {**example, MEDIA_COLUMN: path}
            if policy == "status":
                example[STATUS_COLUMN] = "ok" if path is not None else "missing"
                total += 1
                if path is None:
                    missing.append(str(candidates[0]) if candidates else key)
        yield key, example
    if missing:
        warnings.warn(
            f"{spec.benchmark}/{spec.name} ({split}): {len(missing)} of {total} examples "
            f"({len(set(missing))} video files) have no video under {Path(videos_dir).resolve()} "
            f"(video_status='missing'), e.g. {missing[0]}",
            MissingVideoWarning,
            stacklevel=2,
        )
