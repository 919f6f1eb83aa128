"""Atomic file writes and tolerant line reading.

Every result, cache and export file is written through :func:`atomic_write_bytes` so that an
interrupted run leaves either the old file or the complete new one, never a truncated one.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
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


def dumps_outline(obj: Any, *, levels: int = 2, indent: int = 2) -> str:
    """``obj`` as JSON with one line per entry down to ``levels`` levels, each deeper value on one line.

    A list of scalars is always written on one line.

    The same document as ``json.dumps(obj, indent=indent)`` once parsed, but a list of 700 per-session
    records takes 700 lines instead of 7,000, and the values are written by ``json``'s C encoder (the
    pure-Python indenting encoder took ~30 ms for a 140 KB result).

    Examples:
        >>> print(dumps_outline({"a": 1, "b": {"c": [1, 2], "d": [{"x": 1}, {"y": 2}]}}))
        {
          "a": 1,
          "b": {
            "c": [1, 2],
            "d": [
              {"x": 1},
              {"y": 2}
            ]
          }
        }
    """
    compact = json.JSONEncoder(separators=(", ", ": ")).encode

    def render(value: Any, level: int) -> str:
        if not isinstance(value, (dict, list)) or not value or level > levels:
            return compact(value)
        if isinstance(value, list) and not any(isinstance(v, (dict, list)) for v in value):
            return compact(value)  # a list of numbers or strings stays on one line
        pad, end = " " * (indent * (level + 1)), " " * (indent * level)
        if isinstance(value, dict):
            items = [f"{pad}{compact(str(k))}: {render(v, level + 1)}" for k, v in value.items()]
            return "{\n" + ",\n".join(items) + "\n" + end + "}"
        return "[\n" + ",\n".join(pad + render(v, levels + 1) for v in value) + "\n" + end + "]"

    return render(obj, 0)


_UTF_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\x00\x00\xfe\xff", "UTF-32 (big-endian)"),
    (b"\xff\xfe\x00\x00", "UTF-32 (little-endian)"),
    (b"\xfe\xff", "UTF-16 (big-endian)"),
    (b"\xff\xfe", "UTF-16 (little-endian)"),
)


def check_text_file(path: str | os.PathLike[str]) -> Path:
    """``path`` as a :class:`Path` if it is a file whose start does not mark another encoding than UTF-8.

    A UTF-8 byte-order mark is allowed (readers open files as ``utf-8-sig``).

    Raises:
        ReleaseFormatError: the path does not exist ("file not found"), is a directory ("is a
            directory"), or starts with a UTF-16 / UTF-32 byte-order mark or a NUL byte (saying UTF-8
            is expected).
    """
    p = Path(path)
    if p.is_dir():
        raise ReleaseFormatError(p, "is a directory, but a file was expected")
    if not p.is_file():
        raise ReleaseFormatError(p, "file not found")
    with p.open("rb") as fh:
        head = fh.read(4)
    for bom, name in _UTF_BOMS:
        if head.startswith(bom):
            raise ReleaseFormatError(
                p,
                f"the file is {name} text (byte-order mark {bom.hex(' ')}); expected UTF-8: re-save it as UTF-8",
            )
    if b"\x00" in head:
        raise ReleaseFormatError(
            p, "the file starts with NUL bytes (UTF-16 or UTF-32 text, or binary); expected UTF-8 text"
        )
    return p


def utf8_error(path: str | os.PathLike[str]) -> ReleaseFormatError:
    """A :class:`ReleaseFormatError` naming the first line of ``path`` that is not valid UTF-8 (and its byte)."""
    p = Path(path)
    with p.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                return ReleaseFormatError(
                    p,
                    f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1} is "
                    "invalid UTF-8); expected UTF-8: re-save it as UTF-8",
                    line=lineno,
                )
    return ReleaseFormatError(p, "the file is not UTF-8 text; expected UTF-8")


def read_json(
    path: str | os.PathLike[str], *, object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None
) -> Any:
    """Read a UTF-8 JSON file (a UTF-8 byte-order mark is allowed).

    Args:
        path: the file.
        object_pairs_hook: passed to :func:`json.load` (e.g. to refuse repeated keys).

    Raises:
        ReleaseFormatError: naming the file (and line): missing, a directory, not UTF-8 (UTF-16 named),
            empty, or invalid JSON.
    """
    p = check_text_file(path)
    try:
        with p.open("r", encoding="utf-8-sig") as fh:
            text = fh.read()
    except UnicodeDecodeError:
        raise utf8_error(p) from None
    if not text.strip():
        raise ReleaseFormatError(p, "the file is empty, but JSON was expected")
    try:
        return json.loads(text, object_pairs_hook=object_pairs_hook)
    except json.JSONDecodeError as exc:
        raise ReleaseFormatError(p, f"invalid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno) from exc


def iter_lines(path: str | os.PathLike[str], *, skip_blank: bool = True) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` with CR/LF stripped (official bundles mix CRLF and LF).

    Line numbers are 1-based. Blank lines are skipped unless ``skip_blank`` is False. The file must be
    UTF-8 (a byte-order mark is allowed).

    Raises:
        ReleaseFormatError: missing file, a directory, a UTF-16 file or a line that is not UTF-8 (named).
    """
    p = check_text_file(path)
    try:
        with p.open("r", encoding="utf-8-sig", newline="") as fh:
            for lineno, raw in enumerate(fh, start=1):
                text = raw.strip()  # CR and LF are whitespace too
                if skip_blank and not text:
                    continue
                yield lineno, text
    except UnicodeDecodeError:
        raise utf8_error(p) from None


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block (restored as it was, even on error).

    Decoding a large JSON file allocates hundreds of thousands of containers, and each allocation burst
    triggers collections that find nothing (a decoded document holds no reference cycle): on a 6.7 MB
    challenge file they cost about a third of the reading time. Reference counting still frees
    everything as usual; only the search for cycles waits until the block ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_jsonl(
    path: str | os.PathLike[str], *, loads: Callable[[str], Any] = json.loads
) -> list[tuple[int, dict[str, Any]]]:
    """Read a JSON-lines file into ``(line_number, object)`` pairs; a bad line names file and line.

    Args:
        path: the file (UTF-8, a byte-order mark allowed).
        loads: the decoder of one line (:func:`loads_fast` for files whose numbers are all read as floats).

    The garbage collector is paused while the lines are decoded (:func:`paused_gc`).
    """
    with paused_gc():
        return _read_jsonl(path, loads)


def loads_fast(text: str) -> Any:
    """``json.loads(text)``, decoded by ``orjson`` (about twice as fast) whenever it accepts the text.

    Where ``orjson`` refuses a line (``NaN``, ``1e400``, a lone surrogate, nesting deeper than 1024) the
    standard ``json`` decodes it, so the same lines are accepted and refused as with ``json.loads``. One
    difference remains on accepted lines: an integer beyond 64 bits comes back as the nearest float, so use
    this only for files whose numbers are read as floats (times in seconds).

    Example:
        >>> loads_fast('{"t": [0.5, 8], "x": NaN}')
        {'t': [0.5, 8], 'x': nan}
    """
    import orjson

    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _read_jsonl(
    path: str | os.PathLike[str], loads: Callable[[str], Any]
) -> list[tuple[int, dict[str, Any]]]:
    out: list[tuple[int, dict[str, Any]]] = []
    for lineno, text in iter_lines(path):
        try:
            obj = loads(text)
        except json.JSONDecodeError as exc:
            raise ReleaseFormatError(path, f"invalid JSON line: {exc.msg}", line=lineno) from exc
        if not isinstance(obj, dict):
            raise ReleaseFormatError(path, f"expected a JSON object, got {type(obj).__name__}", line=lineno)
        out.append((lineno, obj))
    return out


def cached_per_file_version(maxsize: int = 1024) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Decorator: memoise ``reader(path, *args)`` per file version (:func:`file_version`).

    Several configs read the same release files (four split protocols, PSR and ASR); a changed file
    is read again, including one edited in place with the same size and its mtime restored (its ctime
    changes) or replaced by another file (its inode changes). The memo lives in this process only
    (unlike :func:`tree_digest`'s, it trusts a file modified within the last clock tick). A missing file
    raises :class:`ReleaseFormatError` naming it.
    """

    def decorate(reader: Callable[..., T]) -> Callable[..., T]:
        @functools.lru_cache(maxsize=maxsize)
        def cached(path: str, version: tuple[int, ...], *args: Any) -> T:
            return reader(path, *args)

        @functools.wraps(reader)
        def wrapper(path: str | os.PathLike[str], *args: Any) -> T:
            try:
                st = os.stat(path)
            except FileNotFoundError:
                raise ReleaseFormatError(path, "file not found") from None
            return cached(str(path), file_version(st), *args)

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


RACY_SECONDS = 2.0
"""A file whose mtime or ctime is this recent is never trusted to a memo: a second edit within the
file system's timestamp granularity (up to 2 s on FAT, a clock tick elsewhere) could keep its version."""


def file_version(st: os.stat_result) -> tuple[int, int, int, int, int]:
    """What changes when a file's bytes change: ``(size, mtime_ns, ctime_ns, inode, device)``.

    An in-place edit changes the ctime even when the size is kept and the mtime is restored
    (``os.utime``); a replacement (rename over, copy of another release) changes the inode.
    """
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def _is_racy(st: os.stat_result, now_ns: int) -> bool:
    return now_ns - max(st.st_mtime_ns, st.st_ctime_ns) < RACY_SECONDS * 1e9


def tree_digest(root: str | os.PathLike[str], *, length: int = 8) -> str:
    """A short content hash of every file under ``root`` (relative paths and bytes, in sorted order).

    Reading a large release takes most of a second, so the digest is memoised per tree version (every
    file's relative path and :func:`file_version`: size, mtime, ctime, inode): in this process, and on
    disk under ``<proceval cache>/digests/`` (written atomically). An edited (even in place, with the
    size kept and the mtime restored), added, removed or replaced file changes the version and the
    tree is hashed again; an unchanged tree is not read twice. A tree holding a file modified in the
    last :data:`RACY_SECONDS` is hashed every time and never memoised.

    Args:
        root: the folder to hash.
        length: hex characters kept.

    Raises:
        ReleaseFormatError: ``root`` is not a folder.
    """
    base = Path(root)
    if not base.is_dir():
        raise ReleaseFormatError(base, "expected a folder to hash")
    now = time.time_ns()
    entries = []
    racy = False
    for path in sorted(p for p in base.rglob("*") if p.is_file()):
        st = path.stat()
        racy = racy or _is_racy(st, now)
        entries.append((path.relative_to(base).as_posix(), *file_version(st)))
    root_str = str(base.resolve())
    if racy:
        return _hash_tree(root_str, entries)[:length]
    return _tree_digest(root_str, tuple(entries))[:length]


def _hash_tree(root: str, entries: Sequence[tuple[Any, ...]]) -> str:
    h = hashlib.sha256()
    for rel, size, *_ in entries:
        h.update(f"{rel}\0{size}\0".encode())
        with open(os.path.join(root, rel), "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


@functools.lru_cache(maxsize=64)
def _tree_digest(root: str, entries: tuple[tuple[Any, ...], ...]) -> str:
    version = hashlib.sha256(repr(("v2", root, entries)).encode()).hexdigest()
    memo = default_cache_dir() / "digests" / f"{version}.txt"
    try:
        cached = memo.read_text().strip()
    except OSError:
        cached = ""
    if len(cached) == 64:
        return cached
    digest = _hash_tree(root, entries)
    with contextlib.suppress(OSError):  # a read-only cache only costs the next process a re-hash
        atomic_write_text(memo, digest + "\n")
    return digest
