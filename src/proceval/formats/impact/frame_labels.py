"""Per-frame ground truth: ``groundTruth_*/{video_id}.txt``, one label name per line (one per frame)."""

from __future__ import annotations

import os
from collections.abc import Mapping

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
