"""Official split bundles: ``{train,val,test}.split{1..4}.bundle``, one video id per line.

Most bundles use CRLF line endings, ASR's use LF; both are read the same way. Dataset splits are
named ``train`` / ``validation`` / ``test``; the bundles call validation ``val``.
"""

from __future__ import annotations

import os
from pathlib import Path

from proceval.errors import ReleaseFormatError
from proceval.io import iter_lines

SPLIT_TO_BUNDLE_PART = {"train": "train", "validation": "val", "test": "test"}
SPLITS: tuple[str, ...] = ("train", "validation", "test")


def bundle_path(folder: str | os.PathLike[str], split: str, protocol: int) -> Path:
    """Path of the bundle for dataset split ``split`` and protocol ``protocol`` (1..4)."""
    if split not in SPLIT_TO_BUNDLE_PART:
        raise ValueError(f"Expected `split` in {SPLITS}, but got {split!r}.")
    return Path(folder) / f"{SPLIT_TO_BUNDLE_PART[split]}.split{protocol}.bundle"


def read_bundle(path: str | os.PathLike[str]) -> list[str]:
    """Read a bundle: video ids in file order, CR stripped, blank lines skipped.

    Raises:
        ReleaseFormatError: the file is missing, or an id repeats (naming both lines).
    """
    return [text for _, text in read_bundle_lines(path)]


def read_bundle_lines(path: str | os.PathLike[str]) -> list[tuple[int, str]]:
    """Like :func:`read_bundle` but keeps the 1-based line number of every id (for error messages).

    Raises:
        ReleaseFormatError: the file is missing, or an id repeats (naming both lines).
    """
    out: list[tuple[int, str]] = []
    first_line: dict[str, int] = {}
    for lineno, text in iter_lines(path):
        if text in first_line:
            raise ReleaseFormatError(
                path, f"video id {text!r} repeats (first on line {first_line[text]})", lineno
            )
        first_line[text] = lineno
        out.append((lineno, text))
    return out
