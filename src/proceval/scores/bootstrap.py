"""Bootstrap confidence intervals and paired comparisons over per-unit statistics.

A *unit* is whatever the official evaluator treats as independent: a video for frame-level
segmentation, a query for retrieval, an instance for anticipation. Score modules expose a
``compute(units) -> {key: float}`` function; these helpers resample units with replacement (seeded
``numpy.random.default_rng``), recompute, and report percentile intervals, as sacrebleu does for
corpus metrics.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np

from proceval.errors import InputValidationError
from proceval.scores.options import Uncertainty

T = TypeVar("T")
ComputeFn = Callable[[Sequence[Any]], Mapping[str, Any]]


class ColumnStats(Sequence[T]):
    """Per-unit statistics held as equal-length columns instead of one object per unit.

    Indexing gives one unit as an object (:meth:`row`); the bootstrap resamples with :meth:`take`, so a
    resample is a few array gathers, not one object per unit. Subclasses define ``__len__``, ``row`` and
    ``take``.
    """

    def row(self, i: int) -> T:
        """Unit ``i`` as an object."""
        raise NotImplementedError

    def take(self, indices: np.ndarray) -> ColumnStats[T]:
        """The units at ``indices`` (repeats allowed), as the same kind of columns."""
        raise NotImplementedError

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self.row(j) for j in range(*i.indices(len(self)))]
        return self.row(i)


def _as_units(units: Sequence[T]) -> Sequence[T]:
    return units if isinstance(units, ColumnStats) else list(units)


def _subset(units: Sequence[T], indices: np.ndarray) -> Sequence[T]:
    """The resampled units: :meth:`ColumnStats.take` for columns, else a list of the unit objects."""
    return units.take(indices) if isinstance(units, ColumnStats) else [units[i] for i in indices]


def _bootstrap_arg_validation(n_resamples: int, confidence: float) -> None:
    if not isinstance(n_resamples, int) or isinstance(n_resamples, bool) or n_resamples < 1:
        raise InputValidationError(
            f"Expected argument `n_resamples` to be a positive integer, but got {n_resamples!r}."
        )
    if not (0.0 < float(confidence) < 1.0):
        raise InputValidationError(f"Expected argument `confidence` to be in (0, 1), but got {confidence!r}.")


def _numeric_items(result: Mapping[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in result.items():
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float, np.floating, np.integer)):
            out[key] = float(value)
    return out


def _resample_indices(n_units: int, n_resamples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, n_units, size=(n_resamples, n_units))


def _percentile_interval(values: np.ndarray, confidence: float) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return (math.nan, math.nan)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(finite, [alpha, 1.0 - alpha])
    return (float(low), float(high))


def bootstrap_ci(
    units: Sequence[T],
    compute: ComputeFn,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap interval for every numeric score that ``compute`` returns.

    Args:
        units: per-unit sufficient statistics (one per video, query or instance).
        compute: maps a list of units to ``{score_name: value}``; non-numeric values are ignored.
        n_resamples: number of bootstrap resamples.
        confidence: two-sided coverage of the interval, e.g. 0.95.
        seed: seed of ``numpy.random.default_rng``.

    Returns:
        ``{score_name: (low, high)}`` in the score's own scale. NaN resamples are left out.

    Raises:
        InputValidationError: no units, or bad options.

    Example:
        >>> units = [1.0, 0.0, 1.0, 1.0]
        >>> ci = bootstrap_ci(units, lambda u: {"mean": sum(u) / len(u)}, n_resamples=200, seed=1)
        >>> 0.0 <= ci["mean"][0] <= 0.75 <= ci["mean"][1] <= 1.0
        True
    """
    _bootstrap_arg_validation(n_resamples, confidence)
    units = _as_units(units)
    if not len(units):
        raise InputValidationError("Expected at least one unit to bootstrap, but got none.")
    idx = _resample_indices(len(units), n_resamples, seed)
    samples: dict[str, list[float]] = {}
    for row in idx:
        for key, value in _numeric_items(compute(_subset(units, row))).items():
            samples.setdefault(key, []).append(value)
    return {key: _percentile_interval(np.asarray(vals), confidence) for key, vals in samples.items()}


def paired_bootstrap(
    units_a: Sequence[T],
    units_b: Sequence[T],
    compute: ComputeFn,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """Paired bootstrap comparison of system A against system B on the same references.

    Both systems are resampled with the *same* unit indices, so unit difficulty cancels out.

    Returns:
        ``{score_name: {"a", "b", "delta", "ci_low", "ci_high", "p_value"}}`` where
        ``delta = a - b`` on the full set and ``p_value`` is the two-sided bootstrap p-value of
        ``delta = 0`` (twice the smaller tail fraction, with the +1 correction, capped at 1).

    Raises:
        InputValidationError: the systems have different numbers of units, or bad options.
    """
    _bootstrap_arg_validation(n_resamples, confidence)
    units_a, units_b = _as_units(units_a), _as_units(units_b)
    if len(units_a) != len(units_b):
        raise InputValidationError(
            "Expected both systems to be scored on the same units, but got "
            f"{len(units_a)} units for system A and {len(units_b)} for system B."
        )
    if not len(units_a):
        raise InputValidationError("Expected at least one unit to compare, but got none.")
    full_a = _numeric_items(compute(units_a))
    full_b = _numeric_items(compute(units_b))
    idx = _resample_indices(len(units_a), n_resamples, seed)
    deltas: dict[str, list[float]] = {key: [] for key in full_a if key in full_b}
    for row in idx:
        ra = _numeric_items(compute(_subset(units_a, row)))
        rb = _numeric_items(compute(_subset(units_b, row)))
        for key in deltas:
            deltas[key].append(ra[key] - rb[key])
    out: dict[str, dict[str, float]] = {}
    for key, vals in deltas.items():
        arr = np.asarray(vals)
        finite = arr[np.isfinite(arr)]
        low, high = _percentile_interval(arr, confidence)
        if finite.size:
            tail = min((finite <= 0).sum(), (finite >= 0).sum())
            p_value = min(1.0, 2.0 * (tail + 1) / (finite.size + 1))
        else:
            p_value = math.nan
        out[key] = {
            "a": full_a[key],
            "b": full_b[key],
            "delta": full_a[key] - full_b[key],
            "ci_low": low,
            "ci_high": high,
            "p_value": float(p_value),
        }
    return out


def with_uncertainty(
    result: dict[str, Any],
    units: Sequence[T],
    compute: ComputeFn,
    *,
    uncertainty: Uncertainty | None = None,
    bootstrap: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
    paired_units: Sequence[T] | None = None,
) -> dict[str, Any]:
    """Add ``"ci"`` and/or ``"paired"`` entries to a score dict; the common tail of every metric.

    ``uncertainty`` (or the loose ``bootstrap``/``confidence``/``seed``) says what to draw:
    ``bootstrap=0`` adds no interval; ``paired_units`` (system B's statistics on the same references)
    adds a paired comparison using :attr:`Uncertainty.resamples` resamples (``bootstrap``, or 1000 when
    it is 0; the signature records the count).
    """
    if uncertainty is None:
        uncertainty = Uncertainty(bootstrap, confidence, seed, paired=paired_units is not None)
    if uncertainty.bootstrap:
        result["ci"] = {
            k: list(v)
            for k, v in bootstrap_ci(
                units,
                compute,
                n_resamples=uncertainty.bootstrap,
                confidence=uncertainty.confidence,
                seed=uncertainty.seed,
            ).items()
        }
        result["ci_level"] = uncertainty.confidence
    if paired_units is not None:
        result["paired"] = paired_bootstrap(
            units,
            paired_units,
            compute,
            n_resamples=uncertainty.resamples,
            confidence=uncertainty.confidence,
            seed=uncertainty.seed,
        )
    return result
