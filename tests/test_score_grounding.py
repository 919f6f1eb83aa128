"""`grounding_scores`: hand-computed cases for every option, a plain reference, bad input, breakdowns."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest

from proceval.errors import InputValidationError
from proceval.scores.grounding import GroundingOptions, grounding_scores, threshold_key

# ------------------------------------------------------------------------------------------ reference


def _merge_plain(spans):
    out = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


def _reference_official_grounding(preds, refs, *, inclusive=False, merge=True, skip=False):
    """The definition written plainly (MultiHop-EgoQA's IoU / IoP / IoG functions, optional merge)."""
    plus = 1 if inclusive else 0

    def inter(p, g):
        return max(0, min(p[1], g[1]) - max(p[0], g[0]) + plus)

    ious, iops, iogs, all_ious = [], [], [], []
    for pred, gold in zip(preds, refs):
        if merge:
            pred, gold = _merge_plain(pred), _merge_plain(gold)
        if not pred:
            all_ious.append(0.0)
            if not skip:
                ious.append(0.0), iops.append(0.0), iogs.append(0.0)
            continue
        i = sum(inter(p, g) for p in pred for g in gold)
        lp = sum(p[1] - p[0] + plus for p in pred)
        lg = sum(g[1] - g[0] + plus for g in gold)
        u = lp + lg - i
        iou = i / u if u != 0 else 0.0
        ious.append(iou), iops.append(i / lp if lp else 0.0), iogs.append(i / lg if lg else 0.0)
        all_ious.append(iou)
    n = len(refs)
    out = {"mean_iou": np.mean(ious), "mean_iop": np.mean(iops), "mean_iog": np.mean(iogs)}
    for t in (0.3, 0.5, 0.7):
        out[threshold_key(t)] = sum(1 for x in all_ious if x > t) / n
    return {k: float(v) for k, v in out.items()}


def _random_questions(seed, n=60, integer=False):
    rng = np.random.default_rng(seed)
    preds, refs = [], []
    for _ in range(n):
        k = int(rng.integers(1, 5))
        cuts = np.sort(
            rng.choice(np.arange(0, 120), 2 * k, replace=False) if integer else rng.uniform(0, 60, 2 * k)
        )
        gold = [[float(cuts[2 * j]), float(cuts[2 * j + 1])] for j in range(k)]
        m = int(rng.integers(0, 5))
        pred = []
        for _ in range(m):
            a, b = sorted(rng.integers(0, 120, 2) if integer else rng.uniform(0, 60, 2))
            pred.append([float(a), float(b)])
        refs.append(gold)
        preds.append(pred)  # unsorted, often overlapping
    return preds, refs


# ------------------------------------------------------------------------------------------ hand-computed


def _scores(preds, refs, **kw):
    out = grounding_scores(preds, refs, **kw)
    return out["mean_iou"], out["mean_iop"], out["mean_iog"]


HAND = [
    # (case, preds, refs, kwargs, (IoU, IoP, IoG))
    ("overlapping preds, merged", [[[0, 4], [2, 6]]], [[[1, 3], [5, 9]]], {}, (1 / 3, 0.5, 0.5)),
    ("overlapping preds, raw", [[[0, 4], [2, 6]]], [[[1, 3], [5, 9]]], {"merge": False}, (0.4, 0.5, 4 / 6)),
    ("disjoint multi-span gold", [[[0, 10]]], [[[1, 2], [4, 6], [8, 12]]], {}, (5 / 12, 0.5, 5 / 7)),
    ("touching preds, continuous", [[[0, 2], [2, 4]]], [[[2, 3]]], {}, (0.25, 0.25, 1.0)),
    ("touching preds, continuous raw", [[[0, 2], [2, 4]]], [[[2, 3]]], {"merge": False}, (0.25, 0.25, 1.0)),
    (
        "touching preds, inclusive merged",
        [[[0, 2], [2, 4]]],
        [[[2, 3]]],
        {"span_mode": "integer_inclusive"},
        (0.4, 0.4, 1.0),
    ),
    (
        "touching preds, inclusive raw (MultiHop-EgoQA double-counts second 2)",
        [[[0, 2], [2, 4]]],
        [[[2, 3]]],
        {"span_mode": "integer_inclusive", "merge": False},
        (0.6, 0.5, 1.5),
    ),
    ("touching pred and gold, continuous", [[[0, 2]]], [[[2, 5]]], {}, (0.0, 0.0, 0.0)),
    (
        "touching pred and gold, inclusive",
        [[[0, 2]]],
        [[[2, 5]]],
        {"span_mode": "integer_inclusive"},
        (1 / 6, 1 / 3, 0.25),
    ),
    ("fractional times", [[[1.25, 3.75]]], [[[2.5, 5.0]]], {}, (1 / 3, 0.5, 0.5)),
    (
        "fractional times, inclusive",
        [[[1.25, 3.75]]],
        [[[2.5, 5.0]]],
        {"span_mode": "integer_inclusive"},
        (2.25 / 4.75, 2.25 / 3.5, 2.25 / 3.5),
    ),
    ("unsorted contained spans", [[[5, 6], [0, 10], [2, 3]]], [[[0, 10]]], {}, (1.0, 1.0, 1.0)),
    ("zero-length pred", [[[3, 3]]], [[[0, 10]]], {}, (0.0, 0.0, 0.0)),
]


@pytest.mark.parametrize(("case", "preds", "refs", "kwargs", "want"), HAND, ids=[h[0] for h in HAND])
def test_hand_computed(case, preds, refs, kwargs, want):
    got = _scores(preds, refs, **kwargs)
    assert got == pytest.approx(want, abs=1e-12)


def test_empty_predictions_zero_and_skip():
    preds, refs = [[], [[0.0, 1.0]], None], [[[0.0, 1.0]], [[0.0, 1.0]], [[2.0, 3.0]]]
    zero = grounding_scores(preds, refs)
    assert (zero["mean_iou"], zero["mean_iop"], zero["mean_iog"]) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert zero["num_empty_predictions"] == 2 and zero["iou_at_0_3"] == pytest.approx(1 / 3)
    skip = grounding_scores(preds, refs, empty_prediction="skip")
    assert (skip["mean_iou"], skip["mean_iop"], skip["mean_iog"]) == (1.0, 1.0, 1.0)
    assert skip["iou_at_0_3"] == pytest.approx(1 / 3)  # empty predictions stay misses in IoU@k
    assert np.isnan(skip["per_question"]["iou"][0]) and skip["per_question"]["iou"][1] == 1.0
    assert zero["per_question"]["iou"].tolist() == [0.0, 1.0, 0.0]
    assert zero["per_question"]["id"] == ["#0", "#1", "#2"]


def test_all_empty_skip_gives_nan_means():
    out = grounding_scores([[]], [[[0.0, 1.0]]], empty_prediction="skip")
    assert math.isnan(out["mean_iou"]) and out["iou_at_0_3"] == 0.0


def test_iou_at_k_is_strict():
    out = grounding_scores([[[0, 2]]], [[[0, 1]]], iou_thresholds=[0.3, 0.5])  # IoU exactly 0.5
    assert out["mean_iou"] == 0.5 and out["iou_at_0_3"] == 1.0 and out["iou_at_0_5"] == 0.0
    assert threshold_key(0.25) == "iou_at_0_25" and "iou_at_0_7" not in out


def test_merged_gold_is_counted_and_raw_gold_can_exceed_one():
    out = grounding_scores([[[0, 10]]], [[[0, 10], [0, 10]]])
    assert out["num_merged_reference_spans"] == 1 and out["mean_iou"] == 1.0
    raw = grounding_scores([[[0, 10]]], [[[0, 10], [0, 10]]], merge=False)
    assert raw["mean_iou"] == 2.0  # MultiHop-EgoQA's sum over pairs: 20 / (10 + 20 - 20)


def test_near_equal_starts_merge_exactly():
    # starts 1e-12 apart at large question indices: the float sort key cannot separate them
    n = 3000
    preds = [[[5.0, 6.0]] for _ in range(n)]
    preds[-1] = [[7.0, 9.0], [7.0 + 1e-12, 8.0], [7.0 - 1e-12, 7.5]]
    refs = [[[5.0, 6.0]] for _ in range(n)]
    refs[-1] = [[6.0, 8.0]]
    out = grounding_scores(preds, refs)
    want = _reference_official_grounding(preds[-1:], refs[-1:])["mean_iou"]
    assert out["per_question"]["iou"][-1] == pytest.approx(want, abs=1e-12)


# ------------------------------------------------------------------------------------------ against the reference


CONVENTIONS = {
    "toolkit": ({}, {}),
    "multihop_egoqa": (
        {"span_mode": "integer_inclusive", "merge": False, "empty_prediction": "skip"},
        {"inclusive": True, "merge": False, "skip": True},
    ),
    "inclusive_merged": ({"span_mode": "integer_inclusive"}, {"inclusive": True}),
    "continuous_raw_skip": ({"merge": False, "empty_prediction": "skip"}, {"merge": False, "skip": True}),
}


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("convention", list(CONVENTIONS))
def test_matches_the_plain_reference(seed, convention):
    kw, ref_kw = CONVENTIONS[convention]
    preds, refs = _random_questions(seed, integer=convention != "toolkit")
    got = grounding_scores(preds, refs, **kw)
    want = _reference_official_grounding(preds, refs, **ref_kw)
    for key, value in want.items():
        assert got[key] == pytest.approx(value, abs=1e-12), key


def test_mapping_inputs_are_matched_by_id():
    preds, refs = _random_questions(4, n=10)
    ids = [f"q{i}" for i in range(10)]
    by_list = grounding_scores(preds, refs, ids=ids)
    by_map = grounding_scores(dict(zip(reversed(ids), reversed(preds))), dict(zip(ids, refs)))
    assert by_map["mean_iou"] == by_list["mean_iou"] and by_map["per_question"]["id"] == ids


# ------------------------------------------------------------------------------------------ text, bad input


def test_text_predictions_are_parsed_and_unparseable_ones_counted():
    preds = ['```json\n{"answer": "x", "evidence": [[0, 2]]}\n```', "from 0:01 to 0:02", "no idea", [0, 2]]
    refs = [[[0, 2]], [[1, 2]], [[0, 1]], [[0, 2]]]
    out = grounding_scores(preds, refs)
    assert out["per_question"]["iou"].tolist() == [1.0, 1.0, 0.0, 1.0]
    assert out["num_unparseable_predictions"] == 1 and out["num_empty_predictions"] == 1
    with pytest.raises(InputValidationError, match=r"could not read any from 'no idea'.*|#2"):
        grounding_scores(preds, refs, invalid_spans="error")


def test_time_strings_inside_lists():
    out = grounding_scores([[["0:12", "0:20"]]], [[[12.0, 20.0]]])
    assert out["mean_iou"] == 1.0 and out["num_unparseable_predictions"] == 0


def test_repairs_are_counted():
    preds = [[[5, 3]], [[-2, 3]], [[math.nan, 3], [1, 2]], [[8, 12]], [[11, 12]], [[1, math.inf]]]
    refs = [[[3, 5]], [[0, 3]], [[1, 2]], [[8, 10]], [[0, 1]], [[1, 2]]]
    out = grounding_scores(preds, refs, durations=[10] * 6)
    assert out["per_question"]["iou"].tolist() == [1.0, 1.0, 1.0, 1.0, 0.0, 0.0]
    assert out["num_reversed_spans"] == 1
    assert out["num_clipped_spans"] == 2  # [-2, 3] and [8, 12]
    assert out["num_dropped_spans"] == 3  # NaN, wholly past the clip, infinite end
    assert out["num_empty_predictions"] == 2
    assert "|dur:given|" in out["signature"]


@pytest.mark.parametrize(
    ("preds", "durations", "match"),
    [
        ([[[5, 3]]], None, r"predicted spans.*0 <= start <= end.*\[5\.0, 3\.0\].*'#0'"),
        ([[[-1, 3]]], None, r"predicted spans.*\[-1\.0, 3\.0\]"),
        ([[[math.nan, 3]]], None, r"finite times"),
        ([[[8, 12]]], [10], r"end <= the clip duration.*\[8\.0, 12\.0\]"),
        ([[["a", "b"]]], None, r"could not read any"),
    ],
)
def test_invalid_spans_error(preds, durations, match):
    with pytest.raises(InputValidationError, match=match):
        grounding_scores(preds, [[[0, 5]]], durations=durations, invalid_spans="error")


@pytest.mark.parametrize(
    ("refs", "kwargs", "match"),
    [
        ([[[5, 3]]], {}, r"reference spans.*\[5\.0, 3\.0\] for '#0'"),
        ([[[-1, 3]]], {}, r"reference spans"),
        ([[[math.nan, 1]]], {}, r"reference spans with finite times"),
        ([[["a", 3]]], {}, r"reference spans \[\[start_s, end_s\], \.\.\.\] of numbers for '#0'"),
        ([[[0, 12]]], {"durations": [10], "invalid_spans": "error"}, r"end <= the clip duration"),
        ([[[0, 1]]], {"durations": [0]}, r"positive finite clip durations"),
        ([[[0, 1]]], {"durations": {"x": 1}}, r"`durations` to have every question id"),
        ([[[0, 1]]], {"durations": [1, 2]}, r"one item of `durations` per question \(1\)"),
        ([[[0, 1]]], {"qa_types": ["a", "b"]}, r"one item of `qa_types`"),
        (
            [[[0, 1]]],
            {"span_mode": "frames"},
            r"`span_mode` to be one of 'continuous' or 'integer_inclusive'",
        ),
        ([[[0, 1]]], {"empty_prediction": "nan"}, r"`empty_prediction`"),
        ([[[0, 1]]], {"merge": "yes"}, r"`merge` to be a bool"),
        ([[[0, 1]]], {"iou_thresholds": [30]}, r"`iou_thresholds` to be distinct floats in \[0, 1\)"),
        ([[[0, 1]]], {"iou_thresholds": []}, r"`iou_thresholds`"),
        ([[[0, 1]]], {"ids": ["a", "a"]}, r"unique ids"),
        ([[[0, 1]], [[0, 1]]], {}, r"as many predictions as references, but got 1 and 2"),
        ([], {}, r"as many predictions"),
    ],
)
def test_error_table(refs, kwargs, match):
    with pytest.raises(InputValidationError, match=match):
        grounding_scores([[[0, 1]]], refs, **kwargs)


def test_reference_past_the_clip_is_clipped_and_counted():
    out = grounding_scores([[[0, 10]]], [[[5, 12]]], durations=[10])
    assert out["num_clipped_reference_spans"] == 1 and out["mean_iou"] == 0.5


def test_missing_and_extra_ids():
    with pytest.raises(InputValidationError, match=r"1 are missing: 'b'"):
        grounding_scores({"a": [[0, 1]]}, {"a": [[0, 1]], "b": [[0, 1]]})
    with pytest.raises(InputValidationError, match=r"1 have no reference: 'c'"):
        grounding_scores({"a": [[0, 1]], "c": []}, {"a": [[0, 1]]})
    with pytest.raises(InputValidationError, match=r"`predictions` to be a mapping"):
        grounding_scores([[[0, 1]]], {"a": [[0, 1]]})


def test_unknown_id_is_named_before_the_missing_count():
    with pytest.raises(InputValidationError, match=r"1 have no reference: 'x' \(and 1 question ids have no"):
        grounding_scores({"a": [[0, 1]], "x": []}, {"a": [[0, 1]], "b": [[0, 1]]})


@pytest.mark.parametrize(
    "pred",
    [
        [[0, False]],
        [[True, 3]],
        [[0, None]],
        [[0, "3"]],
        [0, False],  # a bare pair
        [[0, 1], [2, np.bool_(True)]],
        [[0.0, 1.0], [1, True]],  # a bool among real 0s and 1s
        np.array([[0, 1]], dtype=bool),
    ],
)
def test_non_number_bounds_are_refused_in_error_mode(pred):
    with pytest.raises(InputValidationError, match=r"for 'q' to be \[start_s, end_s\] pairs of two numbers"):
        grounding_scores({"q": pred}, {"q": [[0.0, 4.0]]}, invalid_spans="error")


@pytest.mark.parametrize("pred", [[[0, False]], [[True, 3]], [[0, 1], [2, None]], [[1, 2], [0, [3]]]])
def test_non_number_bounds_make_the_prediction_unparseable_in_repair_mode(pred):
    """As the tolerant parser counts a failure: the whole prediction is unparseable, scored as empty."""
    out = grounding_scores({"q": pred, "r": [[0, 4]]}, {"q": [[0.0, 4.0]], "r": [[0.0, 4.0]]})
    assert out["num_unparseable_predictions"] == 1 and out["num_empty_predictions"] == 1
    assert out["per_question"]["iou"].tolist() == [0.0, 1.0] and out["num_dropped_spans"] == 0


def test_time_strings_are_read_by_the_parser_in_repair_mode():
    out = grounding_scores({"q": [["0", "0:04"]]}, {"q": [[0.0, 4.0]]})
    assert out["mean_iou"] == 1.0 and out["num_unparseable_predictions"] == 0


def test_bool_reference_bounds_are_refused():
    import pyarrow as pa

    with pytest.raises(InputValidationError, match=r"reference spans .* for 'q'"):
        grounding_scores({"q": [[0, 1]]}, {"q": [[0, True]]})
    column = pa.array([[[False, True]]], type=pa.list_(pa.list_(pa.bool_())))
    with pytest.raises(InputValidationError, match=r"reference spans .* for 'q'"):
        grounding_scores({"q": [[0, 1]]}, column, ids=["q"])


def test_empty_reference_scores_zero_and_is_counted():
    out = grounding_scores([[[0, 1]], []], [[], []])
    assert out["num_empty_references"] == 2 and out["mean_iou"] == 0.0


# ------------------------------------------------------------------------------------------ breakdowns, CI, signature


def test_breakdowns_per_qa_type_and_reasoning():
    preds = [[[0, 1]], [[0, 2]], []]
    refs = [[[0, 1]], [[0, 1]], [[0, 1]]]
    out = grounding_scores(
        preds,
        refs,
        qa_types=["Mistake Recognition", "Mistake Recognition", "Readiness Assessment"],
        reasoning={"#0": "Needle-in-a-Haystack", "#1": "Multi-hop Reasoning", "#2": "Multi-hop Reasoning"},
    )
    mistake = out["per_qa_type"]["Mistake Recognition"]
    assert mistake["mean_iou"] == 0.75 and mistake["num_questions"] == 2 and mistake["iou_at_0_5"] == 0.5
    assert out["per_qa_type"]["Readiness Assessment"]["num_empty_predictions"] == 1
    assert out["per_reasoning"]["Multi-hop Reasoning"]["mean_iop"] == 0.25
    assert out["per_reasoning"]["Needle-in-a-Haystack"]["mean_iou"] == 1.0


def test_bootstrap_and_paired():
    preds, refs = _random_questions(5, n=40)
    out = grounding_scores(preds, refs, bootstrap=100, seed=3)
    lo, hi = out["ci"]["mean_iou"]
    assert lo <= out["mean_iou"] <= hi and out["ci_level"] == 0.95
    assert grounding_scores(preds, refs, bootstrap=100, seed=3)["ci"] == out["ci"]
    paired = grounding_scores(preds, refs, paired_predictions=refs)
    assert paired["paired"]["mean_iou"]["delta"] == pytest.approx(out["mean_iou"] - 1.0)
    assert paired["signature"].endswith(f"bs:1000|ci:0.95|rs:0|paired:yes|v:{_version()}")


def _version():
    from proceval import __version__

    return __version__


def test_signature_pins_every_option():
    out = grounding_scores([[[0, 1]]], [[[0, 1]]])
    assert out["signature"] == (
        f"grounding|span:continuous|merge:yes|empty:zero|invalid:repair|thr:0.3,0.5,0.7|v:{_version()}"
    )
    mh = grounding_scores(
        [[[0, 1]]], [[[0, 1]]], span_mode="integer_inclusive", merge=False, empty_prediction="skip"
    )
    assert mh["signature"].startswith("grounding|span:integer_inclusive|merge:no|empty:skip|")


def test_options_class_defaults_equal_the_function():
    assert GroundingOptions().iou_thresholds == (0.3, 0.5, 0.7)
    reference = partial(_reference_official_grounding)
    assert reference([[[0, 1]]], [[[0, 1]]])["mean_iou"] == 1.0


# ------------------------------------------------------------------------------------------ Arrow references


def test_arrow_references_equal_lists():
    import pyarrow as pa

    preds, refs = _random_questions(7, n=30)
    kind = pa.list_(pa.list_(pa.float64(), 2))
    chunked = pa.chunked_array([pa.array(refs[:11], type=kind), pa.array(refs[11:], type=kind)])
    want = grounding_scores(preds, refs)
    got = grounding_scores(preds, chunked)
    assert got["mean_iou"] == want["mean_iou"] and got["per_question"]["id"] == want["per_question"]["id"]
    sliced = pa.array(refs, type=kind).slice(5, 10)
    assert (
        grounding_scores(preds[5:15], sliced)["mean_iog"]
        == grounding_scores(preds[5:15], refs[5:15])["mean_iog"]
    )
    ids = [f"q{i}" for i in range(30)]
    by_id = grounding_scores(dict(zip(reversed(ids), reversed(preds))), chunked, ids=ids)
    assert by_id["mean_iou"] == want["mean_iou"] and by_id["per_question"]["id"] == ids


def test_arrow_references_errors():
    import pyarrow as pa

    with pytest.raises(InputValidationError, match=r"`ids` \(one per reference row\)"):
        grounding_scores({"a": [[0, 1]]}, pa.array([[[0.0, 1.0]]]))
    with pytest.raises(InputValidationError, match=r"reference spans.*for 'q1'"):
        grounding_scores([[[0, 1]], [[0, 1]]], pa.array([[[0.0, 1.0]], [[None, 1.0]]]), ids=["q0", "q1"])
    with pytest.raises(InputValidationError, match=r"as many predictions as references, but got 1 and 2"):
        grounding_scores([[[0, 1]]], pa.array([[[0.0, 1.0]], [[0.0, 1.0]]]))
