"""CV-SMR: AP / Recall@k on hand-made score vectors, the gallery rule (other trial AND other view), the
skipping policy, a plain reference implementation, and the real S1 release with oracle embeddings."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from proceval.benchmarks.impact.cv_protocols import build_cv_smr_protocol
from proceval.benchmarks.impact.cv_scoring import cv_smr_inputs, cv_smr_protocol_scores
from proceval.benchmarks.impact.cv_segments import load_cv_annotations, split_trials
from proceval.errors import InputValidationError
from proceval.scores.cv_smr import cv_smr_scores

T1, T2, T3 = "20250101_0001", "20250101_0002", "20250101_0003"


def _vid(trial: str, view: str) -> str:
    return f"{trial}_color_ego_sync_clipped" if view == "ego" else f"{trial}_color_{view}_clipped"


def _video(trial: str, view: str, labels: list[str]) -> dict:
    return {
        "video_id": _vid(trial, view),
        "segments": [{"label": lab, "f_start": 10 * i, "f_end": 10 * i + 9} for i, lab in enumerate(labels)],
    }


TINY = [
    _video(T1, "front", ["a", "null", "b"]),
    _video(T1, "left", ["a", "b"]),
    _video(T1, "ego", ["a", "c"]),
    _video(T2, "front", ["a", "c"]),
    _video(T2, "left", ["b", "a"]),
    _video(T2, "ego", ["a"]),
]


def uid(trial: str, view: str, index: int) -> str:
    return f"{_vid(trial, view)}:{index}"


# ------------------------------------------------------------------------------------------ score


def test_hand_computed_ap_and_recall() -> None:
    r = cv_smr_scores([[0.9, 0.5, 0.1], [0.3, 0.7]], [[0, 1, 1], [1, 0]])
    # query 1: hits [0, 1, 1] -> AP = (1/2 + 2/3) / 2; query 2: hits [0, 1] -> AP = 1/2
    assert r["overall_map"] == pytest.approx(((1 / 2 + 2 / 3) / 2 + 1 / 2) / 2)
    assert r["overall_recall_at_1"] == 0.0 and r["overall_recall_at_5"] == 1.0
    assert r["num_evaluated_queries"] == 2


def test_ties_keep_gallery_order() -> None:
    assert cv_smr_scores([[0.5, 0.5]], [[0, 1]])["overall_map"] == 0.5
    assert cv_smr_scores([[0.5, 0.5]], [[1, 0]])["overall_map"] == 1.0


def test_recall_at_5_cutoff_and_custom_ks() -> None:
    scores = [np.linspace(1, 0, 8)]
    assert cv_smr_scores(scores, [[0, 0, 0, 0, 0, 1, 0, 0]])["overall_recall_at_5"] == 0.0
    r = cv_smr_scores(scores, [[0, 0, 0, 0, 0, 1, 0, 0]], ks=[6])
    assert r["overall_recall_at_6"] == 1.0 and r["overall_map"] == pytest.approx(1 / 6)


def test_skipping_policy_and_per_view() -> None:
    r = cv_smr_scores(
        [[], [0.1, 0.2], [0.4, 0.3]], [[], [0, 0], [1, 0]], query_views=["ego", "front", "front"]
    )
    assert (r["num_skipped_empty_gallery"], r["num_skipped_no_positive"], r["num_evaluated_queries"]) == (
        1,
        1,
        1,
    )
    assert r["overall_map"] == 1.0
    assert r["per_query_view_num_evaluated_queries"] == {"ego": 0, "front": 1}
    assert math.isnan(r["per_query_view_map"]["ego"])
    none = cv_smr_scores([[]], [[]])
    assert math.isnan(none["overall_map"]) and "per_query_view_map" not in none


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (([[0.1, float("nan")]], [[0, 1]]), {}, "finite"),
        (([[0.1, 0.2]], [[0, 1, 1]]), {}, "length 2"),
        (([[0.1, 0.2]], [[0, 2]]), {}, "0/1"),
        (([[0.1, 0.2]], None), {}, "references"),
        (([[[0.1]]], [[1]]), {}, "1-D"),
        (([[0.1]], [[1]]), {"ks": []}, "`ks`"),
        (({"q": [0.1]}, {"r": [1]}), {}, "query ids have none"),
        (([[0.1], [0.2]], [[1]]), {}, "one entry per prediction"),
    ],
)
def test_errors(args: tuple, kwargs: dict, match: str) -> None:
    with pytest.raises(InputValidationError, match=match):
        cv_smr_scores(*args, **kwargs)


def _reference_cv_smr(scores, relevance, ks=(1, 5)):
    """Plain loops: stable descending sort, AP = mean of precision at each hit, any-hit recall."""
    aps, rec = [], {k: [] for k in ks}
    for s, rel in zip(scores, relevance, strict=False):
        if len(s) == 0 or sum(rel) == 0:
            continue
        order = sorted(range(len(s)), key=lambda i: -s[i])  # Python's sort is stable
        hits = [rel[i] for i in order]
        found, precisions = 0, []
        for rank, h in enumerate(hits, start=1):
            if h:
                found += 1
                precisions.append(found / rank)
        aps.append(sum(precisions) / sum(hits))
        for k in ks:
            rec[k].append(any(hits[:k]))
    out = {f"overall_recall_at_{k}": sum(v) / len(v) for k, v in rec.items()}
    out["overall_map"] = sum(aps) / len(aps)
    return out


@pytest.mark.parametrize(("seed", "decimals"), [(0, 1), (1, 1), (2, None)])
def test_against_reference_on_random_inputs(seed: int, decimals: int | None) -> None:
    rng = np.random.default_rng(seed)
    scores = [rng.random(rng.integers(0, 60)) for _ in range(200)]
    if decimals is not None:  # rounding makes ties (stable-sort path); without it, the binary-search path
        scores = [np.round(s, decimals) for s in scores]
    relevance = [(rng.random(s.size) < 0.2).astype(int) for s in scores]
    got = cv_smr_scores(scores, relevance)
    for key, value in _reference_cv_smr(scores, relevance).items():
        assert got[key] == pytest.approx(value), key


def test_bootstrap_and_paired() -> None:
    rng = np.random.default_rng(0)
    scores = [rng.random(20) for _ in range(50)]
    relevance = [(rng.random(20) < 0.3).astype(int) for _ in range(50)]
    r = cv_smr_scores(scores, relevance, bootstrap=100, seed=1)
    lo, hi = r["ci"]["overall_map"]
    assert lo <= r["overall_map"] <= hi and "bs:100" in r["signature"]
    oracle = [rel.astype(float) for rel in relevance]
    paired = cv_smr_scores(oracle, relevance, paired_predictions=scores, bootstrap=100)["paired"][
        "overall_map"
    ]
    assert paired["a"] == 1.0 and paired["delta"] > 0


# ------------------------------------------------------------------------------------------ protocol


def test_gallery_rule_other_trial_and_other_view() -> None:
    p = build_cv_smr_protocol(TINY)
    assert len(p.queries) == 11 and len(p.gallery) == 11  # the null segment is dropped
    q = next(s for s in p.queries if s.uid == uid(T1, "front", 0))
    gallery = [g.uid for g, keep in zip(p.gallery, p.gallery_mask(q), strict=False) if keep]
    # official order: ego first, then front, left, ...; only T2 and only views other than front
    assert gallery == [uid(T2, "ego", 0), uid(T2, "left", 0), uid(T2, "left", 1)]
    inputs = cv_smr_inputs({s.uid: np.ones(2) for s in p.gallery}, p)
    i = inputs["ids"].index(uid(T1, "front", 0))
    assert inputs["references"][i].tolist() == [1, 0, 1]


def test_empty_gallery_and_no_positive_queries_are_counted() -> None:
    rng = np.random.default_rng(0)
    p = build_cv_smr_protocol(TINY)
    emb = {s.uid: rng.standard_normal(4) for s in p.gallery}
    r = cv_smr_protocol_scores(emb, p)
    # only T1 left 'b' lacks a partner: the other 'b' segments are T1 (same trial) or T2 left (same view)
    assert r["num_candidate_queries"] == 11
    assert r["num_skipped_no_positive"] == 1 and r["num_evaluated_queries"] == 10
    one_trial = build_cv_smr_protocol(TINY, trials=[T1])
    r1 = cv_smr_protocol_scores(emb, one_trial)
    assert r1["num_skipped_empty_gallery"] == r1["num_candidate_queries"] == 6
    assert math.isnan(r1["overall_map"])


@pytest.mark.parametrize("seed", [0, 1])
def test_evaluate_equals_score_on_inputs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = build_cv_smr_protocol(TINY)
    emb = {s.uid: rng.standard_normal(3) for s in p.gallery}
    a = cv_smr_protocol_scores(emb, p)
    b = cv_smr_scores(**cv_smr_inputs(emb, p))
    for key in ("overall_map", "overall_recall_at_1", "overall_recall_at_5", "per_query_view_map"):
        assert a[key] == pytest.approx(b[key])


# ------------------------------------------------------------------------------------------ real release


@pytest.mark.impact_release
def test_real_s1_front_queries_oracle_and_random(impact_dataset_dir: Path) -> None:
    videos = load_cv_annotations(impact_dataset_dir / "CV" / "annotations_CAS")
    trials = split_trials(impact_dataset_dir / "CV" / "splits_CAS", "test", 1)
    p = build_cv_smr_protocol(videos, trials=trials, query_views=("front",))
    assert (len(p.queries), len(p.gallery)) == (1352, 6652)
    labels = sorted({g.label for g in p.gallery})
    rng = np.random.default_rng(0)
    oracle = {}
    for g in p.gallery:
        v = np.zeros(len(labels))
        v[labels.index(g.label)] = 1.0
        oracle[g.uid] = v + 0.01 * rng.standard_normal(v.size)
    r = cv_smr_protocol_scores(oracle, p)
    assert r["overall_map"] == pytest.approx(1.0) and r["overall_recall_at_1"] == 1.0
    assert r["num_evaluated_queries"] + r["num_skipped_no_positive"] == 1352
    # random embeddings: equal to a straightforward per-query computation
    emb = {g.uid: rng.standard_normal(8) for g in p.gallery}
    unit = {k: v / np.linalg.norm(v) for k, v in emb.items()}
    g_mat = np.stack([unit[g.uid] for g in p.gallery])
    g_label = np.asarray([g.label for g in p.gallery])
    scores, relevance = [], []
    for q in p.queries[:200]:
        keep = np.asarray([g.trial_id != q.trial_id and g.view != q.view for g in p.gallery])
        scores.append((g_mat @ unit[q.uid])[keep].tolist())
        relevance.append((g_label[keep] == q.label).astype(int).tolist())
    want = _reference_cv_smr(scores, relevance)
    sub = cv_smr_protocol_scores(emb, type(p)(p.queries[:200], p.gallery))
    for key, value in want.items():
        assert sub[key] == pytest.approx(value), key
    assert 0.0 < sub["overall_map"] < 0.2


# ------------------------------------------------------------------ fast per-query checks (same numbers)


@pytest.mark.parametrize("dtype", [bool, np.int8, np.uint8, int, float])
def test_relevance_dtypes_give_equal_numbers(dtype) -> None:
    rng = np.random.default_rng(5)
    scores = [rng.random(rng.integers(1, 80)) for _ in range(120)]
    relevance = [(rng.random(s.size) < 0.3) for s in scores]
    want = _reference_cv_smr(scores, [r.astype(int).tolist() for r in relevance])
    got = cv_smr_scores(scores, [r.astype(dtype) for r in relevance])
    for key, value in want.items():
        assert got[key] == pytest.approx(value), key
    as_lists = cv_smr_scores([s.tolist() for s in scores], [r.astype(int).tolist() for r in relevance])
    assert as_lists["overall_map"] == got["overall_map"]


def test_map_equals_the_precision_at_each_relevant_rank() -> None:
    """The no-tie path (binary searches, no argsort) against ranks counted one by one."""
    rng = np.random.default_rng(11)
    for _ in range(50):
        s = rng.standard_normal(int(rng.integers(2, 500)))
        rel = rng.random(s.size) < rng.random()
        rel[0] = True
        ranks = np.array([1 + np.sum(s > x) for x in s[rel]])
        among = np.array([1 + np.sum(s[rel] > x) for x in s[rel]])
        assert cv_smr_scores([s], [rel])["overall_map"] == pytest.approx(
            float(np.mean(among / ranks)), rel=1e-14
        )


@pytest.mark.parametrize(
    ("scores", "relevance", "ap", "best"),
    [
        # a relevant item tied with an irrelevant one: gallery order decides (stable sort)
        ([0.5, 0.5, 0.1], [0, 1, 0], 1 / 2, 2),
        ([0.5, 0.5, 0.1], [1, 0, 0], 1.0, 1),
        # two relevant items tied with each other
        ([0.2, 0.9, 0.9], [0, 1, 1], 1.0, 1),
        # every score equal; the last item is relevant
        ([0.3, 0.3, 0.3], [0, 0, 1], 1 / 3, 3),
        # ties among irrelevant items only: the fast path
        ([0.4, 0.4, 0.9, 0.1], [0, 0, 0, 1], 1 / 4, 4),
        # a one-item gallery
        ([0.7], [1], 1.0, 1),
    ],
)
def test_ties_follow_the_stable_gallery_order(scores, relevance, ap, best) -> None:
    r = cv_smr_scores([np.asarray(scores)], [np.asarray(relevance, np.int8)], ks=[1, 2, 3, 4])
    assert r["overall_map"] == pytest.approx(ap)
    assert [r[f"overall_recall_at_{k}"] for k in (1, 2, 3, 4)] == [float(best <= k) for k in (1, 2, 3, 4)]


@pytest.mark.parametrize(
    ("bad_pred", "bad_ref", "match"),
    [
        (
            np.array([0.1, np.nan, 0.2]),
            np.array([0, 1, 0], np.int8),
            r"finite values in `predictions` for query 'q33'",
        ),
        (
            np.array([0.1, 0.2, 0.3]),
            np.array([0, -1, 1], np.int8),
            r"`references` for query 'q33' to hold only 0/1",
        ),
        (
            np.array([0.1, 0.2, 0.3]),
            np.array([0, 2, 1], np.uint8),
            r"`references` for query 'q33' to hold only 0/1",
        ),
        (
            np.array([0.1, 0.2, 0.3]),
            np.array([0, 1], np.int8),
            r"`references` for query 'q33' to be a 1-D 0/1 vector",
        ),
        (
            np.array([[0.1, 0.2]]),
            np.array([0, 1], np.int8),
            r"`predictions` for query 'q33' to be a 1-D array",
        ),
    ],
)
def test_fast_checks_fall_back_to_errors_naming_the_query(bad_pred, bad_ref, match: str) -> None:
    rng = np.random.default_rng(0)
    scores = [rng.random(30) for _ in range(60)]
    relevance = [(rng.random(30) < 0.3).astype(np.int8) for _ in range(60)]
    scores[33], relevance[33] = bad_pred, bad_ref
    with pytest.raises(InputValidationError, match=match):
        cv_smr_scores(scores, relevance, ids=[f"q{i}" for i in range(60)])


# ------------------------------------------------------------------ options: validated, listed, signed


@pytest.mark.parametrize("ks", [[0], [], "5", [1.5], [True]])
def test_invalid_ks_names_the_argument(ks) -> None:
    from proceval.scores.cv_smr import CvSmrOptions

    with pytest.raises(
        InputValidationError, match=r"Expected argument `ks` to be positive integers, but got"
    ):
        CvSmrOptions(ks=ks)
    with pytest.raises(InputValidationError, match="`ks`"):
        cv_smr_scores([[0.1]], [[1]], ks=ks)


def test_options_from_mapping_lists_the_allowed_keys() -> None:
    from proceval.scores.cv_smr import CvSmrOptions

    with pytest.raises(
        InputValidationError, match=r"Unknown option 'bogus' for `cv_smr`; allowed: ks, precision\."
    ):
        CvSmrOptions.from_mapping({"bogus": 1})


def test_options_that_change_the_number_change_the_signature() -> None:
    scores, relevance = [[0.9, 0.5, 0.1], [0.3, 0.7]], [[0, 1, 1], [1, 0]]
    signatures = {
        cv_smr_scores(scores, relevance, ks=ks, bootstrap=b, confidence=c, seed=s)["signature"]
        for ks in ((1, 5), (1, 2))
        for b, c, s in ((0, 0.95, 0), (10, 0.95, 0), (10, 0.9, 0), (10, 0.95, 1))
    }
    assert len(signatures) == 2 * 4
    p = build_cv_smr_protocol(TINY)
    emb = {s.uid: np.asarray([1.0, float(i)]) for i, s in enumerate(p.gallery)}
    full = cv_smr_protocol_scores(emb, p)["signature"]
    front = cv_smr_protocol_scores(emb, build_cv_smr_protocol(TINY, query_views=("front",)))["signature"]
    assert "qviews" not in full and "|qviews:front|" in front
