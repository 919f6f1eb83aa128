"""AF-L ED@z / AUED: hand-computed cases, policies, error table, plain reference, real-release sequences."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import editdistance
import numpy as np
import pytest

from proceval.benchmarks.impact.formats.bundles import read_bundle
from proceval.benchmarks.impact.formats.frame_labels import read_frame_label_names
from proceval.benchmarks.impact.formats.labelmaps import read_label_map
from proceval.errors import InputValidationError
from proceval.scores.af_l import AfLOptions, af_l_scores


def _kz(preds: np.ndarray) -> np.ndarray:
    """[N, Z, K] (Ego4D's tensor layout, as the reference below reads it) -> [N, K, Z] (the input layout)."""
    return np.swapaxes(np.asarray(preds), 1, 2)


def _reference_ego4d_edit_distance(preds: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Plain Ego4D LTA definition over preds [N, Z, K]: loops, editdistance.eval, trapezoid by hand."""
    n, z_max, k_max = preds.shape
    ed = []
    for z in range(1, z_max + 1):
        total = 0.0
        for i in range(n):
            best = min(editdistance.eval(list(preds[i, :z, k]), list(labels[i, :z])) for k in range(k_max))
            total += best / z
        ed.append(total / n)
    out = {f"ed_at_{z}": ed[z - 1] for z in range(1, z_max + 1)}
    if z_max > 1:
        area = sum((ed[j] + ed[j + 1]) / 2 for j in range(z_max - 1))
        out["aued"] = area / (z_max - 1)
    return out


def test_hand_computed_z5_k2():
    # instance 0: candidate 1 equals the truth -> 0 at every z
    # instance 1: truth [1,2,3,4,5]; candidates [1,9,3,4,5] (1 subst) and [2,3,4,5,6] (shifted)
    preds = np.array(
        [
            [[7, 1], [7, 2], [7, 3], [7, 4], [7, 5]],
            [[1, 2], [9, 3], [3, 4], [4, 5], [5, 6]],
        ]
    )
    labels = np.array([[1, 2, 3, 4, 5], [1, 2, 3, 4, 5]])
    out = af_l_scores(_kz(preds), labels, num_classes=10)
    assert af_l_scores(preds, labels, num_classes=10, layout="zk")["ed_at_5"] == out["ed_at_5"]
    # instance 1: z=1: cand0 [1] vs [1] = 0; z=2: [1,9] vs [1,2] = 1, [2,3] vs [1,2] = 2 -> 1/2
    # z=3: 1/3; z=4: 1/4; z=5: cand0 1, cand1 [2,3,4,5,6] vs [1,2,3,4,5] = 2 -> 1/5
    per = [0.0, 0.5, 1 / 3, 0.25, 0.2]
    for z, v in enumerate(per, start=1):
        assert out[f"ed_at_{z}"] == pytest.approx(v / 2)
    aued = (0.5 * per[0] + per[1] + per[2] + per[3] + 0.5 * per[4]) / 4 / 2
    assert out["aued"] == pytest.approx(aued)
    assert out["ed_at_horizon"] == out["ed_at_5"]
    assert out["num_instances"] == 2
    assert out["signature"].startswith("af_l|z1:nan|lay:kz|z:5|k:2|lev:plain|v:")


def test_perfect_and_worst():
    labels = np.array([[1, 2, 3], [4, 5, 6]])
    perfect = np.repeat(labels[:, None, :], 3, axis=1)
    out = af_l_scores(perfect, labels)
    assert out["aued"] == 0.0 and out["ed_at_3"] == 0.0
    worst = np.full((2, 3, 3), 99)
    out = af_l_scores(worst, labels, num_classes=100)
    assert out["aued"] == 1.0 and all(out[f"ed_at_{z}"] == 1.0 for z in (1, 2, 3))


def test_plain_levenshtein_not_damerau():
    # a transposition costs 2 under plain Levenshtein (1 under Damerau / OSA)
    out = af_l_scores([[[2, 1]]], [[1, 2]])
    assert out["ed_at_2"] == 1.0


def test_label_names_and_mapping_inputs():
    vocab = ["NULL", "A", "B", "C"]
    preds = {"x": [["A", "B"], ["C", "C"]], "y": [["C", "C"], ["A", "B"]]}
    refs = {"y": ["A", "B"], "x": ["A", "B"]}
    out = af_l_scores(preds, refs, label_names=vocab)
    # x: candidate 0 = [A,B] exact; y: candidates [C,C] and [A,B] -> exact
    assert out["ed_at_2"] == 0.0
    ids = af_l_scores([[[1, 2]]], [[1, 2]], ids=["only"])
    assert ids["ed_at_1"] == 0.0


def test_z1_policy():
    out = af_l_scores([[[1], [2]]], [[2]])
    assert out["ed_at_1"] == 0.0 and math.isnan(out["aued"])
    with pytest.raises(InputValidationError, match="AUED needs Z >= 2"):
        af_l_scores([[[1], [2]]], [[2]], single_step_aued="error")


@pytest.mark.parametrize(
    ("preds", "refs", "kwargs", "match"),
    [
        ([], [], {}, "at least one forecasting instance"),
        ([[[1, 2]]], [[1, 2], [1, 2]], {}, "as many predictions as references"),
        ([[1, 2]], [[1, 2]], {}, r"shape \[K\]\[Z\]"),
        ([[[1, 2]]], [[1, 2, 3]], {}, "as many steps as its reference"),
        ([[[1, 2]], [[1, 2], [2, 2]], [[1, 2], [2, 2]]], [[1, 2]] * 3, {}, "K = 2 for most.*0 has 1"),
        ([[["A", "Q"]]], [["A", "A"]], {"label_names": ["A"]}, "Unknown label 'Q' at candidate 0, step 1"),
        ([[["A", "A"]]], [["A", "A"]], {}, "no `label_names`"),
        ({"a": [[1]]}, {"b": [1]}, {}, "missing"),
        ([[[1]]], [[1]], {"single_step_aued": "zero"}, "single_step_aued"),
        ([[[1]], [[1]]], [[1], [1]], {"ids": ["a", "a"]}, "unique ids"),
        ([[[1]]], [[1]], {"bootstrap": -1}, "bootstrap"),
    ],
)
def test_errors(preds, refs, kwargs, match):
    with pytest.raises(InputValidationError, match=match):
        af_l_scores(preds, refs, **kwargs)


@pytest.mark.parametrize("shape", [(7, 5, 5), (20, 3, 1), (4, 8, 3)])
def test_matches_reference_on_random(shape):
    rng = np.random.default_rng(sum(shape))
    n, z, k = shape
    preds = rng.integers(0, 4, size=(n, z, k))
    labels = rng.integers(0, 4, size=(n, z))
    out = af_l_scores(_kz(preds), labels, num_classes=4)
    ref = _reference_ego4d_edit_distance(preds, labels)
    for key, val in ref.items():
        assert out[key] == pytest.approx(val, abs=1e-12), key


def test_bootstrap_and_paired():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 5, size=(40, 5))
    good = np.repeat(labels[:, :, None], 5, axis=2).copy()
    good[::4, 2:, 0] = 9
    bad = rng.integers(0, 5, size=(40, 5, 5))
    good, bad = _kz(good), _kz(bad)
    out = af_l_scores(good, labels, num_classes=10, bootstrap=200, seed=1, paired_predictions=bad)
    low, high = out["ci"]["aued"]
    assert low <= out["aued"] <= high
    assert out["paired"]["aued"]["delta"] < 0 and out["paired"]["aued"]["ci_high"] < 0
    assert "bs:200" in out["signature"] and "rs:1" in out["signature"]
    again = af_l_scores(good, labels, num_classes=10, bootstrap=200, seed=1)
    assert again["ci"] == out["ci"]


# ----------------------------------------------------------------------- real release (CAS step labels)


def _step_windows(dataset_dir: Path, m_obs: int = 2, z: int = 5, max_videos: int = 12) -> np.ndarray:
    """Observed/future windows from S1 test exo CAS frame labels, NULL runs dropped: rows [M + Z]."""
    tas = dataset_dir / "TAS"
    names = read_label_map(tas / "mapping_CAS.txt")
    to_id = {n: i for i, n in enumerate(names)}
    vids = [v for v in read_bundle(tas / "splits_CAS" / "test.split1.bundle") if "_ego_" not in v][
        :max_videos
    ]
    rows = []
    for vid in vids:
        frames = read_frame_label_names(tas / "groundTruth_CAS" / f"{vid}.txt")
        steps = []
        for name in frames:
            if not steps or steps[-1] != name:
                steps.append(name)
        steps = [to_id[s] for s in steps if s != names[0]]  # drop NULL runs
        dedup = [s for i, s in enumerate(steps) if i == 0 or steps[i - 1] != s]  # merge across removed NULL
        for start in range(len(dedup) - m_obs - z + 1):
            rows.append(dedup[start : start + m_obs + z])
    return np.asarray(rows, dtype=np.int64)


def test_real_cas_sequences(impact_dataset_dir):
    windows = _step_windows(impact_dataset_dir)
    assert windows.shape[0] > 20 and windows.shape[1] == 7
    future = windows[:, 2:]
    oracle = np.repeat(future[:, :, None], 5, axis=2)
    out = af_l_scores(_kz(oracle), future)
    assert out["aued"] == 0.0 and out["ed_at_5"] == 0.0
    # "repeat the last observed step, then the true future shifted by one": a one-step lag
    shifted = np.concatenate([windows[:, 1:2], future[:, :-1]], axis=1)
    rng = np.random.default_rng(0)
    cand = np.stack([shifted] + [rng.integers(0, 26, size=future.shape) for _ in range(4)], axis=2)
    out = af_l_scores(_kz(cand), future, num_classes=26)
    ref = _reference_ego4d_edit_distance(cand, future)
    for key, val in ref.items():
        assert out[key] == pytest.approx(val, abs=1e-12)
    assert 0.0 < out["aued"] < 1.0


def test_large_token_ids_use_the_fallback_consistently():
    rng = np.random.default_rng(9)
    preds = rng.integers(0, 4, size=(15, 4, 3))
    labels = rng.integers(0, 4, size=(15, 4))
    base = af_l_scores(_kz(preds), labels, num_classes=4)
    # an injective relabelling spanning more ids than fit in code points (a large vocabulary) keeps distances
    out = af_l_scores(_kz(preds * 1_000_003), labels * 1_000_003, num_classes=4 * 1_000_003)
    for z in range(1, 5):
        assert out[f"ed_at_{z}"] == pytest.approx(base[f"ed_at_{z}"], abs=1e-12)
    ref = _reference_ego4d_edit_distance(preds * 1_000_003, labels * 1_000_003)
    assert base["aued"] == pytest.approx(ref["aued"], abs=1e-12)
    # negative ids are outside every vocabulary (they were scored as tokens before)
    with pytest.raises(InputValidationError, match=r"step ids in \[0, inf\) in the reference of 0"):
        af_l_scores(_kz(preds - 7), labels - 7)


# --------------------------------------------------------------------------------------------------
# Options: one frozen dataclass, validated on construction, every field signed


def test_invalid_option_names_the_argument():
    with pytest.raises(InputValidationError, match="`single_step_aued`"):
        AfLOptions(single_step_aued="zero")


def test_unknown_option_lists_the_allowed_keys():
    with pytest.raises(InputValidationError, match=r"'bogus'.*allowed: single_step_aued"):
        AfLOptions.from_mapping({"bogus": 1})
    assert AfLOptions.from_mapping({"single_step_aued": "error"}) == AfLOptions("error")


def test_signature_grid_is_distinct():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, size=(6, 3))
    preds = rng.integers(0, 4, size=(6, 3, 2))
    grid = [
        (preds, labels, {}),
        (preds, labels, {"single_step_aued": "error"}),
        (preds[:, :2], labels[:, :2], {}),  # Z
        (preds[:, :, :1], labels, {}),  # K
        (preds, labels, {"bootstrap": 5}),
        (preds, labels, {"bootstrap": 5, "seed": 1}),
        (preds, labels, {"bootstrap": 5, "confidence": 0.9}),  # was not signed before
    ]
    sigs = [af_l_scores(p, r, layout="zk", num_classes=4, **kw)["signature"] for p, r, kw in grid]
    sigs.append(af_l_scores(_kz(preds), labels, num_classes=4)["signature"])  # layout
    assert len(set(sigs)) == len(grid) + 1
    assert "z1:nan" in af_l_scores(_kz(preds[:, :1]), labels[:, :1], num_classes=4)["signature"]


def test_options_are_frozen():
    opts = AfLOptions()
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.single_step_aued = "error"  # type: ignore[misc]
    assert dataclasses.replace(opts, single_step_aued="error") == AfLOptions("error")
