"""The optional compiled span-list reader: what it accepts, what it hands back, and that it changes nothing.

``proceval.native.read_span_lists`` reads exact lists / tuples of two exact floats or small ints and
returns None for anything else; ``grounding_scores`` must give the same result (or the same error) with
the reader on and off, on valid and on malformed inputs.
"""

from __future__ import annotations

import math
import os
import shutil
import sysconfig

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import proceval.native as native
from proceval.errors import ProcevalError
from proceval.native import read_span_lists
from proceval.scores.grounding import grounding_scores

needs_reader = pytest.mark.skipif(not native.AVAILABLE, reason="the compiled reader is not built here")


def test_the_reader_is_built_where_a_compiler_is() -> None:
    """``pip install -e .`` (``make setup``) builds it whenever the C compiler Python was built with exists."""
    if os.environ.get("PROCEVAL_NO_NATIVE", "") not in ("", "0"):
        pytest.skip("PROCEVAL_NO_NATIVE turns the reader off")
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        pytest.skip(f"no C compiler ({compiler}) on this machine")
    assert native.AVAILABLE, "the C compiler exists but proceval.native._spanlists was not built"


@needs_reader
def test_reads_lists_and_tuples_of_floats_and_ints() -> None:
    got = read_span_lists([[[1.0, 2]], [], ([3.5, 4.0], (5, 6.25)), [[-1, 2**53]]])
    assert got is not None
    starts, ends, question = got
    assert starts.dtype == np.float64 and ends.dtype == np.float64 and question.dtype == np.int64
    assert starts.tolist() == [1.0, 3.5, 5.0, -1.0]
    assert ends.tolist() == [2.0, 4.0, 6.25, float(2**53)]
    assert question.tolist() == [0, 2, 2, 3]
    starts[0] = 9.0  # the arrays own writable memory (not the caller's objects)


@needs_reader
def test_keeps_nan_and_infinity_for_the_checks_that_follow() -> None:
    got = read_span_lists([[[math.nan, math.inf]], [[-math.inf, 0.0]]])
    assert got is not None
    assert np.isnan(got[0][0]) and got[1][0] == math.inf and got[0][1] == -math.inf


@needs_reader
def test_no_questions_and_no_spans() -> None:
    for values in ([], [[], []]):
        got = read_span_lists(values)
        assert got is not None and all(a.size == 0 for a in got)


class _List(list):
    pass


class _Float(float):
    pass


@needs_reader
@pytest.mark.parametrize(
    "values",
    [
        [[[1.0, True]]],
        [[[False, 1.0]]],
        [[[1.0, "2"]]],
        [[[1.0, None]]],
        [[[1.0]]],
        [[[1.0, 2.0, 3.0]]],
        [[1.0, 2.0]],  # a bare pair: the callers' own path reads it
        [None],
        ["0:01-0:02"],
        [[[1.0, 2**53 + 1]]],  # not exactly a double
        [[[-(2**53) - 1, 1.0]]],
        [[[1.0, 2**80]]],
        [[[np.float64(1.0), 2.0]]],
        [[np.array([1.0, 2.0])]],
        [np.array([[1.0, 2.0]])],
        [[_List([1.0, 2.0])]],
        [_List([[1.0, 2.0]])],
        [[[_Float(1.0), 2.0]]],
        [[[1.0, 2.0]], [[3.0, [4.0]]]],
        (([1.0, 2.0],),),  # the outer container must be a list
    ],
)
def test_anything_else_is_left_to_the_caller(values) -> None:
    assert read_span_lists(values) is None


def test_disabled_turns_it_off_and_back_on() -> None:
    before = read_span_lists([[[1.0, 2.0]]])
    with native.disabled():
        assert read_span_lists([[[1.0, 2.0]]]) is None
    after = read_span_lists([[[1.0, 2.0]]])
    assert (before is None) == (after is None) == (not native.AVAILABLE)


# ------------------------------------------------------------------------------------------ same results

TIME = st.one_of(
    st.floats(-5, 200, allow_nan=False).map(lambda x: round(x, 2)),
    st.integers(-3, 200),
    st.sampled_from([0.0, 1.0, 0, 1, math.nan, math.inf, -math.inf, 2**53, 2**53 + 1, 2**70]),
)
ODD_TIME = st.one_of(st.booleans(), st.none(), st.sampled_from(["3", "0:05", np.float64(2.5), np.int64(3)]))
SPAN = st.one_of(
    st.lists(TIME, min_size=2, max_size=2),
    st.tuples(TIME, TIME),
    st.lists(st.one_of(TIME, ODD_TIME), min_size=1, max_size=3),
)
PREDICTION = st.one_of(
    st.lists(SPAN, max_size=4),
    st.lists(st.lists(TIME, min_size=2, max_size=2), max_size=4).map(tuple),
    st.none(),
    st.sampled_from(["[[1, 4]]", "from 2 to 5 seconds", "no idea"]),
    st.lists(TIME, min_size=2, max_size=2),  # a bare pair
)
GOLD = st.lists(
    st.tuples(st.floats(0, 100, allow_nan=False), st.floats(0, 30, allow_nan=False)).map(
        lambda t: [round(t[0], 2), round(t[0] + t[1], 2)]
    ),
    min_size=0,
    max_size=4,
)


def _outcome(**kwargs):
    try:
        return grounding_scores(**kwargs)
    except ProcevalError as exc:
        return (type(exc).__name__, str(exc))


def _same(a, b) -> bool:
    if isinstance(a, tuple) or isinstance(b, tuple):
        return a == b
    for key, value in a.items():
        other = b[key]
        if key == "per_question":
            for name in ("iou", "iop", "iog"):
                if not np.array_equal(value[name], other[name], equal_nan=True):
                    return False
        elif isinstance(value, float):
            if not (value == other or (math.isnan(value) and math.isnan(other))):
                return False
        elif value != other:
            return False
    return True


NUMERIC = st.one_of(
    st.lists(st.one_of(st.lists(TIME, min_size=2, max_size=2), st.tuples(TIME, TIME)), max_size=5),
    st.lists(st.lists(TIME, min_size=2, max_size=2), max_size=5).map(tuple),
)
OPTIONS = st.fixed_dictionaries(
    {
        "merge": st.booleans(),
        "span_mode": st.sampled_from(["continuous", "integer_inclusive"]),
        "invalid_spans": st.sampled_from(["repair", "error"]),
        "empty_prediction": st.sampled_from(["zero", "skip"]),
    }
)
FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _on_and_off(preds, refs, options) -> None:
    on = _outcome(predictions=preds, references=refs, **options)
    with native.disabled():
        off = _outcome(predictions=preds, references=refs, **options)
    assert _same(on, off), (on, off)


@needs_reader
@FUZZ
@given(
    data=st.lists(st.tuples(NUMERIC, NUMERIC), min_size=1, max_size=8),
    durations=st.one_of(st.none(), st.just(60.0)),
    options=OPTIONS,
)
def test_numeric_spans_score_the_same_with_the_reader_on_and_off(data, durations, options) -> None:
    """Numeric inputs (mostly read by the compiled reader): same values, counts and errors as without it."""
    preds = [p for p, _ in data]
    refs = [g for _, g in data]
    extra = {} if durations is None else {"durations": [durations] * len(data)}
    _on_and_off(preds, refs, {**options, **extra})


@needs_reader
@FUZZ
@given(
    data=st.lists(st.tuples(PREDICTION, st.one_of(GOLD, PREDICTION)), min_size=1, max_size=6),
    options=OPTIONS,
)
def test_any_inputs_score_the_same_with_the_reader_on_and_off(data, options) -> None:
    """Mixed inputs (text, bools, None, bare pairs, odd lengths among numeric spans): nothing changes."""
    _on_and_off([p for p, _ in data], [g for _, g in data], options)
