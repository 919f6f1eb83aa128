"""Inter-judge agreement: Krippendorff's alpha with the ordinal distance, in numpy.

Krippendorff (2011), "Computing Krippendorff's alpha-reliability". For reliability data with raters in
rows and units (items) in columns (missing ratings allowed), the coincidence matrix is

    o_ck = sum over units u with m_u >= 2 ratings of (n_uc * n_uk - [c == k] * n_uc) / (m_u - 1),

with n_uc the number of ratings c in unit u. With the value totals n_c = sum_k o_ck, n = sum_c n_c
and the ordinal distance delta_ck = (sum_{g=c..k} n_g - (n_c + n_k) / 2) ** 2,

    alpha = 1 - (n - 1) * sum_ck o_ck delta_ck / sum_ck n_c n_k delta_ck.

1 is perfect agreement, 0 agreement at chance level; negative values are worse than chance.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from proceval.errors import InputValidationError


def krippendorff_alpha_ordinal(ratings: ArrayLike) -> float | None:
    """Krippendorff's alpha, ordinal distance, of a ``[raters, units]`` table (NaN = missing).

    Units with fewer than two ratings are not pairable and are left out.

    Args:
        ratings: float array of shape ``[raters, units]``; NaN where a rater gave no rating.

    Returns:
        alpha in (-inf, 1], or ``None`` when it is undefined: no unit has two ratings, or every
        pairable rating has the same value (no expected disagreement).

    Raises:
        InputValidationError: the table is not two-dimensional.

    Examples:
        Two raters, three units, by hand: o_11 = o_33 = 2, o_12 = o_21 = 1, others 0; n = (3, 1, 2), n = 6;
        delta_12 = (4 - 2)^2 = 4, delta_13 = (6 - 2.5)^2 = 12.25, delta_23 = (3 - 1.5)^2 = 2.25; observed
        sum 2 * 4 = 8, expected sum 2 * (3 * 4 + 6 * 12.25 + 2 * 2.25) = 180; alpha = 1 - 5 * 8 / 180:

        >>> round(krippendorff_alpha_ordinal([[1, 1, 3], [1, 2, 3]]), 6)
        0.777778
        >>> krippendorff_alpha_ordinal([[2, 2], [2, 2]]) is None
        True
    """
    data = np.asarray(ratings, dtype=float)
    if data.ndim != 2:
        raise InputValidationError(
            f"Expected argument `ratings` to be a [raters, units] table, but got shape {data.shape}."
        )
    observed = ~np.isnan(data)
    pairable = observed.sum(axis=0) >= 2
    data, observed = data[:, pairable], observed[:, pairable]
    if data.shape[1] == 0:
        return None
    values, codes = np.unique(data[observed], return_inverse=True)
    if values.size < 2:
        return None
    n_units = data.shape[1]
    unit_of = np.broadcast_to(np.arange(n_units), data.shape)[observed]
    counts = np.zeros((n_units, values.size))  # n_uc
    np.add.at(counts, (unit_of, codes), 1.0)
    m_u = counts.sum(axis=1)
    weights = 1.0 / (m_u - 1.0)
    coincidence = (counts * weights[:, None]).T @ counts - np.diag((counts * weights[:, None]).sum(axis=0))
    n_c = coincidence.sum(axis=1)
    n = float(n_c.sum())
    cum = np.concatenate(([0.0], np.cumsum(n_c)))
    lo = np.minimum.outer(np.arange(values.size), np.arange(values.size))
    hi = np.maximum.outer(np.arange(values.size), np.arange(values.size))
    delta = (cum[hi + 1] - cum[lo] - (n_c[:, None] + n_c[None, :]) / 2.0) ** 2
    expected = float((np.outer(n_c, n_c) * delta).sum())
    if expected == 0.0:
        return None
    observed_d = float((coincidence * delta).sum())
    return float(1.0 - (n - 1.0) * observed_d / expected)
