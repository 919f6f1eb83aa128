"""Krippendorff's alpha (ordinal): hand-computed cases, the published example, a plain reference, the PyPI package."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from proceval.errors import InputValidationError
from proceval.judges.agreement import krippendorff_alpha_ordinal

NAN = np.nan
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the example with missing values:
# 4 observers x 12 units, values 1..5. The paper gives alpha = 0.743 (nominal), 0.815 (ordinal), 0.849 (interval).
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]


def _reference_plain_alpha_ordinal(table) -> float | None:
    """Pairwise definition written plainly: alpha = 1 - D_o / D_e over all ordered pairs of values."""
    units = [[v for v in col if not np.isnan(v)] for col in np.asarray(table, float).T]
    units = [u for u in units if len(u) >= 2]
    values = sorted({v for u in units for v in u})
    pooled = [v for u in units for v in u]
    n = len(pooled)
    count = {v: pooled.count(v) for v in values}

    def delta(c, k):
        lo, hi = min(c, k), max(c, k)
        between = sum(count[g] for g in values if lo <= g <= hi)
        return (between - (count[c] + count[k]) / 2) ** 2

    d_o = sum(sum(delta(a, b) for a, b in itertools.permutations(u, 2)) / (len(u) - 1) for u in units) / n
    d_e = sum(delta(a, b) for a, b in itertools.permutations(pooled, 2)) / (n * (n - 1))
    return None if d_e == 0 else 1 - d_o / d_e


def test_hand_computed_two_raters():
    # o_11 = 2, o_12 = o_21 = 1, o_33 = 2; n = (3, 1, 2); delta_12 = 4, delta_13 = 12.25, delta_23 = 2.25
    # alpha = 1 - (6 - 1) * (2 * 4) / (2 * (3*1*4 + 3*2*12.25 + 1*2*2.25)) = 1 - 40 / 180
    assert krippendorff_alpha_ordinal([[1, 1, 3], [1, 2, 3]]) == pytest.approx(1 - 40 / 180, abs=1e-12)


def test_published_example():
    assert krippendorff_alpha_ordinal(KRIPPENDORFF_2011) == pytest.approx(0.815, abs=5e-4)


def test_perfect_agreement_is_one_and_unpairable_units_are_ignored():
    assert krippendorff_alpha_ordinal([[1, 2, 3, 5], [1, 2, 3, NAN]]) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "table",
    [
        [[3, 3, 3], [3, 3, 3]],  # one value: no expected disagreement
        [[1, NAN], [NAN, 2]],  # no unit with two ratings
        np.empty((2, 0)),
    ],
)
def test_undefined_alpha_is_none(table):
    assert krippendorff_alpha_ordinal(table) is None


def test_systematic_disagreement_is_negative():
    assert krippendorff_alpha_ordinal([[1, 5, 1, 5], [5, 1, 5, 1]]) < 0


def test_not_a_table_raises():
    with pytest.raises(InputValidationError, match=r"\[raters, units\] table, but got shape \(3,\)"):
        krippendorff_alpha_ordinal([1, 2, 3])


@pytest.mark.parametrize("seed", range(6))
def test_against_plain_reference_and_pypi_package(seed):
    rng = np.random.default_rng(seed)
    raters, units = int(rng.integers(2, 5)), int(rng.integers(5, 30))
    truth = rng.integers(0, 6, size=units)
    table = np.clip(truth + rng.integers(-1, 2, size=(raters, units)), 0, 5).astype(float)
    table[rng.random(table.shape) < 0.15] = np.nan
    ours = krippendorff_alpha_ordinal(table)
    assert ours == pytest.approx(_reference_plain_alpha_ordinal(table), abs=1e-9)
    krippendorff = pytest.importorskip("krippendorff")
    assert ours == pytest.approx(krippendorff.alpha(table, level_of_measurement="ordinal"), abs=1e-9)
