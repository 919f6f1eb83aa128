"""Resolve what a user passes as ``--source`` to the release's ``dataset/`` folder.

Accepted: the release's top folder (holding ``dataset/``), the folder it was unpacked into (holding
``impact-release/dataset/``), the ``dataset/`` folder itself, or a
``.tar.gz`` archive of the release (unpacked once into the proceval cache; the official archive goes
to ``<cache>/impact-release``, any other archive, e.g. a sample release, to a folder named after its
checksum so that the two never mix).
"""

from __future__ import annotations

import os
from pathlib import Path

from proceval.benchmarks.impact.release_cache import IMPACT_ARCHIVE_SHA256, unpack_impact_release
from proceval.errors import ReleaseFormatError
from proceval.io import default_cache_dir, sha256_of

# Folders whose presence marks an IMPACT ``dataset/`` folder.
MARKERS: tuple[str, ...] = ("TAS", "CV", "PPR", "AF-S", "ASR", "PSR", "ATR")


def _is_dataset_dir(path: Path) -> bool:
    return path.is_dir() and any((path / m).is_dir() for m in MARKERS)


def resolve_dataset_dir(
    source: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None = None
) -> Path:
    """The absolute ``dataset/`` folder of the release given as ``source``.

    Raises:
        ReleaseFormatError: ``source`` does not exist or is none of the accepted forms.
    """
    src = Path(source).expanduser()
    if not src.exists():
        raise ReleaseFormatError(src, "release not found (expected a folder holding dataset/, or a .tar.gz)")
    if src.is_file():
        if not src.name.endswith((".tar.gz", ".tgz")):
            raise ReleaseFormatError(
                src, "Expected the release folder or a .tar.gz archive of it, but got a file that is neither"
            )
        digest = sha256_of(src)
        cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        if digest == IMPACT_ARCHIVE_SHA256:
            top = unpack_impact_release(src, cache)
        else:
            top = unpack_impact_release(src, cache / f"release-{digest[:16]}", verify=False)
        return (top / "dataset").resolve()
    for candidate in (src / "dataset", src / "impact-release" / "dataset"):
        if _is_dataset_dir(candidate):
            return candidate.resolve()
    if _is_dataset_dir(src):
        return src.resolve()
    raise ReleaseFormatError(
        src, f"expected the release folder (holding dataset/) or dataset/ itself (with {MARKERS})"
    )
