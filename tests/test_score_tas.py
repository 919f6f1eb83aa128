"""Tests of proceval.scores.tas: hand-computed cases and a plain re-implementation of each evaluator."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest

from proceval.benchmarks.impact.formats.bundles import read_bundle
from proceval.benchmarks.impact.formats.frame_labels import read_frame_labels
from proceval.benchmarks.impact.formats.labelmaps import read_label_map
from proceval.errors import InputValidationError
from proceval.scores.tas import TAS_CONVENTIONS, f1_key, tas_scores

F1_KEYS = ("f1_at_10", "f1_at_25", "f1_at_50")
OVERLAPS = (0.1, 0.25, 0.5)

# The conventions spelled out independently of the library's preset table.
REFERENCE_CONVENTIONS = {
    "mstcn": dict(
        bg=[0], mask=False, per_video=False, acc_fg=False, eps=0.0, undef=0.0, diffact=False, skip=False
    ),
    "fact": dict(
        bg=[0], mask=False, per_video=False, acc_fg=True, eps=1e-5, undef=0.0, diffact=False, skip=True
    ),
    "ltcontext": dict(
        bg=[0], mask=True, per_video=True, acc_fg=True, eps=0.0, undef=0.0, diffact=False, skip=False
    ),
    "asquery": dict(
        bg=[], mask=False, per_video=False, acc_fg=False, eps=0.0, undef=1e-6, diffact=False, skip=False
    ),
    "diffact": dict(
        bg=[], mask=False, per_video=False, acc_fg=False, eps=0.0, undef=0.0, diffact=True, skip=False
    ),
}


# --------------------------------------------------------------------------------------------------
# Plain-Python reference: the MS-TCN evaluator's loops, with each IMPACT copy's variations as flags.
# --------------------------------------------------------------------------------------------------
def _ref_segments(frames, bg, diffact):
    labels, starts, ends = [], [], []
    last = frames[0]
    if frames[0] not in bg:
        labels.append(frames[0])
        starts.append(0)
    i = 0
    for i in range(len(frames)):
        if frames[i] != last:
            if frames[i] not in bg:
                labels.append(frames[i])
                starts.append(i)
            if last not in bg:
                ends.append(i)
            last = frames[i]
    if last not in bg:
        ends.append(i if diffact else i + 1)
    return labels, starts, ends


def _ref_levenshtein(p, y):
    rows = [[0] * (len(y) + 1) for _ in range(len(p) + 1)]
    for i in range(len(p) + 1):
        rows[i][0] = i
    for j in range(len(y) + 1):
        rows[0][j] = j
    for j in range(1, len(y) + 1):
        for i in range(1, len(p) + 1):
            if y[j - 1] == p[i - 1]:
                rows[i][j] = rows[i - 1][j - 1]
            else:
                rows[i][j] = min(rows[i - 1][j], rows[i][j - 1], rows[i - 1][j - 1]) + 1
    return rows[-1][-1]


def _ref_edit(pred, gt, bg, diffact):
    if not gt:
        return None
    p, _, _ = _ref_segments(pred, bg, diffact)
    y, _, _ = _ref_segments(gt, bg, diffact)
    if max(len(p), len(y)) == 0:
        return None  # both empty: the caller applies the empty-Edit policy
    return 1.0 - _ref_levenshtein(p, y) / max(len(p), len(y))


def _ref_f_score(pred, gt, overlap, bg, diffact):
    if not gt:
        return 0, 0, 0
    p_lab, p_s, p_e = _ref_segments(pred, bg, diffact)
    y_lab, y_s, y_e = _ref_segments(gt, bg, diffact)
    tp = fp = 0
    hits = [False] * len(y_lab)
    for j in range(len(p_lab)):
        if not y_lab:
            fp += 1
            continue
        ious = []
        for x in range(len(y_lab)):
            inter = min(p_e[j], y_e[x]) - max(p_s[j], y_s[x])
            union = max(p_e[j], y_e[x]) - min(p_s[j], y_s[x])
            iou = inter / union if union else math.nan
            ious.append(iou * (p_lab[j] == y_lab[x]))
        best = 0
        for x in range(len(ious)):
            if math.isnan(ious[x]):
                best = x
                break
            if ious[x] > ious[best]:
                best = x
        if ious[best] >= overlap and not hits[best]:
            tp += 1
            hits[best] = True
        else:
            fp += 1
    return tp, fp, len(y_lab) - sum(hits)


def _ref_f1(tp, fp, fn, eps, undef):
    if eps:
        p = tp / (tp + fp + eps)
        r = tp / (tp + fn + eps)
        return 2.0 * (p * r) / (p + r + eps)
    if tp == 0:
        return undef
    p = tp / (tp + fp)
    r = tp / (tp + fn)
    return 2.0 * (p * r) / (p + r)


def _reference_tas(preds, refs, *, bg, mask, per_video, acc_fg, eps, undef, diffact, skip, overlaps=OVERLAPS):
    n = len(refs)
    correct = total = fg_correct = fg_total = 0
    acc_v, edits, f1_v = [], [], {t: [] for t in overlaps}
    counts = {t: [0, 0, 0] for t in overlaps}
    for pred, gt in zip(preds, refs, strict=True):
        pred, gt = [int(v) for v in pred], [int(v) for v in gt]
        c = sum(1 for a, b in zip(pred, gt, strict=True) if a == b)
        fgc = sum(1 for a, b in zip(pred, gt, strict=True) if a == b and b not in bg)
        fgt = sum(1 for b in gt if b not in bg)
        correct, total, fg_correct, fg_total = correct + c, total + len(gt), fg_correct + fgc, fg_total + fgt
        if acc_fg:
            acc_v.append(fgc / fgt if fgt else 0.0)
        else:
            acc_v.append(c / len(gt))
        if mask:
            keep = [i for i in range(len(gt)) if gt[i] not in bg]
            pred, gt = [pred[i] for i in keep], [gt[i] for i in keep]
        e = _ref_edit(pred, gt, bg, diffact)
        if e is None:
            if not skip:
                edits.append(1.0)
        else:
            edits.append(e)
        for t in overlaps:
            tp, fp, fn = _ref_f_score(pred, gt, t, bg, diffact)
            counts[t][0] += tp
            counts[t][1] += fp
            counts[t][2] += fn
            f1_v[t].append(_ref_f1(tp, fp, fn, eps, undef))
    out = {}
    if per_video:
        out["accuracy"] = sum(acc_v) / n
    elif acc_fg:
        out["accuracy"] = fg_correct / fg_total if fg_total else 0.0
    else:
        out["accuracy"] = correct / total
    out["edit"] = sum(edits) / len(edits) if edits else math.nan
    for t in overlaps:
        if per_video:
            out[f1_key(t)] = sum(f1_v[t]) / n
        else:
            out[f1_key(t)] = _ref_f1(*counts[t], eps, undef)
    return out


def _random_videos(seed, n_videos=4, n_labels=5, length=(40, 160)):
    rng = np.random.default_rng(seed)
    refs, preds = [], []
    for _ in range(n_videos):
        size = int(rng.integers(*length))
        ref = np.repeat(
            rng.integers(0, n_labels, size=size // 4 + 1), rng.integers(1, 9, size=size // 4 + 1)
        )[:size]
        noise = rng.random(ref.size) < 0.15
        pred = np.where(noise, rng.integers(0, n_labels, size=ref.size), ref)
        # shift a few boundaries and sometimes end on a one-frame run (DiffAct's NaN case)
        pred = np.roll(pred, int(rng.integers(-3, 4)))
        if rng.random() < 0.3:
            ref[-1] = (ref[-2] + 1) % n_labels
            pred[-1] = ref[-1] if rng.random() < 0.5 else pred[-1]
        refs.append(ref)
        preds.append(pred)
    return preds, refs


def _check_close(out, expected, atol=1e-12):
    for key, value in expected.items():
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(out[key]), key
        else:
            assert out[key] == pytest.approx(value, abs=atol), key


# --------------------------------------------------------------------------------------------------
# Hand-computed cases
# --------------------------------------------------------------------------------------------------
A, B = 1, 2
FACT_F1_1OF2 = (lambda p, r: 2 * p * r / (p + r + 1e-5))(1 / (1 + 1e-5), 1 / (2 + 1e-5))

HAND_CASES = [
    # A,bg,A GT vs one long A prediction
    (
        "a_bg_a",
        [A, A, A, A, A, A],
        [A, A, 0, 0, A, A],
        "mstcn",
        {"accuracy": 4 / 6, "edit": 0.5, "f1_at_10": 2 / 3, "f1_at_25": 2 / 3, "f1_at_50": 0.0},
    ),
    (
        "a_bg_a",
        [A, A, A, A, A, A],
        [A, A, 0, 0, A, A],
        "fact",
        {
            "accuracy": 1.0,
            "accuracy_all_frames": 4 / 6,
            "edit": 0.5,
            "f1_at_10": FACT_F1_1OF2,
            "f1_at_50": 0.0,
        },
    ),
    (
        "a_bg_a",
        [A, A, A, A, A, A],
        [A, A, 0, 0, A, A],
        "ltcontext",
        {"accuracy": 1.0, "edit": 1.0, "f1_at_10": 1.0, "f1_at_25": 1.0, "f1_at_50": 1.0},
    ),
    (
        "a_bg_a",
        [A, A, A, A, A, A],
        [A, A, 0, 0, A, A],
        "asquery",
        {"accuracy": 4 / 6, "edit": 1 / 3, "f1_at_10": 0.5, "f1_at_25": 0.5, "f1_at_50": 1e-6},
    ),
    (
        "a_bg_a",
        [A, A, A, A, A, A],
        [A, A, 0, 0, A, A],
        "diffact",
        {"accuracy": 4 / 6, "edit": 1 / 3, "f1_at_10": 0.5, "f1_at_25": 0.5, "f1_at_50": 0.0},
    ),
    # all background on both sides: no segments anywhere
    (
        "all_bg",
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        "mstcn",
        {"accuracy": 1.0, "accuracy_foreground": 0.0, "edit": 1.0, "f1_at_10": 0.0, "f1_at_50": 0.0},
    ),
    (
        "all_bg",
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        "fact",
        {"accuracy": 0.0, "accuracy_all_frames": 1.0, "edit": math.nan, "f1_at_10": 0.0},
    ),
    (
        "all_bg",
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        "ltcontext",
        {"accuracy": 0.0, "edit": 1.0, "f1_at_10": 0.0, "f1_at_50": 0.0},
    ),
    (
        "all_bg",
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        "asquery",
        {"accuracy": 1.0, "edit": 1.0, "f1_at_10": 1.0, "f1_at_50": 1.0},
    ),
    # prediction with no (foreground) segments
    (
        "no_pred_segments",
        [0, 0, 0, 0, 0, 0],
        [0, A, A, 0, B, B],
        "mstcn",
        {"accuracy": 2 / 6, "accuracy_foreground": 0.0, "edit": 0.0, "f1_at_10": 0.0, "f1_at_50": 0.0},
    ),
    (
        "no_pred_segments",
        [0, 0, 0, 0, 0, 0],
        [0, A, A, 0, B, B],
        "ltcontext",
        {"accuracy": 0.0, "edit": 0.0, "f1_at_10": 0.0, "f1_at_50": 0.0},
    ),
    # greedy quirk: the third prediction's best GT (already hit) makes it a FP although GT #2 qualifies
    (
        "greedy_quirk",
        [A] * 4 + [B] + [A] * 8,
        [A] * 10 + [0] + [A] * 2,
        "mstcn",
        {"accuracy": 11 / 13, "edit": 2 / 3, "f1_at_10": 0.4, "f1_at_25": 0.4, "f1_at_50": 0.0},
    ),
    # DiffAct's last segment ends one frame early: a one-frame last run becomes empty, IoU 0/0 -> FP + FN
    (
        "diffact_off_by_one",
        [A, A, B],
        [A, A, B],
        "diffact",
        {"accuracy": 1.0, "edit": 1.0, "f1_at_10": 0.5, "f1_at_25": 0.5, "f1_at_50": 0.5},
    ),
    (
        "diffact_off_by_one",
        [A, A, B],
        [A, A, B],
        "asquery",
        {"accuracy": 1.0, "edit": 1.0, "f1_at_10": 1.0, "f1_at_25": 1.0, "f1_at_50": 1.0},
    ),
    (
        "diffact_off_by_one_long",
        [A, A, B, B],
        [A, A, B, B],
        "diffact",
        {"accuracy": 1.0, "edit": 1.0, "f1_at_10": 1.0, "f1_at_50": 1.0},
    ),
]


@pytest.mark.parametrize(
    ("pred", "ref", "convention", "expected"),
    [case[1:] for case in HAND_CASES],
    ids=[f"{c[0]}-{c[3]}" for c in HAND_CASES],
)
def test_hand_computed(pred, ref, convention, expected):
    # label map {0: NULL, 1: A, 2: B}: B may be predicted where the references have no B
    out = tas_scores([pred], [ref], convention=convention, num_classes=3)
    _check_close(out, expected)
    ref_out = _reference_tas([pred], [ref], **REFERENCE_CONVENTIONS[convention])
    _check_close(out, {k: v for k, v in ref_out.items()})


def test_pooled_vs_per_video_hand():
    # video 1: perfect, two segments; video 2: one GT segment, prediction split into A,B -> 1 TP, 1 FP
    preds = [[A, A, B, B], [A, A, A, B]]
    refs = [[A, A, B, B], [A, A, A, A]]
    pooled = tas_scores(preds, refs, convention="mstcn")
    # pooled counts at 0.5: tp = 2 + 1, fp = 0 + 1, fn = 0 -> P = 3/4, R = 1
    assert pooled["f1_at_50"] == pytest.approx(2 * 0.75 / 1.75)
    assert pooled["accuracy"] == pytest.approx(7 / 8)
    assert pooled["edit"] == pytest.approx((1.0 + 0.5) / 2)
    per_video = tas_scores(preds, refs, convention="mstcn", aggregate="per_video")
    assert per_video["f1_at_50"] == pytest.approx((1.0 + 2 * 0.5 / 1.5) / 2)
    assert per_video["accuracy"] == pytest.approx((1.0 + 0.75) / 2)
    assert per_video["per_video"][1]["f1_at_50"] == pytest.approx(2 / 3)


def test_options_override_preset():
    pred, ref = [A, A, A, A, A, A], [A, A, 0, 0, A, A]
    out = tas_scores([pred], [ref], convention="mstcn", background_mode="mask_gt_frames")
    assert out["edit"] == 1.0 and out["f1_at_50"] == 1.0
    assert "bg:mask_gt_frames" in out["signature"]
    out = tas_scores([pred], [ref], convention="mstcn", ignore_labels=[])
    assert out["edit"] == pytest.approx(1 / 3)
    out = tas_scores([pred], [ref], convention="mstcn", accuracy_frames="foreground")
    assert out["accuracy"] == 1.0
    out = tas_scores([[A, A, B]], [[A, A, B]], last_segment_end="diffact_minus_one", ignore_labels=[])
    assert out["f1_at_10"] == pytest.approx(0.5)
    out = tas_scores([[0, 0]], [[0, 0]], empty_edit="skip")
    assert math.isnan(out["edit"])
    out = tas_scores([[A, A, 0, 0]], [[0, 0, B, B]], f1_undefined=1e-6)
    assert out["f1_at_10"] == 1e-6
    out = tas_scores([[A, A, B, B]], [[A, A, B, B]], overlaps=[0.75])
    assert out["f1_at_75"] == 1.0 and "f1_at_10" not in out


def test_label_names_and_mapping_inputs():
    names = ["NULL", "CUT", "WELD"]
    preds = {"v2": ["null", "CUT", "CUT"], "v1": ["WELD", "WELD", "NULL"]}
    refs = {"v1": ["WELD", "WELD", "WELD"], "v2": ["NULL", "CUT", "CUT"]}
    out = tas_scores(preds, refs, label_names=names, ignore_labels=["NULL"])
    ids = tas_scores([[2, 2, 0], [0, 1, 1]], [[2, 2, 2], [0, 1, 1]], ids=["v1", "v2"])
    for key in ("accuracy", "edit", *F1_KEYS):
        assert out[key] == ids[key]
    assert list(out["per_video"]) == ["v1", "v2"]
    assert out["per_video"]["v2"]["edit"] == 1.0


@pytest.mark.parametrize("convention", TAS_CONVENTIONS)
@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_matches_reference_on_random_videos(convention, seed):
    preds, refs = _random_videos(seed)
    out = tas_scores(preds, refs, convention=convention)
    expected = _reference_tas(preds, refs, **REFERENCE_CONVENTIONS[convention])
    _check_close(out, expected)


@pytest.mark.parametrize("seed", [10, 11])
def test_single_options_match_reference(seed):
    preds, refs = _random_videos(seed, n_videos=3)
    base = REFERENCE_CONVENTIONS["mstcn"]
    cases = [
        ({"aggregate": "per_video"}, {"per_video": True}),
        ({"background_mode": "mask_gt_frames"}, {"mask": True}),
        ({"ignore_labels": [0, 3]}, {"bg": [0, 3]}),
        ({"f1_epsilon": 1e-5}, {"eps": 1e-5}),
        ({"overlaps": [0.3, 0.7]}, {"overlaps": (0.3, 0.7)}),
    ]
    for kwargs, ref_kwargs in cases:
        out = tas_scores(preds, refs, **kwargs)
        expected = partial(_reference_tas, **{**base, **ref_kwargs})(preds, refs)
        _check_close(out, expected)


def test_perfect_prediction_every_convention():
    _, refs = _random_videos(7)
    for convention in ("mstcn", "fact", "ltcontext", "asquery"):
        out = tas_scores(refs, refs, convention=convention)
        for key in ("accuracy", "edit", *F1_KEYS):
            # FACT's epsilons keep F1 just below 1: 2PR/(P+R+1e-5) with P = R = n/(n+1e-5)
            expected = (
                1.0 if convention != "fact" or key in ("accuracy", "edit") else pytest.approx(1, abs=1e-4)
            )
            assert out[key] == expected, (convention, key)


def test_bootstrap_and_paired():
    preds, refs = _random_videos(3, n_videos=8)
    out = tas_scores(preds, refs, bootstrap=200, seed=1)
    for key in ("accuracy", "edit", *F1_KEYS):
        low, high = out["ci"][key]
        assert low <= out[key] <= high
    again = tas_scores(preds, refs, bootstrap=200, seed=1)
    assert again["ci"] == out["ci"]
    same = tas_scores(preds, refs, paired_predictions=preds, bootstrap=100)
    assert same["paired"]["edit"]["delta"] == 0.0
    better = tas_scores(refs, refs, paired_predictions=preds, bootstrap=200)
    assert better["paired"]["f1_at_50"]["delta"] > 0
    assert better["paired"]["f1_at_50"]["p_value"] < 0.05
    assert "bs:200" in better["signature"]


def test_signature_pins_options():
    out = tas_scores([[1, 1]], [[1, 1]])
    assert out["signature"] == (
        "tas|conv:mstcn|ign:0|bg:drop_segments|agg:pooled|acc:all|thr:0.1,0.25,0.5|eps:0|f1undef:0"
        "|end:exclusive|emptyedit:perfect|v:0.1.0"
    )
    out = tas_scores([[1, 1]], [[1, 1]], convention="ltcontext")
    assert out["signature"].startswith(
        "tas|conv:ltcontext|ign:0|bg:mask_gt_frames|agg:per_video|acc:foreground"
    )


ERROR_CASES = [
    ({"predictions": [[1, 1]], "references": [[1, 1, 1]]}, r"'0'|0.*3\).*got 2"),
    ({"predictions": {"a": [1]}, "references": {"b": [1]}}, r"missing: 'b'"),
    ({"predictions": {"a": [1]}, "references": [[1]]}, r"both mappings"),
    ({"predictions": [[1]], "references": [[1]], "ids": ["x", "x"]}, r"unique ids"),
    ({"predictions": [[1], [1]], "references": [[1]]}, r"one prediction per reference"),
    ({"predictions": [], "references": []}, r"at least one video"),
    ({"predictions": [[]], "references": [[]]}, r"at least one frame"),
    ({"predictions": [["CUT"]], "references": [[1]]}, r"no `label_names`"),
    ({"predictions": [["FOO"]], "references": [[1]], "label_names": ["NULL", "CUT"]}, r"Unknown label 'FOO'"),
    ({"predictions": [[5]], "references": [[1]], "label_names": ["NULL", "CUT"]}, r"\[0, 2\).*got 5"),
    ({"predictions": [[-1]], "references": [[1]]}, r"got -1 at frame 0"),
    ({"predictions": [[1.5]], "references": [[1]]}, r"non-integer"),
    ({"predictions": [[1]], "references": [[1]], "convention": "msctn"}, r"`convention`"),
    ({"predictions": [[1]], "references": [[1]], "aggregate": "mean"}, r"`aggregate`"),
    ({"predictions": [[1]], "references": [[1]], "background_mode": "x"}, r"`background_mode`"),
    ({"predictions": [[1]], "references": [[1]], "overlaps": [50]}, r"`overlaps`.*\(0, 1\]"),
    ({"predictions": [[1]], "references": [[1]], "overlaps": []}, r"`overlaps`"),
    ({"predictions": [[1]], "references": [[1]], "ignore_labels": "NULL"}, r"`ignore_labels`"),
    ({"predictions": [[1]], "references": [[1]], "ignore_labels": ["NULL"]}, r"`label_names` to map"),
    ({"predictions": [[1]], "references": [[1]], "f1_epsilon": -1.0}, r"`f1_epsilon`"),
    ({"predictions": [[1]], "references": [[1]], "empty_edit": "zero"}, r"`empty_edit`"),
    ({"predictions": [[1]], "references": [[1]], "bootstrap": -3}, r"`bootstrap`"),
    ({"predictions": [[1]], "references": [[1]], "confidence": 95}, r"`confidence`"),
]


@pytest.mark.parametrize(("kwargs", "match"), ERROR_CASES, ids=[str(i) for i in range(len(ERROR_CASES))])
def test_errors(kwargs, match):
    with pytest.raises(InputValidationError, match=match):
        tas_scores(**kwargs)


def test_length_mismatch_names_video():
    with pytest.raises(InputValidationError, match=r"'vid7'.*\(3\), but got 2"):
        tas_scores({"vid7": [1, 1]}, {"vid7": [1, 1, 1]})


# --------------------------------------------------------------------------------------------------
# Real release (S1 test bundle of TAS-S)
# --------------------------------------------------------------------------------------------------
def _shift_boundaries(frames: np.ndarray, k: int) -> np.ndarray:
    """Move every boundary k frames later (runs shorter than k may vanish)."""
    change = np.flatnonzero(frames[1:] != frames[:-1]) + 1
    out = frames.copy()
    starts = np.minimum(np.concatenate(([0], change + k)), frames.size)
    ends = np.concatenate((starts[1:], [frames.size]))
    labels = frames[np.concatenate(([0], change))]
    for lab, s, e in zip(labels, starts, ends, strict=True):
        out[s:e] = lab
    return out


def _relabel_every_fifth(frames: np.ndarray, num_classes: int) -> np.ndarray:
    change = np.flatnonzero(frames[1:] != frames[:-1]) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [frames.size]))
    out = frames.copy()
    for i in range(4, starts.size, 5):
        out[starts[i] : ends[i]] = (frames[starts[i]] + 1) % num_classes
    return out


@pytest.fixture(scope="module")
def s1_cas(impact_dataset_dir):
    tas_dir = impact_dataset_dir / "TAS"
    names = read_label_map(tas_dir / "mapping_CAS.txt")
    lookup = {n: i for i, n in enumerate(names)}
    ids = read_bundle(tas_dir / "splits_CAS" / "test.split1.bundle")
    refs = {v: read_frame_labels(tas_dir / "groundTruth_CAS" / f"{v}.txt", lookup) for v in ids}
    return names, refs


def test_release_gt_vs_itself_is_perfect(s1_cas):
    names, refs = s1_cas
    assert len(refs) == 56
    for convention in ("mstcn", "fact", "ltcontext", "asquery"):
        out = tas_scores(refs, refs, convention=convention, label_names=names)
        for key in ("accuracy", "edit", *F1_KEYS):
            expected = (
                1.0 if convention != "fact" or key in ("accuracy", "edit") else pytest.approx(1, abs=1e-5)
            )
            assert out[key] == expected, (convention, key)
    # DiffAct's off-by-one: one S1 test video ends on a one-frame run, which becomes a FP and a FN
    out = tas_scores(refs, refs, convention="diffact", label_names=names)
    n_segments = sum(int(np.count_nonzero(r[1:] != r[:-1])) + 1 for r in refs.values())
    tp = n_segments - 1
    assert out["accuracy"] == 1.0 and out["edit"] == 1.0
    assert out["f1_at_50"] == pytest.approx(2 * tp / (2 * tp + 2), abs=1e-12)


PERTURBATIONS = {
    # every boundary 15 frames later and every 5th segment relabelled, on all 56 videos
    "shift15_relabel5": (1, lambda frames, n: _relabel_every_fifth(_shift_boundaries(frames, 15), n)),
    # every boundary 3 frames later, on every 4th video (keeps the pure-Python reference quick)
    "shift3": (4, lambda frames, n: _shift_boundaries(frames, 3)),
}


@pytest.mark.parametrize("perturbation", list(PERTURBATIONS))
@pytest.mark.parametrize("convention", TAS_CONVENTIONS)
def test_release_perturbations_match_reference(s1_cas, convention, perturbation):
    names, refs = s1_cas
    stride, perturb = PERTURBATIONS[perturbation]
    vids = list(refs)[::stride]
    preds = [perturb(refs[v], len(names)) for v in vids]
    gts = [refs[v] for v in vids]
    out = tas_scores(
        dict(zip(vids, preds, strict=True)),
        {v: refs[v] for v in vids},
        convention=convention,
        label_names=names,
    )
    expected = _reference_tas(preds, gts, **REFERENCE_CONVENTIONS[convention])
    _check_close(out, expected)
    assert 0.0 < out["accuracy_all_frames"] < 1.0


def test_videos_are_not_merged_across_boundaries():
    # v1 ends and v2 starts with label 1: two segments, one per video, not one spanning both
    out = tas_scores([[1, 1], [1, 1, 2]], [[1, 1], [1, 1, 2]])
    assert [v["f1_at_50"] for v in out["per_video"].values()] == [1.0, 1.0]
    shifted = tas_scores([[2, 1], [1, 1, 2]], [[1, 1], [1, 1, 2]])
    # v1: prediction [2][1] vs GT [1]: the 1-run [1, 2) has IoU 0.5 -> TP at 0.5, the 2-run is a FP
    assert shifted["per_video"][0]["f1_at_50"] == pytest.approx(2 * 0.5 * 1 / 1.5)
    assert shifted["per_video"][1]["f1_at_50"] == 1.0


def test_all_background_video_between_others_ltcontext():
    preds = [[1, 1, 0], [0, 0, 0], [0, 2, 2]]
    refs = [[1, 1, 0], [0, 0, 0], [0, 2, 2]]
    out = tas_scores(preds, refs, convention="ltcontext")
    assert out["per_video"][1] == {
        "accuracy": 0.0,
        "edit": 1.0,
        "f1_at_10": 0.0,
        "f1_at_25": 0.0,
        "f1_at_50": 0.0,
    }
    assert out["per_video"][0]["f1_at_50"] == out["per_video"][2]["f1_at_50"] == 1.0
    expected = _reference_tas(preds, refs, **REFERENCE_CONVENTIONS["ltcontext"])
    _check_close(out, expected)


def test_release_tas_bl_gt_vs_itself_and_perturbation(impact_dataset_dir):
    tas_dir = impact_dataset_dir / "TAS"
    names = read_label_map(tas_dir / "mapping_FAS.txt")
    assert len(names) == 138
    lookup = {n: i for i, n in enumerate(names)}
    ids = read_bundle(tas_dir / "splits_FAS_L" / "test.split1.bundle")[::4]
    refs = {v: read_frame_labels(tas_dir / "groundTruth_FAS_L" / f"{v}.txt", lookup) for v in ids}
    out = tas_scores(refs, refs, label_names=names)
    assert (out["accuracy"], out["edit"], out["f1_at_50"]) == (1.0, 1.0, 1.0)
    preds = [_relabel_every_fifth(_shift_boundaries(refs[v], 10), len(names)) for v in ids]
    for convention in ("mstcn", "ltcontext"):
        got = tas_scores(preds, list(refs.values()), convention=convention, label_names=names)
        _check_close(got, _reference_tas(preds, list(refs.values()), **REFERENCE_CONVENTIONS[convention]))


# ----------------------------------------------------------------------------------------- options


def test_tas_presets_are_replacements_of_the_mstcn_base() -> None:
    import dataclasses

    from proceval.scores.tas import TAS_PRESETS, TasOptions

    base = TAS_PRESETS["mstcn"]
    assert TasOptions() == base
    assert TAS_PRESETS["ltcontext"] == dataclasses.replace(
        base,
        convention="ltcontext",
        background_mode="mask_gt_frames",
        aggregate="per_video",
        accuracy_frames="foreground",
    )
    # an explicit option overrides the preset; the rest come from it
    opts = TasOptions(convention="fact", aggregate="per_video")
    assert opts.aggregate == "per_video" and opts.f1_epsilon == 1e-5 and opts.empty_edit == "skip"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"convention": "msctn"}, r"`convention` to be one of 'mstcn'"),
        ({"aggregate": "mean"}, r"`aggregate` to be one of 'pooled' or 'per_video'"),
        ({"f1_epsilon": 1.5}, r"`f1_epsilon` to be a float in \[0, 1\)"),
        ({"overlaps": []}, r"`overlaps` to be floats in \(0, 1\]"),
        ({"ignore_labels": "NULL"}, r"`ignore_labels` to be a list"),
    ],
)
def test_tas_options_refuse_bad_values_on_construction(kwargs: dict, match: str) -> None:
    from proceval.scores.tas import TasOptions

    with pytest.raises(InputValidationError, match=match):
        TasOptions(**kwargs)


def test_tas_unknown_option_key_lists_the_allowed_ones() -> None:
    from proceval.scores.tas import TasOptions

    with pytest.raises(
        InputValidationError, match=r"Unknown option 'conventon' for `tas`; allowed: convention,"
    ):
        TasOptions.from_mapping({"conventon": "fact"})


def test_tas_different_numbers_never_share_a_signature() -> None:
    import itertools

    rng = np.random.default_rng(3)
    refs = [np.repeat(rng.integers(0, 4, 12), rng.integers(1, 9, 12)) for _ in range(5)]
    preds = [np.roll(r, 3) for r in refs]
    preds[1][:] = 0  # a video predicted as background only
    grid = {
        "convention": ("mstcn", "fact", "ltcontext", "asquery", "diffact"),
        "aggregate": (None, "per_video"),
        "overlaps": ((0.1, 0.25, 0.5), (0.5,)),
        "bootstrap": (0, 20),
    }
    seen: dict[str, dict] = {}
    for values in itertools.product(*grid.values()):
        kwargs = dict(zip(grid, values))
        out = tas_scores(preds, refs, **kwargs)
        numbers = {k: v for k, v in out.items() if k not in ("signature", "per_video")}
        sig = out["signature"]
        if sig in seen:
            assert seen[sig] == numbers, f"two different results share the signature {sig}"
        seen[sig] = numbers
    assert len(seen) > 20
