"""Tests of proceval.scores.ppr: hand-computed cases, a plain reference, and the real PPR-L release."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from proceval.benchmarks.impact.formats.bundles import read_bundle
from proceval.benchmarks.impact.formats.frame_labels import read_frame_labels
from proceval.benchmarks.impact.formats.labelmaps import read_label_map
from proceval.errors import InputValidationError
from proceval.scores.ppr import PPR_CLASSES, PprOptions, ppr_scores
from proceval.scores.tas import tas_scores

KEYS = ("accuracy", "macro_f1", "f1_normal", "f1_anomaly", "f1_recovery")


def _f1_eps(tp, fp, fn, eps=1e-8):
    p = tp / (tp + fp + eps)
    r = tp / (tp + fn + eps)
    return 2.0 * p * r / (p + r + eps)


def _reference_ppr(preds, refs, aggregate="pooled"):
    """The IMPACT evaluators' loop: per-class counts over concatenated frames (pooled) or per video."""

    def scores(gt, pred):
        out = {"accuracy": sum(1 for a, b in zip(gt, pred, strict=True) if a == b) / len(gt)}
        f1s = []
        for k, name in enumerate(PPR_CLASSES):
            tp = sum(1 for a, b in zip(gt, pred, strict=True) if a == k and b == k)
            fp = sum(1 for a, b in zip(gt, pred, strict=True) if a != k and b == k)
            fn = sum(1 for a, b in zip(gt, pred, strict=True) if a == k and b != k)
            f1s.append(_f1_eps(tp, fp, fn))
            out[f"f1_{name}"] = f1s[-1]
        out["macro_f1"] = sum(f1s) / 3
        return out

    if aggregate == "pooled":
        gt_all = [int(v) for r in refs for v in r]
        pred_all = [int(v) for p in preds for v in p]
        return scores(gt_all, pred_all)
    rows = [scores([int(v) for v in r], [int(v) for v in p]) for p, r in zip(preds, refs, strict=True)]
    return {key: sum(row[key] for row in rows) / len(rows) for key in KEYS}


def _check(out, expected, atol=1e-12):
    for key, value in expected.items():
        assert out[key] == pytest.approx(value, abs=atol), key


def test_hand_computed_single_video():
    out = ppr_scores([[0, 0, 1, 1]], [[0, 0, 1, 2]])
    # normal: tp 2, fp 0, fn 0; anomaly: tp 1, fp 1, fn 0; recovery: tp 0, fp 0, fn 1
    expected = {
        "accuracy": 0.75,
        "f1_normal": _f1_eps(2, 0, 0),
        "f1_anomaly": _f1_eps(1, 1, 0),
        "f1_recovery": 0.0,
    }
    _check(out, expected)
    assert out["f1_normal"] == pytest.approx(1.0, abs=1e-7)
    assert out["f1_anomaly"] == pytest.approx(2 / 3, abs=1e-7)
    assert out["macro_f1"] == pytest.approx((1 + 2 / 3 + 0) / 3, abs=1e-7)
    assert out["per_class_f1"] == {"normal": out["f1_normal"], "anomaly": out["f1_anomaly"], "recovery": 0.0}


def test_absent_class_never_predicted_scores_zero():
    out = ppr_scores([[0, 0, 0]], [[0, 0, 0]])
    assert out["accuracy"] == 1.0
    assert out["f1_anomaly"] == 0.0 and out["f1_recovery"] == 0.0
    assert out["macro_f1"] == pytest.approx(1 / 3, abs=1e-7)


def test_pooled_vs_per_video():
    preds = [[0, 0, 0, 0], [0, 2, 2, 1]]
    refs = [[0, 0, 0, 0], [0, 2, 2, 1]]
    pooled = ppr_scores(preds, refs)
    assert pooled["macro_f1"] == pytest.approx(1.0, abs=1e-7)
    per_video = ppr_scores(preds, refs, aggregate="per_video")
    # video 1 has only normal frames: macro 1/3; video 2 has all three: macro 1
    assert per_video["macro_f1"] == pytest.approx((1 / 3 + 1) / 2, abs=1e-7)
    assert per_video["f1_recovery"] == pytest.approx(0.5, abs=1e-7)
    assert per_video["per_video"][0]["macro_f1"] == pytest.approx(1 / 3, abs=1e-7)
    assert per_video["signature"].startswith("ppr|agg:per_video|eps:1e-08")


def test_names_and_mapping_inputs():
    preds = {"b": ["normal", "ANOMALY", "Recovery"], "a": ["NORMAL", "NORMAL"]}
    refs = {"a": ["NORMAL", "ANOMALY"], "b": [0, 1, 2]}
    out = ppr_scores(preds, refs)
    ids = ppr_scores([[0, 0], [0, 1, 2]], [[0, 1], [0, 1, 2]], ids=["a", "b"])
    for key in KEYS:
        assert out[key] == ids[key]
    assert list(out["per_video"]) == ["a", "b"]


@pytest.mark.parametrize("aggregate", ["pooled", "per_video"])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_matches_reference_on_random_videos(seed, aggregate):
    rng = np.random.default_rng(seed)
    refs = [np.repeat(rng.integers(0, 3, 12), rng.integers(1, 20, 12)) for _ in range(5)]
    preds = [np.where(rng.random(r.size) < 0.3, rng.integers(0, 3, r.size), r) for r in refs]
    _check(ppr_scores(preds, refs, aggregate=aggregate), _reference_ppr(preds, refs, aggregate))


def test_tas_on_phase_labels():
    preds, refs = [[0, 0, 1, 1, 2]], [[0, 0, 1, 2, 2]]
    out = ppr_scores(preds, refs, tas_convention="ltcontext")
    direct = tas_scores(preds, refs, convention="ltcontext", ignore_labels=[])
    for key in ("accuracy", "edit", "f1_at_10", "f1_at_25", "f1_at_50"):
        assert out["tas"][key] == direct[key]
    # nothing is ignored, so NORMAL (id 0) counts as a segment label
    assert "ign:none" in out["tas"]["signature"]
    assert "tas:ltcontext" in out["signature"]
    assert "tas" not in ppr_scores(preds, refs)


def test_bootstrap_and_paired():
    rng = np.random.default_rng(5)
    refs = [np.repeat(rng.integers(0, 3, 10), rng.integers(1, 30, 10)) for _ in range(10)]
    preds = [np.where(rng.random(r.size) < 0.4, rng.integers(0, 3, r.size), r) for r in refs]
    out = ppr_scores(preds, refs, bootstrap=200, seed=3)
    for key in KEYS:
        low, high = out["ci"][key]
        assert low <= out[key] <= high
    cmp = ppr_scores(refs, refs, paired_predictions=preds, bootstrap=200)
    assert cmp["paired"]["accuracy"]["delta"] > 0
    assert cmp["paired"]["accuracy"]["p_value"] < 0.05


ERROR_CASES = [
    ({"predictions": [[0, 3]], "references": [[0, 1]]}, r"\[0, 3\).*got 3 at frame 1"),
    ({"predictions": [["oops"]], "references": [[0]]}, r"Unknown label 'oops'"),
    ({"predictions": [[0]], "references": [[0, 0]]}, r"\(2\), but got 1"),
    ({"predictions": {"x": [0]}, "references": {"y": [0]}}, r"missing: 'y'"),
    ({"predictions": [[0]], "references": [[0]], "aggregate": "macro"}, r"`aggregate`"),
    ({"predictions": [[0]], "references": [[0]], "tas_convention": "foo"}, r"`tas_convention`"),
    ({"predictions": [[0]], "references": [[0]], "bootstrap": 1.5}, r"`bootstrap`"),
    ({"predictions": [], "references": []}, r"at least one video"),
]


@pytest.mark.parametrize(("kwargs", "match"), ERROR_CASES, ids=[str(i) for i in range(len(ERROR_CASES))])
def test_errors(kwargs, match):
    with pytest.raises(InputValidationError, match=match):
        ppr_scores(**kwargs)


# --------------------------------------------------------------------------------------------------
# Real release: PPR-L, S1 test bundle
# --------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def s1_ppr_l(impact_dataset_dir):
    ppr_dir = impact_dataset_dir / "PPR"
    names = read_label_map(ppr_dir / "mapping_PPR.txt")
    assert names == ["NORMAL", "ANOMALY", "RECOVERY"]
    lookup = {n: i for i, n in enumerate(names)}
    ids = read_bundle(ppr_dir / "splits_PPR_L" / "test.split1.bundle")
    return {v: read_frame_labels(ppr_dir / "groundTruth_PPR_L" / f"{v}.txt", lookup) for v in ids}


def _perturb(frames: np.ndarray, k: int = 15) -> np.ndarray:
    """Shift every boundary k frames later, then relabel every 5th segment to the next phase."""
    change = np.flatnonzero(frames[1:] != frames[:-1]) + 1
    starts = np.minimum(np.concatenate(([0], change + k)), frames.size)
    ends = np.concatenate((starts[1:], [frames.size]))
    labels = frames[np.concatenate(([0], change))]
    out = frames.copy()
    for i, (lab, s, e) in enumerate(zip(labels, starts, ends, strict=True)):
        out[s:e] = (lab + 1) % 3 if i % 5 == 4 else lab
    return out


def test_release_gt_vs_itself(s1_ppr_l):
    refs = s1_ppr_l
    assert len(refs) == 56
    out = ppr_scores(refs, refs)
    assert out["accuracy"] == 1.0
    for key in ("macro_f1", "f1_normal", "f1_anomaly", "f1_recovery"):
        assert out[key] == pytest.approx(1.0, abs=1e-6), key
    tas = ppr_scores(refs, refs, tas_convention="asquery")["tas"]
    assert tas["edit"] == 1.0 and tas["f1_at_50"] == 1.0


@pytest.mark.parametrize("aggregate", ["pooled", "per_video"])
def test_release_perturbation_matches_reference(s1_ppr_l, aggregate):
    vids = list(s1_ppr_l)
    preds = [_perturb(s1_ppr_l[v]) for v in vids]
    refs = [s1_ppr_l[v] for v in vids]
    out = ppr_scores(dict(zip(vids, preds, strict=True)), s1_ppr_l, aggregate=aggregate)
    _check(out, _reference_ppr(preds, refs, aggregate))
    assert 0.0 < out["macro_f1"] < 1.0


# --------------------------------------------------------------------------------------------------
# Options: one frozen dataclass, validated on construction, every field signed
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"aggregate": "macro"}, "aggregate"), ({"tas_convention": "foo"}, "tas_convention")],
)
def test_invalid_option_names_the_argument(kwargs, name):
    with pytest.raises(InputValidationError, match=f"`{name}`"):
        PprOptions(**kwargs)
    with pytest.raises(InputValidationError, match=f"`{name}`"):
        ppr_scores([[0]], [[0]], **kwargs)


def test_unknown_option_lists_the_allowed_keys():
    with pytest.raises(InputValidationError, match=r"'bogus'.*allowed: aggregate, tas_convention"):
        PprOptions.from_mapping({"bogus": 1})
    assert PprOptions.from_mapping({"aggregate": "per_video"}) == PprOptions(aggregate="per_video")


def test_signature_grid_is_distinct():
    preds, refs = [[0, 0, 1, 2], [1, 1, 0, 0]], [[0, 1, 1, 2], [1, 1, 0, 2]]
    grid = [
        {"aggregate": agg, "tas_convention": tas, **unc}
        for agg in ("pooled", "per_video")
        for tas in (None, "mstcn", "ltcontext")
        for unc in ({}, {"bootstrap": 5}, {"bootstrap": 5, "seed": 1}, {"bootstrap": 5, "confidence": 0.9})
    ]
    sigs = [ppr_scores(preds, refs, **kw)["signature"] for kw in grid]
    assert len(set(sigs)) == len(grid)
    # the numbers do move with the aggregation
    assert ppr_scores(preds, refs)["macro_f1"] != ppr_scores(preds, refs, aggregate="per_video")["macro_f1"]


def test_options_are_frozen_and_signed():
    opts = PprOptions(tas_convention="fact")
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.aggregate = "per_video"  # type: ignore[misc]
    assert dataclasses.replace(opts, aggregate="per_video") == PprOptions("per_video", "fact")
    assert opts.signature_items() == {"agg": "pooled", "tas": "fact"}
