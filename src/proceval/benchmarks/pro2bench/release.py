"""Where the Pro2Bench / EgoProactive files are, what the release's data version is, and safe video paths.

A release folder (what :func:`resolve_release` returns) holds one or both of::

    egoproactive/wearable_ai_2026_egoproactive_val_<n>.jsonl    the public challenge file (one session a line)
    egoproactive/val/<video_path>                               its videos (H.265, 15 fps)
    pro2bench/<source>/instances.jsonl                          proceval's own Pro2Bench schema (one
                                                                decision point a line), per source
    pro2bench/<source>/videos/...                               videos named by those rows

This is the layout of the ``facebook/wearable-ai`` Hub repository (whose other configs, ``egoconv`` and
``egolongqa``, are ignored), plus the ``pro2bench/`` folder proceval defines (the paper's richer files
are unpublished; see :mod:`proceval.benchmarks.pro2bench.card`).
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import warnings
from pathlib import Path, PurePosixPath, PureWindowsPath

from proceval.errors import ReleaseFormatError

EGOPROACTIVE_DIR = "egoproactive"
"""The config folder of the public challenge release."""

VIDEO_DIR = "val"
"""Folder (inside :data:`EGOPROACTIVE_DIR`) of the public videos; ``video_path`` values are relative to it."""

PRO2BENCH_DIR = "pro2bench"
"""proceval's folder of Pro2Bench instance files, one sub-folder per source."""

INSTANCES_FILE = "instances.jsonl"
"""The instance file name inside ``pro2bench/<source>/``."""

SOURCES: tuple[str, ...] = ("egoproactive", "ego4d", "egoexo4d", "epic_kitchens", "holoassist", "howto100m")
"""The six Pro2Bench sources (paper Table 1), as config-name suffixes (``pro2bench_<source>``)."""

EVAL_ONLY_SOURCES: tuple[str, ...] = ("egoproactive", "holoassist")
"""Sources without a training set (Table 1: "N/A" training clips)."""

JSONL_PATTERN = "wearable_ai_2026_egoproactive_val_*.jsonl"
_JSONL_NAME = re.compile(r"^wearable_ai_2026_egoproactive_val_(\d+)\.jsonl$")


class Pro2BenchQuirkWarning(UserWarning):
    """A release row that the official scorer tolerates was loaded and flagged (``release_warnings``)."""


def warn_quirk(message: str) -> None:
    """Emit a :class:`Pro2BenchQuirkWarning` (the Hub export lists each distinct message in the card)."""
    warnings.warn(message, Pro2BenchQuirkWarning, stacklevel=3)


def _has_challenge_jsonl(path: Path) -> bool:
    return path.is_dir() and any(path.glob(JSONL_PATTERN))


def resolve_release(source: str | os.PathLike[str]) -> Path:
    """The absolute release folder (the one holding ``egoproactive/`` and/or ``pro2bench/``) of ``source``.

    Accepted: the release folder itself (e.g. a ``facebook/wearable-ai`` snapshot), the ``egoproactive/``
    folder holding the challenge JSONL, the challenge JSONL file, or a folder holding the release folder
    as ``egoproactive/`` (the root of ``proceval sample`` output).

    Raises:
        ReleaseFormatError: ``source`` does not exist or is none of the accepted forms.
    """
    src = Path(source).expanduser()
    if not src.exists():
        raise ReleaseFormatError(src, "release not found (expected a folder holding egoproactive/)")
    if src.is_file():
        if _JSONL_NAME.match(src.name) and src.parent.name == EGOPROACTIVE_DIR:
            return src.parent.parent.resolve()
        raise ReleaseFormatError(
            src, f"expected a release folder or an {EGOPROACTIVE_DIR}/{JSONL_PATTERN} file, but got a file"
        )
    if _has_challenge_jsonl(src / EGOPROACTIVE_DIR) or (src / PRO2BENCH_DIR).is_dir():
        return src.resolve()
    if src.name == EGOPROACTIVE_DIR and _has_challenge_jsonl(src):
        return src.parent.resolve()
    nested = src / EGOPROACTIVE_DIR
    if _has_challenge_jsonl(nested / EGOPROACTIVE_DIR) or (nested / PRO2BENCH_DIR).is_dir():
        return nested.resolve()
    raise ReleaseFormatError(
        src,
        f"expected the release folder (holding {EGOPROACTIVE_DIR}/{JSONL_PATTERN} or {PRO2BENCH_DIR}/), "
        f"or the {EGOPROACTIVE_DIR}/ folder itself",
    )


def egoproactive_file(release: Path) -> Path:
    """The challenge JSONL of ``release`` (exactly one ``egoproactive/wearable_ai_2026_egoproactive_val_*.jsonl``).

    Raises:
        ReleaseFormatError: there is none, or more than one.
    """
    folder = Path(release) / EGOPROACTIVE_DIR
    found = sorted(folder.glob(JSONL_PATTERN))
    if len(found) != 1:
        names = ", ".join(p.name for p in found) or "none"
        raise ReleaseFormatError(
            folder, f"expected exactly one {JSONL_PATTERN} file, but found {len(found)} ({names})"
        )
    return found[0]


def declared_rows(path: Path) -> int | None:
    """The row count a challenge file name declares (``..._val_700.jsonl`` -> 700), else None."""
    match = _JSONL_NAME.match(Path(path).name)
    return int(match.group(1)) if match else None


def instances_file(release: Path, source: str) -> Path:
    """``pro2bench/<source>/instances.jsonl`` of ``release`` (it may not exist)."""
    return Path(release) / PRO2BENCH_DIR / source / INSTANCES_FILE


def annotation_files(release: Path) -> list[Path]:
    """Every annotation file that makes up the data version: the challenge JSONL(s) and the instance files."""
    root = Path(release)
    files = sorted((root / EGOPROACTIVE_DIR).glob(JSONL_PATTERN))
    files += sorted(p for p in (root / PRO2BENCH_DIR).glob(f"*/{INSTANCES_FILE}") if p.is_file())
    return files


def data_version(release: Path) -> str:
    """``pro2bench-<8 hex>``: a hash of every annotation file's relative path and bytes (videos excluded).

    Raises:
        ReleaseFormatError: the release holds no annotation file.
    """
    root = Path(release)
    files = annotation_files(root)
    if not files:
        raise ReleaseFormatError(
            root,
            f"no annotation files ({EGOPROACTIVE_DIR}/{JSONL_PATTERN} or "
            f"{PRO2BENCH_DIR}/<source>/{INSTANCES_FILE})",
        )
    h = hashlib.sha256()
    for path in files:
        h.update(f"{path.relative_to(root).as_posix()}\0".encode())
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        h.update(b"\0")
    return f"pro2bench-{h.hexdigest()[:8]}"


def safe_relpath(value: object, *, path: Path, line: int, field: str, row: str, base: str) -> str:
    """``value`` as a relative POSIX path that stays inside ``base`` (named in the message).

    Raises:
        ReleaseFormatError: ``value`` is not a non-empty string, is absolute (POSIX or Windows form), or
            leaves ``base`` through ``..`` (names the file, line, field and row).
    """
    if not isinstance(value, str) or not value.strip():
        raise ReleaseFormatError(
            path, f"{row}: expected `{field}` to be a non-empty relative path, but got {value!r}", line
        )
    plain = ":" not in value and "\\" not in value and not value.startswith("/")  # no drive, no root
    if not plain and (
        PurePosixPath(value).is_absolute()
        or PureWindowsPath(value).is_absolute()
        or PureWindowsPath(value).drive
    ):
        raise ReleaseFormatError(
            path,
            f"{row}: expected `{field}` to be a path relative to {base}, but got the absolute path {value!r}",
            line,
        )
    normal = posixpath.normpath(value.replace("\\", "/"))
    if normal == ".." or normal.startswith("../"):
        raise ReleaseFormatError(
            path, f"{row}: expected `{field}` to stay inside {base}, but got {value!r}, which leaves it", line
        )
    if normal == ".":
        raise ReleaseFormatError(path, f"{row}: expected `{field}` to name a file, but got {value!r}", line)
    return normal
