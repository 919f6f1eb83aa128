"""ATR per-class AP / mAP: hand-computed cases, tie behaviour vs sklearn, policies, errors, real release."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from proceval.errors import InputValidationError
from proceval.scores.atr import (
    ATR_CLASSES,
    AtrFramesOptions,
    AtrOptions,
    atr_scores,
    atr_scores_from_frames,
    atr_segment_scores,
    average_precision,
)


def _reference_impact_atr(scores: np.ndarray, labels: np.ndarray) -> dict:
    """Plain reimplementation of the IMPACT evaluator: skip all-zero rows, stable sort, running precision."""
    keep = [i for i in range(len(labels)) if sum(labels[i]) > 0]
    aps = []
    for c in range(6):
        rows = sorted(keep, key=lambda i: -scores[i][c])  # Python's sort is stable
        n_pos = sum(labels[i][c] for i in rows)
        if n_pos == 0:
            aps.append(math.nan)
            continue
        tp, total = 0, 0.0
        for rank, i in enumerate(rows, start=1):
            if labels[i][c]:
                tp += 1
                total += tp / rank
        aps.append(total / n_pos)
    valid = [a for a in aps if not math.isnan(a)]
    return {"aps": aps, "map": sum(valid) / len(valid) if valid else math.nan}


def test_average_precision_hand_computed():
    # ranks: pos at 1 and 3 -> (1/1 + 2/3) / 2
    assert average_precision(np.array([0.9, 0.8, 0.7]), np.array([1, 0, 1])) == pytest.approx(5 / 6)
    assert average_precision(np.array([0.1, 0.2]), np.array([1, 0])) == pytest.approx(0.5)
    assert math.isnan(average_precision(np.array([0.1, 0.2]), np.array([0, 0])))


def test_ties_follow_input_order_unlike_sklearn():
    scores = np.array([0.5, 0.5, 0.5, 0.1])
    # stable sort keeps input order among ties: positive first -> AP 1; positive last of the tie -> 1/3
    assert average_precision(scores, np.array([1, 0, 0, 0])) == pytest.approx(1.0)
    assert average_precision(scores, np.array([0, 0, 1, 0])) == pytest.approx(1 / 3)
    # sklearn groups the tie into one threshold: precision 1/3 at recall 1 in both orders
    assert average_precision_score([1, 0, 0, 0], scores) == pytest.approx(1 / 3)
    assert average_precision_score([0, 0, 1, 0], scores) == pytest.approx(1 / 3)


def test_matches_sklearn_without_ties():
    rng = np.random.default_rng(7)
    scores = rng.random((200, 6))
    labels = (rng.random((200, 6)) < 0.2).astype(int)
    labels[labels.sum(1) == 0, 0] = 1
    out = atr_scores(scores, labels)
    for c, name in enumerate(ATR_CLASSES):
        assert out["per_class_ap"][name] == pytest.approx(average_precision_score(labels[:, c], scores[:, c]))
    assert out["mean_ap"] == pytest.approx(
        np.mean([average_precision_score(labels[:, c], scores[:, c]) for c in range(6)])
    )


def test_hand_computed_map_with_excluded_class():
    scores = [
        [0.9, 0.1, 0.0, 0.0, 0.3, 0.0],
        [0.2, 0.8, 0.0, 0.0, 0.2, 0.0],
        [0.7, 0.3, 0.0, 0.0, 0.1, 0.0],
    ]
    labels = [[1, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0], [0, 1, 0, 0, 1, 0]]
    out = atr_scores(scores, labels)
    # TEMPORAL: pos ranked 1st -> 1; SPATIAL: ranks 1 (0.8), 2 (0.3) -> 1; WRONG_TOOL: pos ranked 3rd -> 1/3
    assert out["per_class_ap"]["ERROR_TEMPORAL"] == 1.0
    assert out["per_class_ap"]["ERROR_SPATIAL"] == 1.0
    assert out["per_class_ap"]["ERROR_WRONG_TOOL"] == pytest.approx(1 / 3)
    assert out["excluded_classes"] == ["ERROR_HANDLING", "ERROR_WRONG_PART", "ERROR_PROCEDURAL"]
    assert out["num_classes_evaluated"] == 3
    assert out["mean_ap"] == pytest.approx((1 + 1 + 1 / 3) / 3)
    assert out["num_positives_per_class"]["ERROR_SPATIAL"] == 2
    assert out["signature"].startswith("atr|unl:skip|prec:float64|input:segments|sort:mergesort|ties:none|v:")


def test_unlabeled_policy():
    scores = [[0.9, 0, 0, 0, 0, 0], [0.5, 0, 0, 0, 0, 0], [0.1, 0, 0, 0, 0, 0]]
    labels = [[0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]]
    out = atr_scores(scores, labels)
    assert out["mean_ap"] == 1.0 and out["num_unlabeled_skipped"] == 2 and out["num_segments"] == 1
    kept = atr_scores(scores, labels, unlabeled="keep")
    assert kept["mean_ap"] == pytest.approx(0.5) and kept["num_unlabeled_skipped"] == 0


def test_mapping_inputs_match_by_id():
    preds = {"b": [0.1] * 6, "a": [0.9] * 6}
    refs = {"a": [1, 0, 0, 0, 0, 0], "b": [0, 1, 0, 0, 0, 0]}
    out = atr_scores(preds, refs)
    assert out["per_class_ap"]["ERROR_TEMPORAL"] == 1.0
    assert out["per_class_ap"]["ERROR_SPATIAL"] == 0.5


def test_frames_path_clipping_and_missing_video():
    probs = {"v1": np.array([[1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [0.5, 1, 0, 0, 0, 0]], dtype=float)}
    segs = [
        {"sample_id": "s0", "video_id": "v1", "start_frame": 0, "end_frame": 1, "labels": [1, 0, 0, 0, 0, 0]},
        {
            "sample_id": "s1",
            "video_id": "v1",
            "start_frame": 2,
            "end_frame": 50,
            "labels": [0, 1, 0, 0, 0, 0],
        },
        {"sample_id": "s2", "video_id": "v2", "start_frame": 0, "end_frame": 3, "labels": [1, 0, 0, 0, 0, 0]},
    ]
    with pytest.raises(InputValidationError, match="'v2'"):
        atr_scores_from_frames(probs, segs)
    ids, scores, _labels, n_missing = atr_segment_scores(probs, segs, missing_video="skip")
    assert ids == ["s0", "s1"] and n_missing == 1
    np.testing.assert_allclose(scores[0], [0.5, 0, 0, 0, 0, 0])  # mean of frames 0..1
    np.testing.assert_allclose(scores[1], [0.5, 1, 0, 0, 0, 0])  # end clipped to T-1 = 2
    out = atr_scores_from_frames(probs, segs, missing_video="skip")
    assert out["num_missing_video_skipped"] == 1 and out["mean_ap"] == 1.0
    assert "miss:skip" in out["signature"]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: atr_scores([[0.1] * 5], [[1, 0, 0, 0, 0]]), "6 class scores"),
        (lambda: atr_scores([[0.1] * 6], [[2, 0, 0, 0, 0, 0]]), "0/1"),
        (lambda: atr_scores([[math.nan] * 6], [[1, 0, 0, 0, 0, 0]]), "finite"),
        (lambda: atr_scores([[0.1] * 6], [[1, 0, 0, 0, 0, 0]] * 2), "as many predictions"),
        (lambda: atr_scores([[0.1] * 6], [[0] * 6]), "at least one segment"),
        (lambda: atr_scores({"a": [0.1] * 6}, {"b": [1, 0, 0, 0, 0, 0]}), "missing"),
        (lambda: atr_scores([[0.1] * 6] * 2, [[1, 0, 0, 0, 0, 0]] * 2, ids=["x", "x"]), "unique"),
        (lambda: atr_scores([[0.1] * 6], [[1, 0, 0, 0, 0, 0]], unlabeled="drop"), "unlabeled"),
        (
            lambda: atr_scores_from_frames(
                {"v": np.zeros((3, 6))},
                [{"video_id": "v", "start_frame": 2, "end_frame": 1, "labels": [1] * 6}],
            ),
            "start_frame <= end_frame",
        ),
        (
            lambda: atr_scores_from_frames(
                {"v": np.zeros((3, 6))},
                [{"video_id": "v", "start_frame": 3, "end_frame": 4, "labels": [1] * 6}],
            ),
            "start within the 3 predicted frames",
        ),
        (
            lambda: atr_scores_from_frames(
                {"v": np.zeros((3, 5))},
                [{"video_id": "v", "start_frame": 0, "end_frame": 1, "labels": [1] * 6}],
            ),
            r"\[T, 6\]",
        ),
        (lambda: atr_scores_from_frames({"v": np.zeros((3, 6))}, [{"video_id": "v"}]), "'start_frame'"),
        (
            lambda: atr_scores_from_frames(
                {"v": np.vstack([np.zeros((2, 6)), np.full((1, 6), np.nan)])},
                [{"video_id": "v", "start_frame": 1, "end_frame": 2, "labels": [1] * 6}],
            ),
            r"finite values in `frame_probabilities \(frames 1..2\)` for 'v'",
        ),
        (lambda: atr_scores_from_frames({}, [], missing_video="ignore"), "missing_video"),
    ],
)
def test_errors(call, match):
    with pytest.raises(InputValidationError, match=match):
        call()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_reference_on_random_with_ties(seed):
    rng = np.random.default_rng(seed)
    scores = np.round(rng.random((120, 6)), 1)  # many ties
    labels = (rng.random((120, 6)) < 0.25).astype(int)
    out = atr_scores(scores, labels)
    ref = _reference_impact_atr(scores.tolist(), labels.tolist())
    for c, name in enumerate(ATR_CLASSES):
        if math.isnan(ref["aps"][c]):
            assert math.isnan(out["per_class_ap"][name])
        else:
            assert out["per_class_ap"][name] == pytest.approx(ref["aps"][c], abs=1e-12)
    assert out["mean_ap"] == pytest.approx(ref["map"], abs=1e-12)


def test_bootstrap_and_paired():
    rng = np.random.default_rng(5)
    labels = (rng.random((80, 6)) < 0.3).astype(int)
    labels[labels.sum(1) == 0, 1] = 1
    good = labels * 0.8 + rng.random((80, 6)) * 0.3
    bad = rng.random((80, 6))
    out = atr_scores(good, labels, bootstrap=100, seed=2, paired_predictions=bad)
    low, high = out["ci"]["mean_ap"]
    assert low <= out["mean_ap"] <= high
    assert out["paired"]["mean_ap"]["delta"] > 0 and out["paired"]["mean_ap"]["ci_low"] > 0


# -------------------------------------------------------------------------------------- real release


def _read_segments(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("hand", ["L", "R"])
def test_real_s1_perfect_and_random(impact_dataset_dir, hand):
    recs = _read_segments(impact_dataset_dir / "ATR" / f"atr_segments_{hand}" / "test.split1.jsonl")
    labels = np.array([r["labels"] for r in recs])
    ids = [r["sample_id"] for r in recs]
    perfect = atr_scores(labels.astype(float), labels, ids=ids)
    assert perfect["mean_ap"] == 1.0
    assert perfect["num_unlabeled_skipped"] == int((labels.sum(1) == 0).sum())
    rng = np.random.default_rng(11)
    scores = rng.random(labels.shape)
    out = atr_scores(scores, labels, ids=ids)
    ref = _reference_impact_atr(scores.tolist(), labels.tolist())
    assert out["mean_ap"] == pytest.approx(ref["map"], abs=1e-12)


def test_real_s2_left_excludes_wrong_part(impact_dataset_dir):
    recs = _read_segments(impact_dataset_dir / "ATR" / "atr_segments_L" / "test.split2.jsonl")
    labels = np.array([r["labels"] for r in recs])
    out = atr_scores(labels.astype(float), labels)
    assert out["excluded_classes"] == ["ERROR_WRONG_PART"]
    assert out["num_classes_evaluated"] == 5 and out["mean_ap"] == 1.0


def test_real_frames_path_from_segment_manifest(impact_dataset_dir):
    recs = _read_segments(impact_dataset_dir / "ATR" / "atr_segments_L" / "test.split1.jsonl")
    # per-frame "probabilities" painted from the segment labels: segment means equal the labels where
    # segments of one video do not overlap
    length: dict[str, int] = {}
    for r in recs:
        length[r["video_id"]] = max(length.get(r["video_id"], 0), r["end_frame"] + 1)
    probs = {v: np.zeros((t, 6)) for v, t in length.items()}
    for r in recs:
        probs[r["video_id"]][r["start_frame"] : r["end_frame"] + 1] = r["labels"]
    _ids, scores, labels, _ = atr_segment_scores(probs, recs)
    out = atr_scores_from_frames(probs, recs)
    assert out["mean_ap"] == pytest.approx(atr_scores(scores, labels)["mean_ap"])
    dropped = dict(list(probs.items())[1:])
    first = next(iter(probs))
    skipped = atr_scores_from_frames(dropped, recs, missing_video="skip")
    assert skipped["num_missing_video_skipped"] == sum(r["video_id"] == first for r in recs)


@pytest.mark.parametrize("overlap", [False, True])
def test_segment_means_are_exact_slice_means(overlap):
    rng = np.random.default_rng(21)
    probs = {"a": rng.random((500, 6)), "b": rng.random((40, 6)).astype(np.float32)}
    segs = []
    starts = [0, 30, 31, 200, 460] if not overlap else [0, 20, 25, 200, 450]
    for j, st in enumerate(starts):
        end = st + (29 if not overlap else 60)
        segs.append(
            {"sample_id": f"a{j}", "video_id": "a", "start_frame": st, "end_frame": end, "labels": [1] * 6}
        )
    segs.append({"sample_id": "b0", "video_id": "b", "start_frame": 10, "end_frame": 99, "labels": [1] * 6})
    segs.reverse()  # input order must not matter
    _, scores, _, _ = atr_segment_scores(probs, segs)
    for row, rec in zip(scores, segs, strict=True):
        arr = np.asarray(probs[rec["video_id"]], dtype=np.float64)
        stop = min(rec["end_frame"], arr.shape[0] - 1) + 1
        expected = np.add.reduce(arr[rec["start_frame"] : stop], axis=0) / (stop - rec["start_frame"])
        np.testing.assert_array_equal(row, expected)


# --------------------------------------------------------------------------------------------------
# Options: one frozen dataclass per score function, validated on construction, every field signed


@pytest.mark.parametrize(
    ("cls", "kwargs", "name"),
    [
        (AtrOptions, {"unlabeled": "drop"}, "unlabeled"),
        (AtrFramesOptions, {"unlabeled": "drop"}, "unlabeled"),
        (AtrFramesOptions, {"missing_video": "ignore"}, "missing_video"),
    ],
)
def test_invalid_option_names_the_argument(cls, kwargs, name):
    with pytest.raises(InputValidationError, match=f"`{name}`"):
        cls(**kwargs)


def test_unknown_option_lists_the_allowed_keys():
    with pytest.raises(InputValidationError, match=r"'bogus'.*allowed: unlabeled, precision\."):
        AtrOptions.from_mapping({"bogus": 1})
    with pytest.raises(
        InputValidationError, match=r"'bogus'.*allowed: unlabeled, precision, missing_video\."
    ):
        AtrFramesOptions.from_mapping({"bogus": 1})
    assert AtrOptions.from_mapping({"unlabeled": "keep"}) == AtrOptions("keep")


def test_signature_grid_is_distinct():
    scores = [[0.9, 0, 0, 0, 0, 0], [0.1, 0, 0, 0, 0, 1], [0.95, 0, 0, 0, 0, 0]]
    labels = [[1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0]]
    probs = {"v": np.asarray(scores, dtype=float)}
    segs = [
        {"video_id": "v", "start_frame": i, "end_frame": i, "labels": lab} for i, lab in enumerate(labels)
    ] + [{"video_id": "w", "start_frame": 0, "end_frame": 0, "labels": [1, 0, 0, 0, 0, 0]}]
    sigs = [
        atr_scores(scores, labels)["signature"],
        atr_scores(scores, labels, unlabeled="keep")["signature"],
        atr_scores(scores, labels, bootstrap=5)["signature"],
        atr_scores(scores, labels, bootstrap=5, seed=1)["signature"],
        atr_scores(scores, labels, bootstrap=5, confidence=0.9)["signature"],  # was not signed before
        atr_scores_from_frames(probs, segs, missing_video="skip")["signature"],
        atr_scores_from_frames(probs, segs, missing_video="skip", unlabeled="keep")["signature"],
        atr_scores_from_frames(probs, segs[:3])["signature"],
    ]
    assert len(set(sigs)) == len(sigs)
    assert atr_scores(scores, labels)["mean_ap"] != atr_scores(scores, labels, unlabeled="keep")["mean_ap"]


def test_options_are_frozen():
    opts = AtrFramesOptions()
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.unlabeled = "keep"  # type: ignore[misc]
    assert dataclasses.replace(opts, missing_video="skip") == AtrFramesOptions(missing_video="skip")
