"""Reproducibility signatures, in the style of sacrebleu's ``BLEUSignature``.

A signature records every option that changes a number, as ``key:value`` pairs joined by ``|``,
booleans as ``yes``/``no``, ``None`` dropped, sequences joined by ``,``, the package version last:
``tas|ign:0|agg:pooled|bg:segments|v:0.1.0``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from proceval import __version__


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return ",".join(_fmt(v) for v in items) if items else "none"
    return str(value)


def make_signature(
    name: str, options: Mapping[str, Any], abbreviations: Mapping[str, str] | None = None
) -> str:
    """Build ``name|k:v|...|v:<version>`` from ``options`` in their given order.

    Args:
        name: the metric's short name (``tas``, ``psr``, ...).
        options: every option that changes the number, in a stable order.
        abbreviations: optional short forms of option keys.

    Example:
        >>> make_signature("tas", {"ignore_labels": [0], "aggregate": "pooled", "x": None},
        ...                {"ignore_labels": "ign", "aggregate": "agg"}).rsplit("|", 1)[0]
        'tas|ign:0|agg:pooled'
    """
    abbreviations = abbreviations or {}
    parts = [name]
    for key, value in options.items():
        if value is None:
            continue
        parts.append(f"{abbreviations.get(key, key)}:{_fmt(value)}")
    parts.append(f"v:{__version__}")
    return "|".join(parts)
