"""Prediction files: one prediction per id, as JSON, JSON lines or ``.npz``.

* ``.json``: an object ``{id: prediction}``;
* ``.jsonl``: one object per line, ``{"id": ..., "prediction": ...}``;
* ``.npz``: one array per id (array names are the ids).

Ids are the ones :mod:`proceval.benchmarks.impact.adapters` documents per metric (video ids for frame-level
tasks, ``"{video_id}:{segment_index}"`` for cross-view segments, ...). A repeated id is an error in every
format (and so is a repeated key inside a JSON object).

Reading streams: JSON and JSON lines are decoded one prediction at a time (a progress bar by bytes on
stderr appears when reading takes more than a second), and a prediction that is a (nested) list of
numbers holding at least one float (an embedding, per-frame probabilities) becomes a float64
:class:`numpy.ndarray` as soon as it is read. Peak memory then stays about the size of the file instead
of the ~5x that Python lists of floats take (``docs/PERFORMANCE.md``). Lists of integers (labels), strings,
objects, and lists holding ``true``/``false``/``null``/``NaN``/``Infinity`` are kept as Python values, so
the score functions see and report them as written.
"""

from __future__ import annotations

import codecs
import json
import math
import os
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

from proceval.errors import InputValidationError, ReleaseFormatError, shorten
from proceval.io import atomic_write_text, check_text_file, dumps_outline, utf8_error

CHUNK_BYTES = 1 << 20
"""Bytes read at a time from a JSON predictions file (the buffer grows for a longer value)."""
PROGRESS_DELAY_S = 1.0
"""Seconds before the reading progress bar appears (tqdm's ``delay``): quick reads print nothing."""

_TAIL = 64  # characters: a JSON error this close to the end of the window may be a cut token
_LITERAL_CHARS = "tfnNI"  # a character of true / false / null / NaN / Infinity; none occurs in a JSON number
_WS = " \t\r\n"
_FORMATS = ".json, .jsonl or .npz"


class _RepeatedKeyError(ValueError):
    """A JSON object inside a prediction repeats a key."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _RepeatedKeyError(key)
            seen.add(key)
    return out


_DECODER = json.JSONDecoder(object_pairs_hook=_no_repeated_keys)


def _compact(value: Any, text: str) -> Any:
    """``value`` as a float64 array when it is a non-empty (nested, rectangular) list of numbers with a float.

    ``text`` is the JSON the value was decoded from (or a superset of it): if it holds a literal that
    numpy would silently turn into a number (``true``, ``false``, ``null``, ``NaN``, ``Infinity``), the
    value is kept as it is.
    """
    if type(value) is not list or not value or any(c in text for c in _LITERAL_CHARS):
        return value
    try:
        arr = np.array(value)
    except (ValueError, TypeError, OverflowError):  # ragged, or an integer beyond int64/float64
        return value
    if arr.dtype != np.float64 or arr.size == 0:
        return value  # integers (labels), strings, objects: kept as written
    return arr


def _progress(total: int, desc: str, enabled: bool) -> Any:
    """A tqdm bar by bytes on stderr that shows only after :data:`PROGRESS_DELAY_S` seconds."""
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc=desc,
        delay=PROGRESS_DELAY_S,
        file=sys.stderr,
        leave=False,
        disable=not enabled,
    )


def read_predictions(path: str | os.PathLike[str], *, progress: bool = True) -> dict[str, Any]:
    """Read a predictions file into ``{id: prediction}``.

    Args:
        path: a ``.json``, ``.jsonl`` or ``.npz`` file (UTF-8 text for JSON; a UTF-8 byte-order mark is
            allowed).
        progress: show a progress bar on stderr when reading takes more than a second.

    Returns:
        ``{id: prediction}`` in file order; numeric float lists as float64 arrays (see the module doc).

    Raises:
        ReleaseFormatError: naming the file (and line where there is one): missing file, a directory, an
            unknown extension, an empty file, text that is not UTF-8 (UTF-16 named), malformed JSON, a
            repeated id (or repeated key in an object), an ``.npz`` that is not a zip archive or holds
            pickled arrays. Ids are shortened in messages (:func:`proceval.errors.shorten`).
    """
    p = Path(path)
    if p.is_dir():
        raise ReleaseFormatError(p, "is a directory, but a predictions file was expected")
    if not p.is_file():
        raise ReleaseFormatError(p, "predictions file not found")
    suffix = p.suffix.lower()
    if suffix not in (".json", ".jsonl", ".npz"):
        raise ReleaseFormatError(
            p, f"expected a {_FORMATS} predictions file, got {suffix or 'no extension'!r}"
        )
    size = p.stat().st_size
    if size == 0:
        raise ReleaseFormatError(p, f"the file is empty: expected predictions ({_describe(suffix)})")
    if suffix == ".npz":
        return _read_npz(p, progress)
    check_text_file(p)
    with p.open("rb") as fh, _progress(size, f"reading {p.name}", progress) as bar:
        if suffix == ".json":
            return _read_json_object(p, fh, bar.update)
        return _read_jsonl(p, fh, bar.update)


def _describe(suffix: str) -> str:
    return {
        ".json": "a JSON object {id: prediction}",
        ".jsonl": 'one {"id": ..., "prediction": ...} object per line',
        ".npz": "one array per id",
    }[suffix]


# --------------------------------------------------------------------------------------------- JSON lines


def _read_jsonl(p: Path, fh: IO[bytes], advance: Callable[[int], Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    first: dict[str, int] = {}
    for lineno, raw in enumerate(fh, start=1):
        advance(len(raw))
        try:
            text = raw.decode("utf-8-sig" if lineno == 1 else "utf-8").strip()
        except UnicodeDecodeError:
            raise utf8_error(p) from None
        if not text:
            continue
        try:
            obj = _DECODER.decode(text)
        except _RepeatedKeyError as exc:
            raise ReleaseFormatError(p, f"key {shorten(exc.key)} repeats inside one object", lineno) from None
        except json.JSONDecodeError as exc:
            raise ReleaseFormatError(p, f"invalid JSON line: {exc.msg} (column {exc.colno})", lineno) from exc
        if not isinstance(obj, dict) or "id" not in obj or "prediction" not in obj:
            raise ReleaseFormatError(p, 'expected {"id": ..., "prediction": ...}', lineno)
        key = str(obj["id"])
        if key in first:
            raise ReleaseFormatError(p, f"id {shorten(key)} repeats (first on line {first[key]})", lineno)
        first[key] = lineno
        # the text after the "prediction" key (the whole value when it is the last key; else more, which
        # only makes the literal check stricter)
        out[key] = _compact(obj["prediction"], text[text.rfind('"prediction"') + 12 :])
    if not first:
        raise ReleaseFormatError(p, f"the file is empty: expected predictions ({_describe('.jsonl')})")
    return out


# --------------------------------------------------------------------------------------------- JSON object


class _JsonStream:
    """A growing window of decoded text over a binary file, with line numbers for messages."""

    def __init__(self, path: Path, fh: IO[bytes], advance: Callable[[int], Any]) -> None:
        self.path = path
        self.fh = fh
        self.advance = advance
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.buf = ""
        self.pos = 0
        self.line_base = 1  # line number of buf[0]
        self._counted = (0, 1)  # (position in buf, its line number): counting goes on from there
        self.eof = False

    def fill(self) -> bool:
        """Read more (at least :data:`CHUNK_BYTES`, doubling for long values); False at end of file."""
        if self.eof:
            return False
        want = max(CHUNK_BYTES, len(self.buf) - self.pos)
        chunk = self.fh.read(want)
        self.advance(len(chunk))
        self.eof = len(chunk) < want
        try:
            text = self.decoder.decode(chunk, final=self.eof)
        except UnicodeDecodeError:
            raise utf8_error(self.path) from None
        self.line_base = self.line(self.pos)
        self.buf = self.buf[self.pos :] + text
        self.pos = 0
        self._counted = (0, self.line_base)
        return bool(chunk) or bool(text)

    def line(self, pos: int | None = None) -> int:
        """1-based line number at ``pos`` (default: the cursor); counts on from the last position asked."""
        pos = self.pos if pos is None else pos
        start, line = self._counted
        if pos < start:
            start, line = 0, self.line_base
        line += self.buf.count("\n", start, pos)
        self._counted = (pos, line)
        return line

    def error(self, message: str, pos: int | None = None) -> ReleaseFormatError:
        return ReleaseFormatError(self.path, message, self.line(pos))

    def peek(self) -> str:
        """The next non-blank character ("" at end of file), without consuming it."""
        while True:
            n = len(self.buf)
            while self.pos < n and self.buf[self.pos] in _WS:
                self.pos += 1
            if self.pos < n:
                return self.buf[self.pos]
            if not self.fill():
                return ""

    def value(self) -> tuple[Any, int]:
        """Decode one JSON value at the cursor; returns it and its start (the cursor moves past it)."""
        while True:
            start = self.pos
            try:
                value, end = _DECODER.raw_decode(self.buf, start)
            except json.JSONDecodeError as exc:
                # an error near the end of the window may be a value cut by the chunk boundary
                truncated = exc.pos >= len(self.buf) - _TAIL or exc.msg.startswith("Unterminated string")
                if truncated and self.fill():
                    continue
                raise self.error(f"invalid JSON: {exc.msg}", exc.pos) from None
            if end >= len(self.buf) and not self.eof and self.fill():
                continue  # a number at the end of the window may go on in the next chunk
            self.pos = end
            return value, start


_JSON_TYPES = {"[": "an array", '"': "a string", "t": "a boolean", "f": "a boolean", "n": "null"}


def _read_json_object(p: Path, fh: IO[bytes], advance: Callable[[int], Any]) -> dict[str, Any]:
    s = _JsonStream(p, fh, advance)
    head = s.peek()
    if head == "":
        raise ReleaseFormatError(p, f"the file is empty: expected predictions ({_describe('.json')})")
    if head != "{":
        got = _JSON_TYPES.get(head, "a number" if head in "-0123456789" else f"{head!r}")
        raise s.error(f"expected a JSON object {{id: prediction}}, but the file holds {got}")
    s.pos += 1
    out: dict[str, Any] = {}
    first_line: dict[str, int] = {}
    if s.peek() == "}":
        s.pos += 1
    else:
        while True:
            if s.peek() != '"':
                raise s.error("invalid JSON: expected an id in double quotes")
            key, _ = s.value()
            line = s.line()
            if s.peek() != ":":
                raise s.error("invalid JSON: expected ':' after an id")
            s.pos += 1
            s.peek()
            try:
                value, start = s.value()
            except _RepeatedKeyError as exc:
                raise s.error(
                    f"key {shorten(exc.key)} repeats inside the prediction of id {shorten(key)}"
                ) from None
            if key in first_line:
                raise ReleaseFormatError(
                    p, f"id {shorten(key)} repeats (first on line {first_line[key]})", line
                )
            first_line[key] = line
            out[key] = _compact(value, s.buf[start : s.pos]) if type(value) is list else value
            sep = s.peek()
            s.pos += 1
            if sep == "}":
                break
            if sep != ",":
                raise s.error("invalid JSON: expected ',' or '}' after a prediction", s.pos - 1)
    if s.peek() != "":
        raise s.error("invalid JSON: extra data after the object")
    return out


# --------------------------------------------------------------------------------------------- npz


_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def _read_npz(p: Path, progress: bool) -> dict[str, Any]:
    with p.open("rb") as fh:
        head = fh.read(6)
    if not head.startswith(_ZIP_MAGIC):
        what = "a single .npy array" if head.startswith(b"\x93NUMPY") else "not a zip archive"
        raise ReleaseFormatError(
            p,
            f"expected an .npz archive (one array per id, as numpy.savez writes it), but the file is {what}",
        )
    out: dict[str, Any] = {}
    try:
        with np.load(p, allow_pickle=False) as npz:
            names = list(npz.files)
            if not names:
                raise ReleaseFormatError(p, f"the file is empty: expected predictions ({_describe('.npz')})")
            for name in _iter_progress(names, f"reading {p.name}", progress):
                try:
                    out[name] = npz[name]
                except ValueError as exc:  # object arrays need pickle
                    raise ReleaseFormatError(
                        p, f"array {shorten(name)} holds Python objects (pickled); expected numeric arrays"
                    ) from exc
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise ReleaseFormatError(p, f"the .npz archive is damaged or truncated: {exc}") from exc
    return out


def _iter_progress(items: list[str], desc: str, enabled: bool) -> Iterator[str]:
    from tqdm.auto import tqdm

    yield from tqdm(
        items,
        desc=desc,
        unit="array",
        delay=PROGRESS_DELAY_S,
        file=sys.stderr,
        leave=False,
        disable=not enabled,
    )


# --------------------------------------------------------------------------------------------- writing


def to_jsonable(obj: Any) -> Any:
    """A copy of ``obj`` that ``json.dump`` accepts: string keys, lists for tuples and arrays, Python scalars.

    NaN becomes ``None`` and +/-inf becomes +/-1e308 (NumPy scalars too), so the output is strict JSON.

    Example:
        >>> to_jsonable({1: (np.float64("nan"), np.int64(2)), "x": [float("inf"), "a", None]})
        {'1': [None, 2], 'x': [1e+308, 'a', None]}
    """
    kind = type(obj)
    if kind is str or kind is int or kind is bool or obj is None:  # most leaves: nothing to convert
        return obj
    if kind is float:
        return obj if math.isfinite(obj) else _non_finite(obj)
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return _non_finite(obj)
    return obj


def _non_finite(value: float) -> float | None:
    return None if math.isnan(value) else (1e308 if value > 0 else -1e308)


def write_predictions(path: str | os.PathLike[str], predictions: dict[str, Any]) -> Path:
    """Write ``{id: prediction}`` as a JSON object, atomically."""
    return atomic_write_text(_writable(path), json.dumps(to_jsonable(predictions)) + "\n")


def write_results(path: str | os.PathLike[str], results: dict[str, Any]) -> Path:
    """Write a results dict as indented JSON (:func:`~proceval.io.dumps_outline`), atomically (NaN written as null).

    Raises:
        InputValidationError: ``path`` is a directory, or the file cannot be written (the OS reason).
    """
    target = _writable(path)
    try:
        return atomic_write_text(target, dumps_outline(to_jsonable(results)) + "\n")
    except OSError as exc:
        raise InputValidationError(
            f"Expected a writable file path for the results, but writing {str(target)!r} failed: "
            f"{exc.strerror or exc}."
        ) from exc


def _writable(path: str | os.PathLike[str]) -> Path:
    target = Path(path)
    if target.is_dir():
        raise InputValidationError(
            f"Expected a file path to write, but got a directory: {str(target)!r} (name a file inside it)."
        )
    return target
