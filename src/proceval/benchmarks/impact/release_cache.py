"""Locate and unpack the IMPACT annotation release archive into a local cache folder.

The archive (``impact-release-v1.tar.gz``) is never copied into the project: tests and the demo
unpack it into a git-ignored cache (``.cache/`` at the repository root by default). Unpacking goes to
a temporary sibling folder that is renamed into place, so concurrent or interrupted runs never see
a half-extracted release.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import tarfile
import tempfile
import zlib
from pathlib import Path

from proceval.errors import ReleaseFormatError
from proceval.io import REPO_ROOT, default_cache_dir, sha256_of

IMPACT_ARCHIVE_NAME = "impact-release-v1.tar.gz"
IMPACT_ARCHIVE_SHA256 = "5aa86ca8eff61fcaa0f2112aa4bc294c7a39a7d36a8f7f8db5db743129c4fb7f"


def find_impact_archive() -> Path | None:
    """Return the IMPACT release archive path, or None where it is absent.

    Looks at ``$PROCEVAL_IMPACT_ARCHIVE`` first, then ``../shared/impact/`` beside the repository.
    """
    env = os.environ.get("PROCEVAL_IMPACT_ARCHIVE")
    candidates = [Path(env)] if env else []
    candidates.append(REPO_ROOT.parent / "shared" / "impact" / IMPACT_ARCHIVE_NAME)
    for c in candidates:
        if c.is_file():
            return c
    return None


def extract_tar_gz(archive: Path, dest: Path) -> None:
    """Extract the ``.tar.gz`` ``archive`` into ``dest`` (members checked by tarfile's ``data`` filter).

    Raises:
        ReleaseFormatError: the file is not a gzip-compressed tar archive, is truncated or corrupt, or
            holds a member the ``data`` filter refuses (an absolute path, a link out of the folder).
    """
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(dest, filter="data")
            while tar.fileobj.read(1 << 20):  # read to the gzip trailer: its CRC and length are checked
                pass
    except (tarfile.TarError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        reason = "truncated" if isinstance(exc, EOFError) else "corrupt or not a .tar.gz archive"
        raise ReleaseFormatError(
            archive, f"Expected a complete .tar.gz archive of the release, but the file is {reason} ({exc})"
        ) from None


def unpack_impact_release(
    archive: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    verify: bool = True,
) -> Path:
    """Unpack the release once and return the ``impact-release`` folder (holding ``dataset/``).

    Raises:
        ReleaseFormatError: the archive is missing, has the wrong checksum, is truncated or corrupt, or
            lacks ``dataset/``.
    """
    src = Path(archive) if archive is not None else find_impact_archive()
    if src is None or not src.is_file():
        raise ReleaseFormatError(src or IMPACT_ARCHIVE_NAME, "IMPACT release archive not found")
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    target = cache / "impact-release"
    if (target / "dataset").is_dir():
        return target
    if verify and sha256_of(src) != IMPACT_ARCHIVE_SHA256:
        raise ReleaseFormatError(src, f"unexpected sha256 (expected {IMPACT_ARCHIVE_SHA256})")
    created = not cache.exists()
    cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".impact-unpack-", dir=cache))
    try:
        try:
            extract_tar_gz(src, tmp)
        except ReleaseFormatError:
            shutil.rmtree(tmp, ignore_errors=True)
            if created:
                with contextlib.suppress(OSError):  # only if still empty
                    cache.rmdir()
            raise
        unpacked = tmp / "impact-release"
        if not (unpacked / "dataset").is_dir():
            raise ReleaseFormatError(src, "archive does not contain impact-release/dataset/")
        try:
            os.rename(unpacked, target)
        except OSError:
            if not (target / "dataset").is_dir():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
