"""Put the videos an export's rows name inside the repository, and store their paths relative to it.

The generic builder attaches each example's absolute video path (:mod:`proceval.datasets.media`);
an exported repository instead holds the file under ``data/videos/<path relative to the videos
folder>`` and stores ``video_file_name = "videos/<path>"`` (relative to ``data/``, where the rows'
Parquet files are), which stock ``videofolder`` loading resolves wherever the repository is
(:mod:`proceval.hub.layout`).
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from pathlib import Path, PurePosixPath
from typing import Any

import datasets

from proceval.datasets.features import MEDIA_COLUMN
from proceval.hub.layout import DATA_DIR, FILE_NAME_COLUMN, VIDEOS_DIR

_VIDEOS_SUBDIR = PurePosixPath(VIDEOS_DIR).relative_to(DATA_DIR).as_posix()  # "videos"
EXTERNAL_DIR = "_external"
"""Sub-folder of ``data/videos/`` for files outside the videos folder (a spec hook may point elsewhere)."""


def stored_video_features(features: datasets.Features) -> datasets.Features:
    """``features`` with the ``video`` column stored as ``video_file_name`` (a string), in the same place."""
    return datasets.Features(
        {
            (FILE_NAME_COLUMN if name == MEDIA_COLUMN else name): (
                datasets.Value("string") if name == MEDIA_COLUMN else feature
            )
            for name, feature in features.items()
        }
    )


def place_file(src: Path, dst: Path, *, copy: bool = False) -> None:
    """Hard-link ``src`` to ``dst`` (a copy with ``copy``, or where links are not possible)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    if not copy:
        try:
            os.link(src, dst)
            return
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EACCES):
                raise
    shutil.copy2(src, dst)


class RepoVideos:
    """The video files placed in one export (``placed``: repository path → size in bytes).

    Args:
        videos_dir: the videos folder given to the export (None: an export without videos).
        repo_dir: the repository folder being written.
        copy: copy the files instead of hard-linking them.
    """

    def __init__(
        self, videos_dir: str | os.PathLike[str] | None, repo_dir: Path, *, copy: bool = False
    ) -> None:
        self.root = Path(videos_dir).resolve() if videos_dir is not None else None
        self.repo_dir = Path(repo_dir)
        self.copy = copy
        self.placed: dict[str, int] = {}
        self._by_source: dict[str, str] = {}

    def relpath(self, source: str) -> str:
        """``videos/<path>``: where ``source`` goes, relative to ``data/``.

        A file inside the videos folder keeps its path there; one outside goes to
        ``videos/_external/<8 hex of its folder>/<name>``.
        """
        path = Path(source).resolve()
        assert self.root is not None
        try:
            inner = path.relative_to(self.root).as_posix()
        except ValueError:
            tag = hashlib.sha256(str(path.parent).encode()).hexdigest()[:8]
            inner = f"{EXTERNAL_DIR}/{tag}/{path.name}"
        return f"{_VIDEOS_SUBDIR}/{inner}"

    def store(self, example: dict[str, Any]) -> dict[str, Any]:
        """``example`` with ``video`` (an absolute path or None) replaced by ``video_file_name``; places the file."""
        source = example.get(MEDIA_COLUMN)
        stored = None
        if source is not None:
            stored = self._by_source.get(source)
            if stored is None:
                stored = self.relpath(source)
                repo_path = f"{DATA_DIR}/{stored}"
                if repo_path not in self.placed:
                    place_file(Path(source), self.repo_dir / repo_path, copy=self.copy)
                    self.placed[repo_path] = (self.repo_dir / repo_path).stat().st_size
                self._by_source[source] = stored
        return {
            (FILE_NAME_COLUMN if k == MEDIA_COLUMN else k): (stored if k == MEDIA_COLUMN else v)
            for k, v in example.items()
        }

    def digests(self, examples: list[dict[str, Any]]) -> list[str]:
        """``"video:<path>:<size>"`` for each distinct video the examples name (part of the fingerprint)."""
        names = sorted({ex[FILE_NAME_COLUMN] for ex in examples if ex.get(FILE_NAME_COLUMN)})
        return [f"video:{n}:{self.placed[f'{DATA_DIR}/{n}']}" for n in names]
