"""A crash-safe cache of judge replies (SQLite in WAL mode) and its JSONL ledger.

One row per key; the key is the sha256 of (model, revision, prompt-template hash, rendered messages,
decoding parameters) — not the endpoint, so a judge served by OpenAI or by a local vLLM/SGLang server
under the same model id and revision shares its replies. Each reply is committed as soon as its call
finishes, so a run killed at any point (``kill -9`` included) keeps every finished call and a re-run
asks only for the rest. The database runs with ``journal_mode=WAL`` and ``synchronous=NORMAL``: a
committed reply survives the death of the process; after a power loss or OS crash the last commits may
be lost (never the file), and those calls are simply made again. Several processes may share one cache
file (``busy_timeout`` 60 s).

The raw reply is stored whether or not it parses, so re-scoring (even under another unparseable-reply
policy) never calls the model again. :meth:`JudgeCache.export_ledger` writes the rows a result used as
JSON lines (atomically); :func:`read_ledger` reads them back and checks every key, and
:meth:`proceval.judges.PrecomputedBackend.from_ledger` re-scores from them with no model at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proceval.errors import InputValidationError, ReleaseFormatError
from proceval.io import atomic_output, iter_lines
from proceval.judges.base import Completion
from proceval.judges.rubric import Message

LEDGER_VERSION = 1
"""The ``"v"`` of ledger lines and of cache keys (a change of key layout changes it)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS replies (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    revision TEXT,
    template_hash TEXT NOT NULL,
    messages TEXT NOT NULL,
    decoding TEXT NOT NULL,
    reply TEXT NOT NULL,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    response_model TEXT,
    created_s REAL NOT NULL
)
"""
_COLUMNS = (
    "key, model, revision, template_hash, messages, decoding, reply, prompt_tokens, completion_tokens, "
    "response_model, created_s"
)
_CHUNK = 500


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


_dump_str = json.JSONEncoder(ensure_ascii=False).encode


def canonical_messages(messages: Sequence[Message], contents: Sequence[str] | None = None) -> str:
    """``_canonical(list(messages))``, fast for the usual ``{"role": str, "content": str}`` messages.

    ``contents``, if given, are the messages' contents already written as JSON string literals
    (:func:`proceval.judges.rubric.render_escaped`).

    Example:
        >>> canonical_messages([{"role": "user", "content": "über"}])
        '[{"content":"über","role":"user"}]'
    """
    parts = []
    for i, m in enumerate(messages):
        if len(m) != 2 or type(m.get("role")) is not str or type(m.get("content")) is not str:
            return _canonical(list(messages))
        content = contents[i] if contents is not None else _dump_str(m["content"])
        parts.append('{"content":' + content + ',"role":' + _dump_str(m["role"]) + "}")
    return "[" + ",".join(parts) + "]"


def cache_key(
    identity: Mapping[str, Any],
    template_hash: str,
    messages: Sequence[Message],
    decoding: Mapping[str, Any],
) -> str:
    """Hex sha256 of (judge identity, template hash, messages, decoding parameters).

    Args:
        identity: the judge's ``{"model": ..., "revision": ...}`` (a backend's ``key_identity``).
        template_hash: :func:`proceval.judges.rubric.template_hash` of the rubric.
        messages: the rendered chat messages.
        decoding: :meth:`proceval.judges.base.Decoding.key_items`.

    Example:
        >>> k = cache_key({"model": "m", "revision": None}, "t", [{"role": "user", "content": "x"}],
        ...               {"temperature": 0.0, "max_tokens": 8})
        >>> len(k), k == cache_key({"revision": None, "model": "m"}, "t", [{"role": "user", "content": "x"}],
        ...                        {"max_tokens": 8, "temperature": 0.0})
        (64, True)
    """
    head, tail = key_parts(identity, template_hash, decoding)
    return hashlib.sha256((head + canonical_messages(messages) + tail).encode("utf-8")).hexdigest()


def key_parts(
    identity: Mapping[str, Any], template_hash: str, decoding: Mapping[str, Any]
) -> tuple[str, str]:
    """The canonical JSON of a key's payload before and after its messages (computed once per judge).

    The payload is ``{"decoding", "judge", "messages", "template", "v"}`` with sorted keys and no
    spaces, so ``head + canonical(messages) + tail`` is the canonical JSON of the whole payload.
    """
    head = (
        '{"decoding":'
        + _canonical(dict(decoding))
        + ',"judge":'
        + _canonical(dict(identity))
        + ',"messages":'
    )
    tail = ',"template":' + _canonical(template_hash) + ',"v":' + _canonical(LEDGER_VERSION) + "}"
    return head, tail


@dataclass(frozen=True)
class CachedReply:
    """One stored reply with everything its key was made from (a cache row, a ledger line).

    Times are Unix seconds (``created_s``).
    """

    key: str
    model: str
    revision: str | None
    template_hash: str
    messages: tuple[Message, ...]
    decoding: Mapping[str, Any]
    reply: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    response_model: str | None = None
    created_s: float = 0.0

    def expected_key(self) -> str:
        """The key recomputed from the row's fields."""
        return cache_key(
            {"model": self.model, "revision": self.revision}, self.template_hash, self.messages, self.decoding
        )

    def to_json(self) -> dict[str, Any]:
        """The ledger line (a JSON object; ``"v"`` first)."""
        return {
            "v": LEDGER_VERSION,
            "key": self.key,
            "model": self.model,
            "revision": self.revision,
            "template_hash": self.template_hash,
            "decoding": dict(self.decoding),
            "messages": list(self.messages),
            "reply": self.reply,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "response_model": self.response_model,
            "created_s": self.created_s,
        }


def _row_to_reply(row: tuple[Any, ...]) -> CachedReply:
    return CachedReply(
        key=row[0],
        model=row[1],
        revision=row[2],
        template_hash=row[3],
        messages=tuple(json.loads(row[4])),
        decoding=json.loads(row[5]),
        reply=row[6],
        prompt_tokens=row[7],
        completion_tokens=row[8],
        response_model=row[9],
        created_s=row[10],
    )


_BUSY_TIMEOUT_S = 60.0
"""How long a cache waits for another connection's lock (SQLite's busy timeout, and the retries below)."""


def _retry_when_busy(run: Callable[[], Any], timeout_s: float = _BUSY_TIMEOUT_S) -> Any:
    """``run()``, tried again while SQLite says the database is locked, for up to ``timeout_s`` seconds.

    Switching a file to WAL mode (and creating the table) while another process is opening or writing the
    same new file can fail at once with "database is locked": SQLite returns ``SQLITE_BUSY`` there without
    calling the busy handler (seen with two writers starting together on a loaded machine). Waits grow from
    10 ms to 0.5 s; any other error, or the last one after the timeout, is raised.
    """
    deadline = time.monotonic() + timeout_s
    wait = 0.01
    while True:
        try:
            return run()
        except sqlite3.OperationalError as exc:
            busy = "locked" in str(exc) or "busy" in str(exc)
            if not busy or time.monotonic() + wait > deadline:
                raise
        time.sleep(wait)
        wait = min(2 * wait, 0.5)


class JudgeCache:
    """Judge replies in one SQLite file (WAL mode), one row per key, committed per finished call.

    Args:
        path: the database file (created with its folder if missing).

    Example:
        >>> import tempfile, pathlib
        >>> with JudgeCache(pathlib.Path(tempfile.mkdtemp()) / "judge.sqlite") as cache:
        ...     len(cache)
        0
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            str(self.path), timeout=_BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None
        )
        try:
            self._conn.execute(f"PRAGMA busy_timeout={int(_BUSY_TIMEOUT_S * 1000)}")
            mode = _retry_when_busy(lambda: self._conn.execute("PRAGMA journal_mode=WAL").fetchone()[0])
            if str(mode).lower() != "wal":
                raise InputValidationError(
                    f"Expected the judge cache {self.path} to accept WAL mode, but SQLite chose {mode!r}."
                )
            self._conn.execute("PRAGMA synchronous=NORMAL")
            _retry_when_busy(lambda: self._conn.execute(_SCHEMA))
        except BaseException:
            self._conn.close()
            raise

    def __enter__(self) -> JudgeCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"JudgeCache({str(self.path)!r})"

    def close(self) -> None:
        """Close the database (finished calls are already committed)."""
        with self._lock:
            self._conn.close()

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM replies").fetchone()[0])

    def keys(self) -> list[str]:
        """Every key in the cache, sorted."""
        with self._lock:
            return [r[0] for r in self._conn.execute("SELECT key FROM replies ORDER BY key")]

    def get(self, key: str) -> CachedReply | None:
        """The stored reply for ``key``, or None."""
        with self._lock:
            row = self._conn.execute(f"SELECT {_COLUMNS} FROM replies WHERE key = ?", (key,)).fetchone()
        return None if row is None else _row_to_reply(row)

    def get_many(self, keys: Iterable[str]) -> dict[str, CachedReply]:
        """The stored replies among ``keys`` (missing keys are absent from the dict)."""
        wanted = list(dict.fromkeys(keys))
        out: dict[str, CachedReply] = {}
        with self._lock:
            for i in range(0, len(wanted), _CHUNK):
                chunk = wanted[i : i + _CHUNK]
                marks = ",".join("?" * len(chunk))
                for row in self._conn.execute(
                    f"SELECT {_COLUMNS} FROM replies WHERE key IN ({marks})", chunk
                ):
                    out[row[0]] = _row_to_reply(row)
        return out

    def replies(self, keys: Iterable[str]) -> dict[str, Completion]:
        """The stored reply texts (with usage) among ``keys``: what a run needs, without the prompts."""
        wanted = list(dict.fromkeys(keys))
        out: dict[str, Completion] = {}
        with self._lock:
            for i in range(0, len(wanted), _CHUNK):
                chunk = wanted[i : i + _CHUNK]
                marks = ",".join("?" * len(chunk))
                sql = (
                    "SELECT key, reply, prompt_tokens, completion_tokens, response_model FROM replies "
                    f"WHERE key IN ({marks})"
                )
                for key, reply, prompt, completion, model in self._conn.execute(sql, chunk):
                    out[key] = Completion(reply, prompt, completion, model)
        return out

    def put(self, entry: CachedReply) -> None:
        """Store one reply and commit (a key already stored keeps its first reply)."""
        values = (
            entry.key,
            entry.model,
            entry.revision,
            entry.template_hash,
            _canonical(list(entry.messages)),
            _canonical(dict(entry.decoding)),
            entry.reply,
            entry.prompt_tokens,
            entry.completion_tokens,
            entry.response_model,
            entry.created_s or time.time(),
        )
        with self._lock:
            self._conn.execute(
                f"INSERT OR IGNORE INTO replies ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)", values
            )

    def iter_replies(self, keys: Iterable[str] | None = None) -> Iterator[CachedReply]:
        """The stored replies (all, or those of ``keys``), sorted by key."""
        if keys is None:
            with self._lock:
                rows = self._conn.execute(f"SELECT {_COLUMNS} FROM replies ORDER BY key").fetchall()
            yield from (_row_to_reply(r) for r in rows)
            return
        found = self.get_many(keys)
        yield from (found[k] for k in sorted(found))

    def export_ledger(self, path: str | os.PathLike[str], keys: Iterable[str] | None = None) -> Path:
        """Write the replies (all, or those of ``keys``, e.g. ``result.cache_keys``) as a JSONL ledger.

        One JSON object per line (:meth:`CachedReply.to_json`), sorted by key, written atomically. The
        ledger holds the prompts and replies, never a credential.

        Raises:
            InputValidationError: a requested key is not in the cache.
        """
        wanted = None if keys is None else sorted(set(keys))
        replies = list(self.iter_replies(wanted))
        if wanted is not None and len(replies) != len(wanted):
            missing = sorted(set(wanted) - {r.key for r in replies})
            raise InputValidationError(
                f"Expected every key of argument `keys` to be in the cache {self.path}, but got {len(missing)} "
                f"missing (first: {missing[0]})."
            )
        with atomic_output(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
            for reply in replies:
                fh.write(json.dumps(reply.to_json(), ensure_ascii=False, sort_keys=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        return Path(path)


_LEDGER_FIELDS = ("key", "model", "template_hash", "decoding", "messages", "reply")


def read_ledger(path: str | os.PathLike[str]) -> list[CachedReply]:
    """Read a JSONL ledger written by :meth:`JudgeCache.export_ledger`, checking every line's key.

    Raises:
        ReleaseFormatError: a line is not JSON, lacks a field, or its key does not match its fields
            (names the file and line).
    """
    out: list[CachedReply] = []
    for lineno, text in iter_lines(path):
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ReleaseFormatError(path, f"invalid JSON line: {exc.msg}", line=lineno) from exc
        if not isinstance(obj, dict) or obj.get("v") != LEDGER_VERSION:
            raise ReleaseFormatError(
                path, f'expected a ledger object with "v": {LEDGER_VERSION}', line=lineno
            )
        missing = [f for f in _LEDGER_FIELDS if f not in obj]
        if missing:
            raise ReleaseFormatError(path, f"expected the fields {missing}", line=lineno)
        try:
            reply = CachedReply(
                key=str(obj["key"]),
                model=str(obj["model"]),
                revision=obj.get("revision"),
                template_hash=str(obj["template_hash"]),
                messages=tuple(obj["messages"]),
                decoding=dict(obj["decoding"]),
                reply=str(obj["reply"]),
                prompt_tokens=obj.get("prompt_tokens"),
                completion_tokens=obj.get("completion_tokens"),
                response_model=obj.get("response_model"),
                created_s=float(obj.get("created_s") or 0.0),
            )
            expected = reply.expected_key()
        except (TypeError, ValueError) as exc:
            raise ReleaseFormatError(path, f"malformed ledger line: {exc}", line=lineno) from exc
        if expected != reply.key:
            raise ReleaseFormatError(
                path,
                f"expected key {expected[:16]}... from the line's fields, but got {reply.key[:16]}...",
                line=lineno,
            )
        out.append(reply)
    return out
