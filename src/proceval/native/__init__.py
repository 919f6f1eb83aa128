"""Optional compiled helpers, each with a pure-Python path that gives the same results.

The extension ``proceval.native._spanlists`` is built from ``_spanlists.c`` when the package is installed
with a C compiler (``pip install`` builds it; ``optional = true`` in ``pyproject.toml`` lets the install go
on without it). :data:`AVAILABLE` says whether it was built; ``PROCEVAL_NO_NATIVE=1`` in the environment
turns it off (tests use this to run both paths).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

_READER: Any = None
if os.environ.get("PROCEVAL_NO_NATIVE", "") in ("", "0"):
    try:
        _READER = importlib.import_module("proceval.native._spanlists").read
    except ImportError:  # not built (no compiler at install time): the callers' own path is used
        _READER = None

AVAILABLE: bool = _READER is not None
"""Whether the compiled reader is in use."""


@contextmanager
def disabled() -> Iterator[None]:
    """Within the block, every helper here returns None, so callers take their pure-Python path.

    For comparisons (tests, ``benchmarks/bench_grounding.py``); it changes a module-level switch, so it is
    not meant for use from several threads at once.
    """
    global _READER
    saved = _READER
    _READER = None
    try:
        yield
    finally:
        _READER = saved


def read_span_lists(values: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Flat ``(starts, ends, question)`` of per-question span lists, or None.

    Args:
        values: a ``list`` with one item per question: a list or tuple of spans, each a list or tuple of
            exactly two times (seconds), each an exact ``float`` or an exact ``int`` of magnitude at most
            2**53 (converted without rounding).

    Returns:
        ``starts`` and ``ends`` (float64, seconds, as given: NaN and infinity included) and ``question``
        (int64, the index of each span's question), one entry per span in question order; None when the
        compiled reader is not available or when any item is of another kind (a bool, ``None``, text, a
        NumPy scalar or array, a span of another length, a subclass of list or float, ...), which the
        caller then reads its own way.
    """
    if _READER is None:
        return None
    got = _READER(values)
    if got is None:
        return None
    starts, ends, question = got
    return (
        np.frombuffer(starts, dtype=np.float64),
        np.frombuffer(ends, dtype=np.float64),
        np.frombuffer(question, dtype=np.int64),
    )
