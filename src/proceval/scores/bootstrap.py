"""Bootstrap confidence intervals and paired comparisons over per-unit statistics.

A *unit* is whatever the official evaluator treats as independent: a video for frame-level
segmentation, a query for retrieval, an instance for anticipation. Score modules expose a
``compute(units) -> {key: float}`` function; these helpers resample units with replacement (seeded
``numpy.random.default_rng``), recompute, and report percentile intervals, as sacrebleu does for
corpus metrics.

Results files keep the value of each headline score on every resample (the *replicates*) so that two
results can be compared later without their predictions: inside :func:`keep_replicates`, every
:func:`bootstrap_ci` call records its per-resample values (a :class:`Replicates`), and
:func:`compare_replicates` turns two aligned replicate vectors into the same paired comparison
:func:`paired_bootstrap` computes from the units. Recording is opt-in and changes no number.
"""

from __future__ import annotations

import contextvars
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
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


@dataclass
class Replicates:
    """The per-resample values of one :func:`bootstrap_ci` call (recorded inside :func:`keep_replicates`).

    Attributes:
        values: ``{score_name: array of shape (n_resamples,)}``, in resample order; NaN where a resample
            gave no finite number (or no number) for that score.
        n_resamples: the number of resamples.
        seed: the resampling seed.
        num_units: the number of units resampled (resample ``b`` drew
            ``default_rng(seed).integers(0, num_units, (n_resamples, num_units))[b]``).
        confidence: the interval's coverage (set by :func:`with_uncertainty`; None from a bare call).
        result: the score dict :func:`with_uncertainty` added the interval to (None from a bare call).
        ci: the ``result["ci"]`` dict that call wrote (None from a bare call); lets a caller find the
            record of a nested result even after the score dict was shallow-copied.
    """

    values: dict[str, np.ndarray]
    n_resamples: int
    seed: int
    num_units: int
    confidence: float | None = None
    result: dict[str, Any] | None = field(default=None, repr=False)
    ci: dict[str, Any] | None = field(default=None, repr=False)


_RECORDS: contextvars.ContextVar[list[Replicates] | None] = contextvars.ContextVar(
    "proceval_bootstrap_replicates", default=None
)


@contextmanager
def keep_replicates() -> Iterator[list[Replicates]]:
    """Record the per-resample values of every :func:`bootstrap_ci` call made inside the block.

    Yields:
        The list the records are appended to, in call order (nested results, e.g. one per protocol,
        give one record each). Outside the block nothing is recorded; the numbers never change.

    Example:
        >>> with keep_replicates() as records:
        ...     _ = bootstrap_ci([1.0, 0.0, 1.0], lambda u: {"mean": sum(u) / len(u)}, n_resamples=4)
        >>> records[0].values["mean"].shape, records[0].num_units
        ((4,), 3)
    """
    records: list[Replicates] = []
    token = _RECORDS.set(records)
    try:
        yield records
    finally:
        _RECORDS.reset(token)


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
    records = _RECORDS.get()
    per_resample: list[dict[str, float]] = []
    samples: dict[str, list[float]] = {}
    for row in idx:
        values = _numeric_items(compute(_subset(units, row)))
        for key, value in values.items():
            samples.setdefault(key, []).append(value)
        if records is not None:
            per_resample.append(values)
    if records is not None:
        records.append(
            Replicates(
                values={
                    key: np.array([r.get(key, math.nan) for r in per_resample], dtype=np.float64)
                    for key in samples
                },
                n_resamples=n_resamples,
                seed=seed,
                num_units=len(units),
            )
        )
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
        low, high, p_value = _delta_summary(np.asarray(vals), confidence)
        out[key] = {
            "a": full_a[key],
            "b": full_b[key],
            "delta": full_a[key] - full_b[key],
            "ci_low": low,
            "ci_high": high,
            "p_value": p_value,
        }
    return out


def _delta_summary(deltas: np.ndarray, confidence: float) -> tuple[float, float, float]:
    """``(ci_low, ci_high, p_value)`` of per-resample deltas (non-finite resamples left out)."""
    finite = deltas[np.isfinite(deltas)]
    low, high = _percentile_interval(deltas, confidence)
    if finite.size:
        tail = min((finite <= 0).sum(), (finite >= 0).sum())
        p_value = min(1.0, 2.0 * (tail + 1) / (finite.size + 1))
    else:
        p_value = math.nan
    return low, high, float(p_value)


def compare_replicates(
    replicates_a: Sequence[float] | np.ndarray,
    replicates_b: Sequence[float] | np.ndarray,
    *,
    confidence: float = 0.95,
) -> dict[str, float]:
    """Paired bootstrap comparison of two systems from their stored per-resample values of one score.

    When both replicate vectors come from the same units, resample count and seed (so resample ``b``
    drew the same unit indices for both), ``replicates_a - replicates_b`` *is* the delta distribution
    :func:`paired_bootstrap` draws from the units, and this returns its ``ci_low``, ``ci_high`` and
    ``p_value`` exactly.

    Args:
        replicates_a: system A's score on each resample (NaN or None: no number on that resample).
        replicates_b: system B's, same length and resample order.
        confidence: two-sided coverage of the delta's interval.

    Returns:
        ``{"ci_low", "ci_high", "p_value"}`` of ``delta = a - b`` (NaN when no resample is finite).

    Raises:
        InputValidationError: the vectors differ in length or are empty, or a bad ``confidence``.

    Example:
        >>> out = compare_replicates([0.6, 0.7, 0.65], [0.5, 0.55, 0.5])
        >>> out["ci_low"] > 0, out["p_value"]
        (True, 0.5)
    """
    a = np.asarray(replicates_a, dtype=np.float64)
    b = np.asarray(replicates_b, dtype=np.float64)
    _bootstrap_arg_validation(max(int(a.size), 1), confidence)
    if a.shape != b.shape or a.ndim != 1 or not a.size:
        raise InputValidationError(
            "Expected two replicate vectors of the same non-zero length, but got "
            f"{a.size} values for system A and {b.size} for system B."
        )
    low, high, p_value = _delta_summary(a - b, confidence)
    return {"ci_low": low, "ci_high": high, "p_value": p_value}


def compare_replicates_many(
    replicates: np.ndarray,
    reference: Sequence[float] | np.ndarray,
    *,
    confidence: float = 0.95,
) -> dict[str, np.ndarray]:
    """:func:`compare_replicates` of each row of ``replicates`` against ``reference``, at once.

    Rows whose deltas are all finite are summarised together (one ``numpy.quantile`` along the rows,
    which gives the same numbers as one call per row); any other row goes through
    :func:`compare_replicates`.

    Args:
        replicates: shape ``(n_systems, n_resamples)``.
        reference: shape ``(n_resamples,)``, the system each row is compared with.
        confidence: two-sided coverage of the delta's interval.

    Returns:
        ``{"ci_low", "ci_high", "p_value"}``, each an array of shape ``(n_systems,)``.

    Example:
        >>> out = compare_replicates_many(np.array([[0.6, 0.7, 0.65]]), [0.5, 0.55, 0.5])
        >>> out["p_value"].tolist()
        [0.5]
    """
    matrix = np.asarray(replicates, dtype=np.float64)
    ref = np.asarray(reference, dtype=np.float64)
    if matrix.ndim != 2 or ref.ndim != 1 or matrix.shape[1] != ref.size or not ref.size:
        raise InputValidationError(
            "Expected replicates of shape (n_systems, n_resamples) and a reference of n_resamples values, "
            f"but got {matrix.shape} and {ref.shape}."
        )
    _bootstrap_arg_validation(int(ref.size), confidence)
    deltas = matrix - ref
    low = np.full(matrix.shape[0], math.nan)
    high, p_value = low.copy(), low.copy()
    finite = np.isfinite(deltas).all(axis=1)
    if finite.any():
        d = deltas[finite]
        alpha = (1.0 - confidence) / 2.0
        low[finite], high[finite] = np.quantile(d, [alpha, 1.0 - alpha], axis=1)
        tail = np.minimum((d <= 0).sum(axis=1), (d >= 0).sum(axis=1))
        p_value[finite] = np.minimum(1.0, 2.0 * (tail + 1) / (d.shape[1] + 1))
    for i in np.flatnonzero(~finite):
        low[i], high[i], p_value[i] = _delta_summary(deltas[i], confidence)
    return {"ci_low": low, "ci_high": high, "p_value": p_value}


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
        records = _RECORDS.get()
        n_records = len(records) if records is not None else 0
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
        if records is not None and len(records) > n_records:
            record = records[-1]
            record.confidence, record.result, record.ci = uncertainty.confidence, result, result["ci"]
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
