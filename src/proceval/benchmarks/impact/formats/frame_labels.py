"""Per-frame ground truth: ``groundTruth_*/{video_id}.txt``, one label name per line (one per frame)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from proceval.errors import ReleaseFormatError
from proceval.io import iter_lines


def read_frame_label_names(path: str | os.PathLike[str]) -> list[str]:
    """Label names, one per frame, in frame order. Blank lines are an error (they would shift frames)."""
    out: list[str] = []
    for lineno, text in iter_lines(path, skip_blank=False):
        if not text:
            raise ReleaseFormatError(path, "blank line where a frame label was expected", lineno)
        out.append(text)
    return out


def read_frame_labels(path: str | os.PathLike[str], label_to_id: Mapping[str, int]) -> np.ndarray:
    """Per-frame label ids (int64). An unknown label name stops with the file and line."""
    names = read_frame_label_names(path)
    out = np.empty(len(names), dtype=np.int64)
    for i, name in enumerate(names):
        idx = label_to_id.get(name)
        if idx is None:
            raise ReleaseFormatError(path, f"unknown label {name!r} (not in the label map)", i + 1)
        out[i] = idx
    return out


def read_frame_label_ids(path: str | os.PathLike[str], names: Sequence[str]) -> np.ndarray:
    """Per-frame label ids (int16) for a label map given as ``names`` (index = id); fast path.

    Same contract as :func:`read_frame_labels` (CR/LF tolerant, surrounding spaces stripped, one
    label per line; a blank line or an unknown name stops with the file and 1-based line number),
    but decodes a whole file with one dictionary lookup per line.

    Raises:
        ReleaseFormatError: the file is missing, has a blank line or an unknown label.
    """
    p = Path(path)
    if not p.is_file():
        raise ReleaseFormatError(p, "file not found")
    lines = p.read_text(encoding="utf-8").splitlines()
    index = {name: i for i, name in enumerate(names)}
    try:
        return np.array([index[x] for x in lines], dtype=np.int16)
    except KeyError:
        pass
    out = np.empty(len(lines), dtype=np.int16)
    for lineno, raw in enumerate(lines, start=1):
        name = raw.strip()
        if not name:
            raise ReleaseFormatError(p, "blank line where a frame label was expected", lineno)
        idx = index.get(name)
        if idx is None:
            raise ReleaseFormatError(p, f"unknown label {name!r} (not in the label map)", lineno)
        out[lineno - 1] = idx
    return out
