"""ASR scores: hand-computed cases, options, errors, a plain reference, and the real IMPACT release."""

from __future__ import annotations

import dataclasses
import json
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from proceval.benchmarks.impact.state_events import dense_states_from_sequence
from proceval.errors import InputValidationError
from proceval.scores.asr import AsrOptions, asr_scores, match_transitions

# --------------------------------------------------------------------------------------------------
# plain reference (loops over frames; written from the spec text, not from the library)


def _reference_asr(preds, refs, tolerance=30, empty="zero"):
    n_comp = len(refs[0])
    tp = [[0, 0, 0] for _ in range(n_comp)]
    fp = [[0, 0, 0] for _ in range(n_comp)]
    fn = [[0, 0, 0] for _ in range(n_comp)]
    trans = [[] for _ in range(n_comp)]
    final = [[] for _ in range(n_comp)]
    for pred, ref in zip(preds, refs, strict=True):
        pred = [[int(v) + 1 for v in row] for row in np.asarray(pred).tolist()]
        ref = [[int(v) + 1 for v in row] for row in np.asarray(ref).tolist()]
        for c in range(n_comp):
            g, p = ref[c], pred[c]
            for t in range(len(g)):
                for k in range(3):
                    if p[t] == k and g[t] == k:
                        tp[c][k] += 1
                    elif p[t] == k:
                        fp[c][k] += 1
                    elif g[t] == k:
                        fn[c][k] += 1
            gt_tr = [(t, g[t]) for t in range(1, len(g)) if g[t] != g[t - 1]]
            pr_tr = [(t, p[t]) for t in range(1, len(p)) if p[t] != p[t - 1]]
            used = set()
            hits = 0
            for tg, sg in gt_tr:
                for i, (tq, sq) in enumerate(pr_tr):
                    if i not in used and sq == sg and abs(tq - tg) <= tolerance:
                        used.add(i)
                        hits += 1
                        break
            prec = hits / len(pr_tr) if pr_tr else 0.0
            rec = hits / len(gt_tr) if gt_tr else 0.0
            f1 = 2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0
            if empty == "one" and not gt_tr and not pr_tr:
                f1 = 1.0
            trans[c].append(f1)
            final[c].append(1.0 if p[-1] == g[-1] else 0.0)
    macro = []
    for c in range(n_comp):
        f1s = []
        for k in range(3):
            prec = tp[c][k] / (tp[c][k] + fp[c][k]) if tp[c][k] + fp[c][k] else 0.0
            rec = tp[c][k] / (tp[c][k] + fn[c][k]) if tp[c][k] + fn[c][k] else 0.0
            f1s.append(2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0)
        macro.append(sum(f1s) / 3)
    return {
        "macro_f1": sum(macro) / n_comp,
        "transition_f1": sum(sum(v) / len(v) for v in trans) / n_comp,
        "final_state_accuracy": sum(sum(v) / len(v) for v in final) / n_comp,
    }


def _random_video(rng, n_comp, n_frames, n_changes):
    states = np.zeros((n_comp, n_frames), dtype=np.int64)
    for c in range(n_comp):
        cur = int(rng.integers(-1, 2))
        cuts = sorted(rng.choice(np.arange(1, n_frames), size=n_changes, replace=False).tolist())
        start = 0
        for cut in [*cuts, n_frames]:
            states[c, start:cut] = cur
            cur = int(rng.choice([s for s in (-1, 0, 1) if s != cur]))
            start = cut
    return states


# --------------------------------------------------------------------------------------------------
# hand-computed cases


def test_perfect_prediction_is_perfect_when_every_class_occurs():
    gt = np.array([[-1, -1, 0, 0, 1, 1], [1, 0, 0, -1, -1, 1]])
    r = asr_scores([gt.copy()], [gt])
    assert r["macro_f1"] == 1.0
    assert r["transition_f1"] == 1.0
    assert r["final_state_accuracy"] == 1.0


def test_absent_class_counts_as_zero_in_macro_f1():
    # component 0 only ever 1: classes -1 and 0 are absent and never predicted -> F1 0 each
    gt = np.array([[1, 1, 1, 1]])
    r = asr_scores([gt.copy()], [gt])
    assert r["macro_f1"] == pytest.approx(1 / 3)
    # no transitions on either side -> official policy 0, alternative 1
    assert r["transition_f1"] == 0.0
    assert asr_scores([gt.copy()], [gt], no_transitions="one")["transition_f1"] == 1.0
    assert r["final_state_accuracy"] == 1.0


def test_macro_f1_hand_computed_and_pooled_over_videos():
    # video A: gt 0 0 1 1, pred 0 1 1 1 ; video B: gt 1 1, pred 0 0
    gt = [np.array([[0, 0, 1, 1]]), np.array([[1, 1]])]
    pr = [np.array([[0, 1, 1, 1]]), np.array([[0, 0]])]
    # pooled: class 0 (state 0): tp 1, fp 2, fn 1 -> P 1/3, R 1/2, F1 0.4
    #         class 1 (state 1): tp 2, fp 1, fn 2 -> P 2/3, R 1/2, F1 4/7
    #         class -1: absent -> 0
    r = asr_scores(pr, gt, tolerance_frames=0)
    assert r["macro_f1"] == pytest.approx((0.4 + 4 / 7) / 3)
    # transitions: A gt (2,1) pred (1,1): |1| > 0 -> miss -> F1 0; B none gt, pred none -> 0
    assert r["transition_f1"] == 0.0
    assert r["final_state_accuracy"] == pytest.approx(0.5)
    r1 = asr_scores(pr, gt, tolerance_frames=1)
    assert r1["transition_f1"] == pytest.approx(0.5)  # video A 1.0, video B 0.0
    assert asr_scores(pr, gt, tolerance_frames=1, no_transitions="one")["transition_f1"] == 1.0


def test_transition_matching_is_first_in_list_not_nearest():
    # GT transitions to state 1 at 10 and 14; predicted at 13 then 9 (list order), tolerance 4.
    # GT 10 takes the first valid pred (13, |3|), GT 14 then finds 9 (|5| > 4): 1 hit, not 2.
    assert match_transitions([10, 14], [2, 2], [13, 9], [2, 2], 4) == 1
    # a wrong new state never matches
    assert match_transitions([10], [2], [10], [1], 4) == 0
    # each prediction is used once
    assert match_transitions([10, 11], [2, 2], [10], [2], 4) == 1


def test_transition_f1_precision_recall():
    gt = np.array([[0] * 10 + [1] * 10 + [0] * 10])  # transitions (10, 1), (20, 0)
    pr = np.array([[0] * 12 + [1] * 3 + [-1] * 3 + [1] * 12])  # (12,1) (15,-1) (18,1): 1 hit of 3
    r = asr_scores([pr], [gt], tolerance_frames=5)
    p, rec = 1 / 3, 1 / 2
    assert r["transition_f1"] == pytest.approx(2 * p * rec / (p + rec))


def test_logits_input_equals_argmax_states():
    rng = np.random.default_rng(3)
    gt = _random_video(rng, 4, 50, 3)
    logits = rng.normal(size=(4, 3, 50))
    states = logits.argmax(axis=1) - 1
    assert asr_scores([logits], [gt]) == asr_scores([states], [gt])


def test_mapping_inputs_are_matched_by_id():
    rng = np.random.default_rng(4)
    a, b = _random_video(rng, 3, 40, 2), _random_video(rng, 3, 30, 2)
    pa, pb = _random_video(rng, 3, 40, 3), _random_video(rng, 3, 30, 3)
    by_list = asr_scores([pa, pb], [a, b])
    by_map = asr_scores({"b": pb, "a": pa}, {"a": a, "b": b})
    assert by_map["macro_f1"] == by_list["macro_f1"]
    assert by_map["transition_f1"] == by_list["transition_f1"]


def test_signature_records_options():
    gt = [np.array([[0, 1]])]
    assert asr_scores(gt, gt)["signature"].startswith("asr|tol:30|empty:zero|v:")
    assert asr_scores(gt, gt, tolerance_frames=15, no_transitions="one")["signature"].startswith(
        "asr|tol:15|empty:one|v:"
    )


# --------------------------------------------------------------------------------------------------
# reference comparison on seeded random inputs


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("tolerance", "empty"), [(30, "zero"), (3, "zero"), (0, "one")])
def test_matches_plain_reference(seed, tolerance, empty):
    rng = np.random.default_rng(seed)
    refs, preds = [], []
    for _ in range(4):
        n = int(rng.integers(40, 120))
        refs.append(_random_video(rng, 5, n, int(rng.integers(0, 4))))
        pred = refs[-1].copy()
        noise = rng.random(pred.shape) < 0.1
        pred[noise] = rng.integers(-1, 2, size=int(noise.sum()))
        preds.append(pred)
    ours = asr_scores(preds, refs, tolerance_frames=tolerance, no_transitions=empty)
    ref = partial(_reference_asr, tolerance=tolerance, empty=empty)(preds, refs)
    for key, value in ref.items():
        assert ours[key] == pytest.approx(value, abs=1e-12), key


# --------------------------------------------------------------------------------------------------
# uncertainty


def test_bootstrap_and_paired_sanity():
    rng = np.random.default_rng(7)
    refs = [_random_video(rng, 3, 60, 2) for _ in range(6)]
    good = [r.copy() for r in refs]
    bad = [np.zeros_like(r) for r in refs]
    r = asr_scores(good, refs, bootstrap=50, seed=1, paired_predictions=bad)
    lo, hi = r["ci"]["macro_f1"]
    assert lo <= r["macro_f1"] <= hi
    assert r["paired"]["macro_f1"]["delta"] > 0
    assert "bs:50" in r["signature"] and "rs:1" in r["signature"]
    assert (
        asr_scores(good, refs, bootstrap=50, seed=1)["ci"]
        == asr_scores(good, refs, bootstrap=50, seed=1)["ci"]
    )


# --------------------------------------------------------------------------------------------------
# errors


_ERRORS = [
    ({"tolerance_frames": -1}, [np.zeros((2, 3))], [np.zeros((2, 3))], "tolerance_frames"),
    ({"no_transitions": "nan"}, [np.zeros((2, 3))], [np.zeros((2, 3))], "no_transitions"),
    (
        {},
        [np.zeros((2, 4), int)],
        [np.zeros((2, 3), int)],
        r"'#0' to have as many frames as its reference \(3\), but got 4",
    ),
    ({"ids": ["v1"]}, [np.zeros((2, 4), int)], [np.zeros((2, 3), int)], r"'v1'.*\(3\), but got 4"),
    ({}, [np.zeros((3, 3), int)], [np.zeros((2, 3), int)], "Expected 2 components"),
    ({}, [np.full((2, 3), 2)], [np.zeros((2, 3), int)], r"states in \{-1, 0, 1\}"),
    ({}, [np.zeros((2, 4, 3))], [np.zeros((2, 3), int)], r"\[components, 3, frames\]"),
    ({}, [np.zeros((2, 3), int)], [np.zeros((2, 3, 3))], r"\[components, frames\] states"),
    ({}, [np.full((2, 3), 0.5)], [np.zeros((2, 3), int)], "non-integer"),
    ({}, [np.zeros((2, 3), int)], [], "as many predictions as references"),
    ({}, [], [], "at least one video"),
    ({}, {"a": np.zeros((1, 2), int)}, {"b": np.zeros((1, 2), int)}, "missing"),
    ({}, [np.zeros((1, 2), int)], {"b": np.zeros((1, 2), int)}, "mapping"),
    ({"ids": ["x", "x"]}, [np.zeros((1, 2), int)] * 2, [np.zeros((1, 2), int)] * 2, "unique"),
]


@pytest.mark.parametrize(("kwargs", "preds", "refs", "match"), _ERRORS)
def test_errors(kwargs, preds, refs, match):
    with pytest.raises(InputValidationError, match=match):
        asr_scores(preds, refs, **kwargs)


def test_dense_states_from_sequence_hand_computed_and_errors():
    seq = [{"frame": 0, "state": [1, 0]}, {"frame": 3, "state": [-1, 0]}, {"frame": 4, "state": [0, 1]}]
    out = dense_states_from_sequence(seq, 6)
    assert out.tolist() == [[1, 1, 1, -1, 0, 0], [0, 0, 0, 0, 1, 1]]
    with pytest.raises(InputValidationError, match="start at frame 0"):
        dense_states_from_sequence(seq[1:], 6)
    with pytest.raises(InputValidationError, match="strictly increasing"):
        dense_states_from_sequence([seq[0], seq[2], seq[1]], 6)
    with pytest.raises(InputValidationError, match=r"below `frame_count` \(4\)"):
        dense_states_from_sequence(seq, 4, video_id="v")
    with pytest.raises(InputValidationError, match="Expected 2 component states"):
        dense_states_from_sequence([seq[0], {"frame": 1, "state": [1]}], 6)
    with pytest.raises(InputValidationError, match=r"\{-1, 0, 1\}"):
        dense_states_from_sequence([{"frame": 0, "state": [2, 0]}], 6)


# --------------------------------------------------------------------------------------------------
# the real IMPACT release


def _release_states(dataset_dir: Path) -> dict[str, np.ndarray]:
    bundle = dataset_dir / "ASR" / "splits_front_only_v1" / "test.split1.bundle"
    ids = [line.strip() for line in bundle.read_text().splitlines() if line.strip()]
    out = {}
    for vid in ids:
        data = json.loads((dataset_dir / "ASR" / "annotations" / f"{vid}_asr.json").read_text())
        out[vid] = dense_states_from_sequence(data["state_sequence"], data["frame_count"], video_id=vid)
    return out


def _delay_transitions(states: np.ndarray, delay: int) -> np.ndarray:
    """Every change of state happens ``delay`` frames later (clipped at the video end)."""
    out = states.copy()
    n = states.shape[1]
    for c in range(states.shape[0]):
        t = np.flatnonzero(states[c, 1:] != states[c, :-1]) + 1
        for k, start in enumerate(t):
            end = t[k + 1] if k + 1 < len(t) else n
            out[c, start : min(start + delay, end)] = states[c, start - 1]
    return out


@pytest.mark.impact_release
def test_release_ground_truth_against_itself(impact_dataset_dir):
    refs = _release_states(impact_dataset_dir)
    assert len(refs) == 18 and all(v.shape[0] == 17 for v in refs.values())
    r = asr_scores(refs, refs)
    # every component changes state in every test video and visits all three states over the split,
    # so even the official "no transitions -> 0" and "absent class -> 0" policies leave the GT perfect
    assert r["macro_f1"] == 1.0
    assert r["transition_f1"] == 1.0
    assert r["final_state_accuracy"] == 1.0
    assert all(
        v["n"] > 0 for v in [{"n": int((s[:, 1:] != s[:, :-1]).any(axis=1).all())} for s in refs.values()]
    )


@pytest.mark.impact_release
def test_release_delayed_transitions(impact_dataset_dir):
    refs = _release_states(impact_dataset_dir)
    ids = list(refs)
    results = {}
    for delay in (15, 45):
        preds = {vid: _delay_transitions(refs[vid], delay) for vid in ids}
        ours = asr_scores(preds, refs, no_transitions="one")
        # the frame-loop reference is slow: compare on 4 videos (2 assembly, 2 disassembly)
        few = ids[:4]
        plain = _reference_asr([preds[v] for v in few], [refs[v] for v in few], empty="one")
        ours_few = asr_scores({v: preds[v] for v in few}, {v: refs[v] for v in few}, no_transitions="one")
        for key, value in plain.items():
            assert ours_few[key] == pytest.approx(value, abs=1e-12), (delay, key)
        results[delay] = ours
    # a 15-frame delay is within the 30-frame tolerance: every transition still hits
    # (up to transitions shorter than the delay, which the shift swallows)
    assert results[15]["transition_f1"] > 0.95
    # a 45-frame delay is outside it: only transitions that disappear or merge can change the count
    assert results[45]["transition_f1"] < 0.1
    assert results[45]["macro_f1"] < results[15]["macro_f1"] < 1.0
    assert results[15]["final_state_accuracy"] == 1.0
    # widening the tolerance to 45 frames recovers the 45-frame delay
    wide = asr_scores(
        {v: _delay_transitions(refs[v], 45) for v in ids}, refs, tolerance_frames=45, no_transitions="one"
    )
    assert wide["transition_f1"] > 0.95


# --------------------------------------------------------------------------------------------------
# Options: one frozen dataclass, validated on construction, every field signed


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"tolerance_frames": -1}, "tolerance_frames"),
        ({"tolerance_frames": 1.5}, "tolerance_frames"),
        ({"tolerance_frames": True}, "tolerance_frames"),
        ({"no_transitions": "nan"}, "no_transitions"),
    ],
)
def test_invalid_option_names_the_argument(kwargs, name):
    with pytest.raises(InputValidationError, match=f"`{name}`"):
        AsrOptions(**kwargs)


def test_unknown_option_lists_the_allowed_keys():
    with pytest.raises(InputValidationError, match=r"'bogus'.*allowed: tolerance_frames, no_transitions"):
        AsrOptions.from_mapping({"bogus": 1})
    assert AsrOptions.from_mapping({"tolerance_frames": 5}) == AsrOptions(tolerance_frames=5)


def test_signature_grid_is_distinct():
    gt = [np.array([[0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0]])]
    pr = [np.array([[0, 0, 0, 0, 1, 1], [1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0]])]
    grid = [
        {"tolerance_frames": tol, "no_transitions": empty, **unc}
        for tol in (0, 2)
        for empty in ("zero", "one")
        for unc in ({}, {"bootstrap": 5}, {"bootstrap": 5, "seed": 1}, {"bootstrap": 5, "confidence": 0.9})
    ]
    results = [asr_scores(pr, gt, **kw) for kw in grid]
    assert len({r["signature"] for r in results}) == len(grid)
    # each option moves the number on this input
    assert len({(r["transition_f1"]) for r in results}) == 4
    paired = asr_scores(pr, gt, paired_predictions=gt)["signature"]
    assert "bs:1000" in paired and "paired:yes" in paired


def test_options_are_frozen():
    opts = AsrOptions()
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.tolerance_frames = 3  # type: ignore[misc]
    assert dataclasses.replace(opts, no_transitions="one") == AsrOptions(30, "one")
