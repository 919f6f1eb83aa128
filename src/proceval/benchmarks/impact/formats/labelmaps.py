"""Label maps: ``mapping_*.txt`` files with ``<id> <NAME>`` per line, ids 0-based and contiguous."""

from __future__ import annotations

import os

from proceval.errors import ReleaseFormatError
from proceval.io import iter_lines


def read_label_map(path: str | os.PathLike[str]) -> list[str]:
    """Return the label names indexed by id.

    Raises:
        ReleaseFormatError: a line is not ``<int> <name>``, or ids are not 0..N-1 in order.
    """
    names: list[str] = []
    for lineno, text in iter_lines(path):
        parts = text.split(maxsplit=1)
        if len(parts) != 2 or not parts[0].lstrip("-").isdigit():
            raise ReleaseFormatError(path, f"expected '<id> <NAME>', got {text!r}", lineno)
        idx = int(parts[0])
        if idx != len(names):
            raise ReleaseFormatError(
                path, f"expected id {len(names)} (ids must be 0..N-1 in order), got {idx}", lineno
            )
        names.append(parts[1].strip())
    if not names:
        raise ReleaseFormatError(path, "label map is empty")
    return names
