"""The shared refusal of bools, strings, None and other non-numbers (``proceval.scores._checks``).

``np.asarray`` hides these: ``[False, 1]`` becomes int64 and ``np.asarray(["1"], dtype=float)`` is 1.0.
Each case here names the unit and the offending entry, or returns the plain numeric array.
"""

from __future__ import annotations

import numpy as np
import pytest

from proceval.errors import InputValidationError
from proceval.scores._checks import as_real_array, converted_bool, holds_bool, to_label_ids


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ([False, 1], r"for 'u' to be an array of real numbers, but got bool False at class 0\."),
        ([0.5, True], r"but got bool True at class 1\."),
        ([0.5, np.True_], r"but got bool np.True_ at class 1\."),
        ([1, "1"], r"but got str '1' at class 1\."),
        ([0.5, ""], r"but got str '' at class 1\."),
        ([[1, 2], [3, None]], r"but got NoneType None at class \[1\]\[1\]\."),
        ([[0.1], [True]], r"but got bool True at class \[1\]\[0\]\."),
        ("abc", r"but got str 'abc'\."),
        ({"a": 1}, r"but got dict \{'a': 1\}\."),
        (np.array([True, False]), r"but got bool True at class 0\."),
        (np.array(["1", "2"]), r"but got str '1' at class 0\."),
        ([1j, 2.0], r"but got complex 1j at class 0\."),
        ([[1, 2], [3]], r"ragged"),
    ],
)
def test_non_numbers_are_refused_naming_the_entry(values, match: str) -> None:
    with pytest.raises(InputValidationError, match=match):
        as_real_array(values, what="the scores", unit_id="u", position="class")


@pytest.mark.parametrize(
    ("values", "want"),
    [
        ([1, 2], [1, 2]),
        ([1.0, 2], [1.0, 2.0]),
        ([[0, 1], [1, 0]], [[0, 1], [1, 0]]),
        (np.array([1, 2], dtype=object), [1.0, 2.0]),
        (np.array([0.0, 1.0], dtype=np.float32), [0.0, 1.0]),
        ([2**70, 1], [float(2**70), 1.0]),  # beyond int64: numpy's object array, read as floats
    ],
)
def test_numbers_pass(values, want) -> None:
    assert as_real_array(values, what="x", unit_id=0).tolist() == want


def test_numeric_array_passes_unchanged() -> None:
    arr = np.arange(5.0)
    assert as_real_array(arr, what="x", unit_id=0) is arr
    assert as_real_array(arr, what="x", unit_id=0, dtype=np.float64) is arr


def test_finite_names_the_entry_and_the_unit_label() -> None:
    with pytest.raises(
        InputValidationError, match=r"finite values in x for query 'q', but got nan at entry 1\."
    ):
        as_real_array([0.0, float("nan")], what="x", unit_id="q", unit="query 'q'", finite=True)
    assert np.isnan(as_real_array([0.0, float("nan")], what="x", unit_id="q")[1])  # finite=False: kept


@pytest.mark.parametrize(
    ("values", "want"),
    [
        ([0, 1, 2], False),
        ([0, True], True),
        ([[0, 1], [2, False]], True),
        ([[0, 1], [2, 3]], False),
        ([np.array([1, 2]), np.array([True])], True),
        ([(0, 1), [np.False_]], True),
        ([1, [0, False]], True),  # ragged nesting
        (np.array([1, 2]), False),
        (np.array([1, True], dtype=object), True),
        (True, True),
        (1, False),
    ],
)
def test_holds_bool(values, want: bool) -> None:
    assert holds_bool(values) is want


def test_converted_bool_scans_only_when_a_zero_or_one_is_there() -> None:
    values = [2.5, 3.0] * 100 + [True]
    assert converted_bool(np.asarray(values), values)
    values = [2, 3] * 100 + [1, 0]  # many items, few 0/1: only those are looked at
    assert not converted_bool(np.asarray(values), values)
    values = [2, 3] * 100 + [1, False]
    assert converted_bool(np.asarray(values), values)
    assert not converted_bool(np.array([0, 1]), np.array([0, 1]))  # a numeric array holds no bool


def test_label_ids_refuse_a_bool_among_ids() -> None:
    with pytest.raises(InputValidationError, match=r"for 'v', but got the boolean False at frame 2\."):
        to_label_ids([0, 1, False], None, "v")
    with pytest.raises(InputValidationError, match=r"booleans"):
        to_label_ids(np.array([True, False]), None, "v")
    assert to_label_ids([0, 1.0, 2], None, "v").tolist() == [0, 1, 2]
