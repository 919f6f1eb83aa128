"""Atomic file writes and tolerant line reading.

Every result, cache and export file is written through :func:`atomic_write_bytes` so that an
interrupted run leaves either the old file or the complete new one, never a truncated one.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from proceval.errors import ReleaseFormatError

T = TypeVar("T")


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_current_umask()


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], *, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` (umask file mode).

    For writers that need a file name (an encoder, a Parquet writer). If the block raises, the
    temporary file is removed and ``path`` is untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, _FILE_MODE)  # mkstemp creates 0600; give the file the mode open() would
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file in the same folder, fsync, rename)."""
    with atomic_output(path) as tmp, tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return Path(path)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike[str], obj: Any, *, indent: int | None = 2) -> Path:
    """Serialise ``obj`` as JSON (sorted keys are *not* forced) and write it atomically."""
    return atomic_write_text(path, json.dumps(obj, indent=indent, ensure_ascii=False) + "\n")


def read_json(path: str | os.PathLike[str]) -> Any:
    """Read a JSON file, raising :class:`ReleaseFormatError` naming the file and line on failure."""
    p = Path(path)
    if not p.is_file():
        raise ReleaseFormatError(p, "file not found")
    try:
        with p.open("r", encoding="utf-8") as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise ReleaseFormatError(p, f"invalid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno) from exc


def iter_lines(path: str | os.PathLike[str], *, skip_blank: bool = True) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` with CR/LF stripped (official bundles mix CRLF and LF).

    Line numbers are 1-based. Blank lines are skipped unless ``skip_blank`` is False.
    """
    p = Path(path)
    if not p.is_file():
        raise ReleaseFormatError(p, "file not found")
    with p.open("r", encoding="utf-8", newline="") as fh:
        for lineno, raw in enumerate(fh, start=1):
            text = raw.rstrip("\r\n").strip()
            if skip_blank and not text:
                continue
            yield lineno, text


def read_jsonl(path: str | os.PathLike[str]) -> list[tuple[int, dict[str, Any]]]:
    """Read a JSON-lines file into ``(line_number, object)`` pairs; a bad line names file and line."""
    out: list[tuple[int, dict[str, Any]]] = []
    for lineno, text in iter_lines(path):
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ReleaseFormatError(path, f"invalid JSON line: {exc.msg}", line=lineno) from exc
        if not isinstance(obj, dict):
            raise ReleaseFormatError(path, f"expected a JSON object, got {type(obj).__name__}", line=lineno)
        out.append((lineno, obj))
    return out


def cached_per_file_version(maxsize: int = 1024) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Decorator: memoise ``reader(path, *args)`` per file version (path, mtime, size).

    Several configs read the same release files (four split protocols, PSR and ASR); a changed file
    is read again. A missing file raises :class:`ReleaseFormatError` naming it.
    """

    def decorate(reader: Callable[..., T]) -> Callable[..., T]:
        @functools.lru_cache(maxsize=maxsize)
        def cached(path: str, mtime_ns: int, size: int, *args: Any) -> T:
            return reader(path, *args)

        @functools.wraps(reader)
        def wrapper(path: str | os.PathLike[str], *args: Any) -> T:
            try:
                st = os.stat(path)
            except FileNotFoundError:
                raise ReleaseFormatError(path, "file not found") from None
            return cached(str(path), st.st_mtime_ns, st.st_size, *args)

        wrapper.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        return wrapper

    return decorate


REPO_ROOT = Path(__file__).resolve().parents[2]
"""The repository root of a source checkout (``src/proceval/io.py`` → two levels up)."""


def default_cache_dir() -> Path:
    """``$PROCEVAL_CACHE`` or ``<repo>/.cache``."""
    return Path(os.environ.get("PROCEVAL_CACHE", REPO_ROOT / ".cache"))


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def tree_digest(root: str | os.PathLike[str], *, length: int = 8) -> str:
    """A short content hash of every file under ``root`` (relative paths and bytes, in sorted order).

    Reading a large release takes most of a second, so the digest is memoised per tree version (every
    file's relative path, mtime in nanoseconds and size): in this process, and on disk under
    ``<proceval cache>/digests/`` (written atomically). An edited, added or removed file changes the
    version and the tree is hashed again; an unchanged tree is not read twice.

    Args:
        root: the folder to hash.
        length: hex characters kept.

    Raises:
        ReleaseFormatError: ``root`` is not a folder.
    """
    base = Path(root)
    if not base.is_dir():
        raise ReleaseFormatError(base, "expected a folder to hash")
    entries = []
    for path in sorted(p for p in base.rglob("*") if p.is_file()):
        st = path.stat()
        entries.append((path.relative_to(base).as_posix(), st.st_mtime_ns, st.st_size))
    return _tree_digest(str(base.resolve()), tuple(entries))[:length]


@functools.lru_cache(maxsize=64)
def _tree_digest(root: str, entries: tuple[tuple[str, int, int], ...]) -> str:
    version = hashlib.sha256(repr((root, entries)).encode()).hexdigest()
    memo = default_cache_dir() / "digests" / f"{version}.txt"
    try:
        cached = memo.read_text().strip()
    except OSError:
        cached = ""
    if len(cached) == 64:
        return cached
    h = hashlib.sha256()
    for rel, _, size in entries:
        h.update(f"{rel}\0{size}\0".encode())
        with open(os.path.join(root, rel), "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    digest = h.hexdigest()
    with contextlib.suppress(OSError):  # a read-only cache only costs the next process a re-hash
        atomic_write_text(memo, digest + "\n")
    return digest
