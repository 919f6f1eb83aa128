"""Resolve a config's exact ``datasets.Features`` for a given release folder.

Label names live in the release (``mapping_*.txt``), not in the code, so a spec's static
``features`` types label columns as plain integer ids. A spec whose labels are typed with the
official names sets ``extra["features_fn"]``: ``(release_dataset_dir) -> datasets.Features``;
:func:`resolve_features` calls it, or falls back to ``spec.static_features()``. Media columns are added by
:func:`with_media`, or by :func:`media_features`, which also adds the ``video_status`` column of a spec
whose missing videos are a per-row status (``extra["missing_video"] = "status"``, see
:mod:`proceval.datasets.media`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import datasets

from proceval.datasets.spec import ConfigSpec

MEDIA_COLUMN = "video"
STATUS_COLUMN = "video_status"
"""Per-row media status column (``"ok"`` / ``"missing"``) of specs with the ``"status"`` policy."""

MissingVideoPolicy = Literal["error", "status"]
MISSING_VIDEO_POLICIES: tuple[str, ...] = ("error", "status")


def resolve_features(spec: ConfigSpec, dataset_dir: Path) -> datasets.Features:
    """The features of ``spec``'s examples when generated from ``dataset_dir`` (no media column)."""
    fn = spec.extra.get("features_fn")
    if fn is None:
        return spec.static_features()
    return fn(Path(dataset_dir))


def with_media(features: datasets.Features, *, decode: bool = True) -> datasets.Features:
    """``features`` plus a ``video`` column (``datasets.Video``; lazily decoded when ``decode``)."""
    out = datasets.Features(dict(features))
    out[MEDIA_COLUMN] = datasets.Video(decode=decode)
    return out


def missing_video_policy(spec: ConfigSpec) -> MissingVideoPolicy:
    """What a missing video file does for ``spec``: ``"error"`` (default) or ``"status"`` (``extra``).

    ``"error"`` stops the build naming the file expected; ``"status"`` stores ``video = None`` and
    ``video_status = "missing"`` for that row (``"ok"`` for the others), so users who hold only some of
    the videos still load every row.

    Raises:
        ValueError: ``spec.extra["missing_video"]`` is none of :data:`MISSING_VIDEO_POLICIES`.
    """
    policy = spec.extra.get("missing_video", "error")
    if policy not in MISSING_VIDEO_POLICIES:
        raise ValueError(
            f"Expected `extra['missing_video']` of config {spec.benchmark}/{spec.name} to be one of "
            f"{MISSING_VIDEO_POLICIES}, but got {policy!r}."
        )
    return policy


def media_features(
    spec: ConfigSpec, features: datasets.Features, *, decode: bool = True
) -> datasets.Features:
    """``features`` plus the media columns of ``spec``: ``video``, and ``video_status`` under ``"status"``."""
    out = with_media(features, decode=decode)
    if missing_video_policy(spec) == "status":
        out[STATUS_COLUMN] = datasets.Value("string")
    return out
