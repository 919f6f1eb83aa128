"""Run-length encoding of per-frame label sequences into segments.

Segments use 0-based frame indices with an **exclusive** end (``end = last + 1``), as MS-TCN's
``get_labels_start_end_time`` does. Release files that store inclusive ends (CV, AF-S, ATR) say so
where they are parsed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np


class Segments(NamedTuple):
    """Parallel arrays of segment labels, starts (inclusive) and ends (exclusive), in frames."""

    labels: np.ndarray
    starts: np.ndarray
    ends: np.ndarray


def label_runs(frames: Sequence[int] | np.ndarray) -> Segments:
    """Run-length encode ``frames`` (1-D integer labels) into maximal constant runs.

    Example:
        >>> s = label_runs([0, 0, 3, 3, 3, 0])
        >>> s.labels.tolist(), s.starts.tolist(), s.ends.tolist()
        ([0, 3, 0], [0, 2, 5], [2, 5, 6])
    """
    arr = np.asarray(frames)
    if arr.ndim != 1:
        raise ValueError(f"Expected a 1-D label sequence, but got shape {arr.shape}.")
    if arr.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Segments(empty.astype(arr.dtype), empty, empty)
    change = np.flatnonzero(arr[1:] != arr[:-1]) + 1
    starts = np.concatenate(([0], change)).astype(np.int64)
    ends = np.concatenate((change, [arr.size])).astype(np.int64)
    return Segments(arr[starts], starts, ends)
