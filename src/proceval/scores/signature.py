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


def score_signature(
    name: str,
    options: Any,
    uncertainty: Any,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """The signature of one score result: the score's options, then ``extra``, then the resampling keys.

    Args:
        name: the score's short name (``tas``).
        options: a :class:`~proceval.scores.options.ScoreOptions` (every signed field is written).
        uncertainty: the :class:`~proceval.scores.options.Uncertainty` of the call.
        extra: further ``{abbreviation: value}`` pairs that change the number (e.g. the label map size).

    Example:
        >>> from proceval.scores.options import Uncertainty
        >>> from proceval.scores.tas import TasOptions
        >>> score_signature("tas", TasOptions(), Uncertainty(paired=True)).rsplit("|v:", 1)[0]
        'tas|conv:mstcn|ign:0|bg:drop_segments|agg:pooled|acc:all|thr:0.1,0.25,0.5|eps:0|f1undef:0|end:exclusive|emptyedit:perfect|bs:1000|ci:0.95|rs:0|paired:yes'
    """
    items = {**options.signature_items(), **dict(extra or {}), **uncertainty.signature_items()}
    return make_signature(name, items)


CONTEXT_KEYS: tuple[tuple[str, str], ...] = (("data_version", "data"), ("config", "cfg"), ("split", "split"))
"""The keys a scored config adds to a score's signature, with their abbreviations, in order."""


def with_context(signature: str, extra: Mapping[str, Any] | None = None, **context: Any) -> str:
    """Insert ``extra`` options, then the dataset context, before the version key of ``signature``.

    The context keys are ``data_version``, ``config`` and ``split``.

    Args:
        signature: a score signature ending in ``|v:<version>``.
        extra: further ``{abbreviation: value}`` pairs (options applied before the score function);
            ``None`` values are dropped.
        **context: ``data_version``, ``config`` and ``split``.

    Example:
        >>> with_context("tas|conv:mstcn|v:0.1.0", data_version="impact-1a2b3c4d", config="tas_s_s1",
        ...              split="test")
        'tas|conv:mstcn|data:impact-1a2b3c4d|cfg:tas_s_s1|split:test|v:0.1.0'
    """
    unknown = set(context) - {k for k, _ in CONTEXT_KEYS}
    if unknown:
        raise ValueError(f"unknown signature context keys: {sorted(unknown)}")
    head, sep, version = signature.rpartition("|v:")
    if not sep:
        head, version = signature, __version__
    parts = [head] + [f"{k}:{_fmt(v)}" for k, v in (extra or {}).items() if v is not None]
    parts += [f"{abbr}:{_fmt(context[k])}" for k, abbr in CONTEXT_KEYS if context.get(k) is not None]
    return "|".join(parts) + f"|v:{version}"
