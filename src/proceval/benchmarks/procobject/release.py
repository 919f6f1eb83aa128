"""Resolve what a user passes as ``--source`` to the release's ``data/`` folder, and its data version.

Accepted (each must lead to a folder holding ``training.json`` and ``testing.json``):

* the ``data/`` folder itself;
* the release root holding ``data/`` (the GitHub checkout or the Hugging Face snapshot);
* a folder holding the release root as ``procobject/``, ``ProcObject-10K/`` or
  ``ProcObject-10K-release/`` (e.g. the root of ``proceval sample`` output).
"""

from __future__ import annotations

import os
from pathlib import Path

from proceval.benchmarks.procobject.schema import DATA_DIR, SPLIT_FILES
from proceval.errors import ReleaseFormatError

RELEASE_FOLDERS: tuple[str, ...] = ("procobject", "ProcObject-10K", "ProcObject-10K-release")
"""Names of a release root looked for inside the folder given."""


def _is_data_dir(path: Path) -> bool:
    return path.is_dir() and all((path / name).is_file() for name in SPLIT_FILES.values())


def resolve_release(source: str | os.PathLike[str]) -> Path:
    """The absolute ``data/`` folder of the release given as ``source``.

    Raises:
        ReleaseFormatError: ``source`` does not exist or none of the accepted forms holds both files.
    """
    src = Path(source).expanduser()
    if src.is_file():
        raise ReleaseFormatError(
            src, f"Expected the release root (holding {DATA_DIR}/) or its {DATA_DIR}/ folder, but got a file"
        )
    if not src.is_dir():
        raise ReleaseFormatError(
            src, "release not found (expected the release root holding data/, or data/ itself)"
        )
    candidates = [src, src / DATA_DIR, *(src / name / DATA_DIR for name in RELEASE_FOLDERS)]
    for candidate in candidates:
        if _is_data_dir(candidate):
            return candidate.resolve()
    files = " and ".join(f"{DATA_DIR}/{name}" for name in SPLIT_FILES.values())
    raise ReleaseFormatError(src, f"expected the release root (holding {files}) or its {DATA_DIR}/ folder")


def data_version(data_dir: Path) -> str:
    """``procobject-<8 hex>``: the tree digest of the ``data/`` folder (every file's path and bytes)."""
    from proceval.io import tree_digest

    return f"procobject-{tree_digest(data_dir)}"
