"""The layout of an exported Hub repository: where each config's Parquet files go, and what was written.

Shared by :mod:`proceval.hub.export` (which writes the files) and :mod:`proceval.hub.card` (which lists
them in the card's YAML ``configs:``), so neither imports the other.

Two layouts. Labels only (no videos folder given)::

    <task>/<protocol>/<split>-00000-of-00001.parquet      Parquet module of ``datasets``

With videos, the repository holds its videos and is a ``videofolder`` repository, the one stock layout
in which ``datasets`` resolves a video path relative to the repository (``datasets.Video`` does not
resolve a relative path stored in a plain Parquet file)::

    data/<config>-<split>.parquet    the rows; ``video_file_name`` is relative to ``data/``
    data/videos/<path>               the videos (hard links to the videos folder's files, or copies)

``videofolder`` joins each ``video_file_name`` to the folder of the Parquet file it reads, wherever the
repository is (a moved copy, a Hub snapshot, or an ``http(s)://`` URL when streaming), and turns the
column into a lazily decoded ``video``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from proceval.datasets.spec import ConfigSpec

PARQUET_NAME = "{split}-00000-of-00001.parquet"
SPLIT_ORDER: tuple[str, ...] = ("train", "validation", "test")


@dataclass
class ExportReport:
    """What an export wrote.

    Attributes:
        out_dir: the repository folder.
        counts: config name → split → number of examples.
        files: every file written, relative to ``out_dir``.
        warnings: messages of the warnings raised while reading the release (release quirks and others).
        with_videos: whether a ``video`` column was written.
        fingerprints: config name → :func:`content_fingerprint` of its Parquet files (the card puts it
            in the config's ``description``, which ``datasets`` hashes into its cache folder name).
        paths: config name → split → the rows' Parquet file, relative to ``out_dir``.
        num_videos: video files placed under :data:`VIDEOS_DIR` (0 without videos).
    """

    out_dir: Path
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    with_videos: bool = False
    fingerprints: dict[str, str] = field(default_factory=dict)
    paths: dict[str, dict[str, str]] = field(default_factory=dict)
    num_videos: int = 0


def parquet_relpath(spec: ConfigSpec, split: str) -> str:
    """``<task>/<protocol>/<split>-00000-of-00001.parquet`` (``<task>/<split>-...`` without a protocol)."""
    folder = "/".join(part for part in (spec.task, spec.protocol) if part)
    return f"{folder}/{PARQUET_NAME.format(split=split)}"


FINGERPRINT_LENGTH = 16
"""Hex characters of a config's content fingerprint."""


def content_fingerprint(file_digests: list[str]) -> str:
    """A short hash of a config's exported files (``"<split>:<sha256 of the Parquet bytes>"`` each)."""
    return hashlib.sha256("\n".join(sorted(file_digests)).encode()).hexdigest()[:FINGERPRINT_LENGTH]


DATA_DIR = "data"
"""Folder of the rows' Parquet files in a repository with videos (the base of ``video_file_name``)."""

VIDEOS_DIR = f"{DATA_DIR}/videos"
"""Folder of the video files in a repository with videos."""

FILE_NAME_COLUMN = "video_file_name"
"""The stored column that ``videofolder`` turns into the ``video`` column (a path relative to ``data/``)."""


def video_parquet_relpath(spec: ConfigSpec, split: str) -> str:
    """``data/<config>-<split>.parquet``: the rows of a config in a repository with videos."""
    return f"{DATA_DIR}/{spec.name}-{split}.parquet"


def yaml_config_entry(spec: ConfigSpec, splits: list[str], report: ExportReport) -> dict[str, object]:
    """The loader part of a config's YAML entry: ``data_files`` (and ``videofolder`` parameters with videos).

    With videos, each split lists its rows' file and ``data/videos/**``: the rows are the
    ``metadata_filenames`` of the config (so ``videofolder`` reads them as metadata) and the video files
    make ``datasets`` pick ``videofolder`` (it infers the builder from the most frequent extension
    among the first config's files; a single video is listed twice so that it outnumbers the Parquet
    file) and download them with the rows from the Hub. Without any video file the rows load as plain
    Parquet (``video_file_name`` all null).
    """
    paths = report.paths.get(spec.name) or {s: parquet_relpath(spec, s) for s in splits}
    if not report.with_videos or report.num_videos == 0:
        return {"data_files": [{"split": s, "path": paths[s]} for s in splits]}
    videos = [f"{VIDEOS_DIR}/**"] * (2 if report.num_videos == 1 else 1)
    return {
        "drop_labels": True,
        "metadata_filenames": [paths[s].rsplit("/", 1)[-1] for s in splits],
        "data_files": [{"split": s, "path": [paths[s], *videos]} for s in splits],
    }
