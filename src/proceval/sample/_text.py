"""Byte-exact text writers: the official files mix CRLF and LF, trailing newlines and JSON layouts."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any

from proceval.io import atomic_write_bytes


def write_lines(
    path: str | os.PathLike[str], lines: Iterable[str], *, crlf: bool = False, bom: bool = False
) -> None:
    r"""Write one line per item, each terminated (``\r\n`` if ``crlf`` else ``\n``), atomically."""
    eol = "\r\n" if crlf else "\n"
    text = "".join(f"{line}{eol}" for line in lines)
    atomic_write_bytes(path, (("\ufeff" if bom else "") + text).encode("utf-8"))


def write_json(
    path: str | os.PathLike[str],
    obj: Any,
    *,
    crlf: bool = False,
    trailing_newline: bool = False,
    indent: int = 2,
) -> None:
    """Pretty-print ``obj`` (indent 2, every list item on its own line) with the given line endings."""
    text = json.dumps(obj, indent=indent, ensure_ascii=False)
    if trailing_newline:
        text += "\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    atomic_write_bytes(path, text.encode("utf-8"))


def write_jsonl(path: str | os.PathLike[str], rows: Iterable[dict[str, Any]]) -> None:
    """One compact JSON object per line (``", "`` / ``": "`` separators), LF endings."""
    atomic_write_bytes(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8"))
