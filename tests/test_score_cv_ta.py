"""CV-TA: the score (ranks, recalls, median of medians, coverage) and the protocol builder (queries,
positives, invisibles, LCS alignment, gallery rule) on hand-made annotations and on the real release."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from proceval.benchmarks.impact.cv_protocols import build_cv_ta_protocol, lcs_align
from proceval.benchmarks.impact.cv_scoring import cv_ta_inputs, cv_ta_protocol_scores
from proceval.benchmarks.impact.cv_segments import (
    cv_segments,
    load_cv_annotations,
    segment_embedding,
    split_trials,
)
from proceval.errors import InputValidationError, ReleaseFormatError
from proceval.scores.cv_ta import cv_ta_scores

T1, T2 = "20250101_0001", "20250101_0002"


def _vid(trial: str, view: str) -> str:
    return f"{trial}_color_ego_sync_clipped" if view == "ego" else f"{trial}_color_{view}_clipped"


def _video(trial: str, view: str, segs: list[tuple[str, int, int]]) -> dict:
    return {
        "video_id": _vid(trial, view),
        "segments": [{"label": lab, "f_start": s, "f_end": e} for lab, s, e in segs],
    }


# 3 views (front, left, ego) x 2 trials; frames inclusive.
TINY = [
    _video(T1, "front", [("a", 0, 9), ("null", 10, 19), ("b", 20, 29), ("c", 30, 39)]),
    _video(T1, "left", [("a", 0, 9), ("b", 10, 24), ("null", 25, 36), ("c", 37, 39)]),
    _video(T1, "ego", [("a", 0, 7), ("c", 8, 15), ("null", 16, 20), ("b", 21, 30)]),
    _video(T2, "front", [("d", 0, 9), ("a", 10, 19)]),
    _video(T2, "left", [("e", 0, 9), ("a", 10, 19)]),
    _video(T2, "ego", [("a", 0, 5), ("d", 6, 10)]),
]


def uid(trial: str, view: str, index: int) -> str:
    return f"{_vid(trial, view)}:{index}"


def _by_query(protocol) -> dict[str, tuple[str, str | None, tuple[str, ...]]]:
    return {q.query_uid: (q.status, q.positive_uid, q.gallery) for q in protocol.queries}


# ------------------------------------------------------------------------------------------ protocol


def test_sync_positives_invisible_and_missing() -> None:
    p = build_cv_ta_protocol(TINY, "local", source_views=("front",), target_views=("left",))
    assert p.pairs == ("front->left",)
    q = _by_query(p)
    assert set(q) == {
        uid(T1, "front", 0),
        uid(T1, "front", 2),
        uid(T1, "front", 3),
        uid(T2, "front", 0),
        uid(T2, "front", 1),
    }  # null segments are never queries
    # midpoint 4.5 is covered by left 'a' [0, 9]: positive
    assert q[uid(T1, "front", 0)][:2] == ("evaluated", uid(T1, "left", 0))
    # midpoint 24.5 is covered by nothing: the same-label segment with the largest overlap (left 'b')
    assert q[uid(T1, "front", 2)][:2] == ("evaluated", uid(T1, "left", 1))
    # midpoint 34.5 falls in the null span [25, 36]: invisible
    assert q[uid(T1, "front", 3)][:2] == ("invisible", None)
    # covering 'e' differs and no 'd' in the target: no positive (missing)
    assert q[uid(T2, "front", 0)][:2] == ("no_positive", None)
    assert q[uid(T2, "front", 1)][:2] == ("evaluated", uid(T2, "left", 1))
    assert p.counts()["front->left"] == {
        "candidates": 5,
        "evaluated": 3,
        "invisible": 1,
        "no_positive": 1,
        "empty_gallery": 0,
    }


def test_reverse_pair_and_default_exo_pairs() -> None:
    p = build_cv_ta_protocol(TINY, "local", source_views=("left",), target_views=("front",))
    q = _by_query(p)
    assert q[uid(T1, "left", 0)][:2] == ("evaluated", uid(T1, "front", 0))
    assert q[uid(T1, "left", 1)][:2] == ("invisible", None)  # midpoint 17 inside front null [10, 19]
    assert q[uid(T1, "left", 3)][:2] == ("evaluated", uid(T1, "front", 3))
    assert q[uid(T2, "left", 0)][:2] == ("no_positive", None)
    full = build_cv_ta_protocol(TINY, "global")
    assert len(full.pairs) == 12 and "front->front" not in full.pairs
    assert set(build_cv_ta_protocol(TINY, "exo2ego").pairs) == {
        "front->ego",
        "left->ego",
        "right->ego",
        "top->ego",
    }


def test_lcs_alignment_and_exo2ego_invisible() -> None:
    assert lcs_align(["a", "b", "c"], ["a", "c", "b"]) == [(0, 0), (2, 1)]
    assert lcs_align(["d", "a"], ["a", "d"]) == [(1, 0)]
    assert lcs_align([], ["a"]) == []
    p = build_cv_ta_protocol(TINY, "exo2ego", source_views=("front", "left"))
    q = _by_query(p)
    assert q[uid(T1, "front", 0)][:2] == ("evaluated", uid(T1, "ego", 0))
    assert q[uid(T1, "front", 3)][:2] == ("evaluated", uid(T1, "ego", 1))
    assert q[uid(T1, "front", 2)][:2] == ("invisible", None)  # 'b' is unaligned
    assert q[uid(T2, "front", 1)][:2] == ("evaluated", uid(T2, "ego", 0))
    assert q[uid(T2, "front", 0)][:2] == ("invisible", None)
    assert q[uid(T2, "left", 1)][:2] == ("evaluated", uid(T2, "ego", 0))
    assert q[uid(T2, "left", 0)][:2] == ("invisible", None)
    # same-trial gallery: the non-null ego segments of the query's trial
    assert q[uid(T1, "front", 0)][2] == (uid(T1, "ego", 0), uid(T1, "ego", 1), uid(T1, "ego", 3))
    # a pair involving ego under `local` counts unaligned queries as "no_positive", not invisible
    loc = build_cv_ta_protocol(TINY, "local", source_views=("front",), target_views=("ego",))
    assert _by_query(loc)[uid(T1, "front", 2)][:2] == ("no_positive", None)


def test_gallery_rule_local_global_and_trial_filter() -> None:
    loc = _by_query(build_cv_ta_protocol(TINY, "local", source_views=("front",), target_views=("left",)))
    glo = _by_query(build_cv_ta_protocol(TINY, "global", source_views=("front",), target_views=("left",)))
    t1_left = (uid(T1, "left", 0), uid(T1, "left", 1), uid(T1, "left", 3))
    t2_left = (uid(T2, "left", 0), uid(T2, "left", 1))
    assert loc[uid(T1, "front", 0)][2] == t1_left
    assert loc[uid(T2, "front", 1)][2] == t2_left
    assert glo[uid(T1, "front", 0)][2] == t1_left + t2_left
    only_t1 = build_cv_ta_protocol(
        TINY, "global", trials=[T1], source_views=("front",), target_views=("left",)
    )
    assert {q.query_uid.split(":")[0][:13] for q in only_t1.queries} == {T1}
    assert _by_query(only_t1)[uid(T1, "front", 0)][2] == t1_left


def _angles(deg: dict[str, float]) -> dict[str, np.ndarray]:
    return {k: np.array([math.cos(math.radians(v)), math.sin(math.radians(v))]) for k, v in deg.items()}


EMB = _angles(
    {
        uid(T1, "left", 0): 0,
        uid(T1, "left", 1): 90,
        uid(T1, "left", 3): 45,
        uid(T2, "left", 0): 0,
        uid(T2, "left", 1): 180,
        uid(T1, "front", 0): 80,
        uid(T1, "front", 2): 90,
        uid(T2, "front", 1): 100,
    }
)


def test_evaluate_local_hand_computed() -> None:
    p = build_cv_ta_protocol(TINY, "local", source_views=("front",), target_views=("left",))
    r = cv_ta_protocol_scores(EMB, p)
    # ranks: T1 front0 -> 3 (left1 and left3 closer), T1 front2 -> 1, T2 front1 -> 1
    assert r["overall_recall_at_1"] == pytest.approx(2 / 3)
    assert r["overall_recall_at_5"] == 1.0
    assert r["overall_median_rank"] == 1.0
    assert r["overall_coverage"] == pytest.approx(3 / 5)
    assert r["per_pair_num_candidate_queries"] == {"front->left": 5}
    assert r["signature"].startswith(
        "cv_ta|in:similarities|k:1,5|medr:median_of_pairs|protocol:local|pairs:front->left|ties:optimistic|v:"
    )
    # the same numbers through the score function on explicit similarity vectors
    s = cv_ta_scores(**cv_ta_inputs(EMB, p))
    for key in ("overall_recall_at_1", "overall_recall_at_5", "overall_median_rank", "overall_coverage"):
        assert s[key] == pytest.approx(r[key])


def test_evaluate_global_hand_computed_with_tie() -> None:
    p = build_cv_ta_protocol(TINY, "global", source_views=("front",), target_views=("left",))
    r = cv_ta_protocol_scores(EMB, p)
    # T1 front0 ties with T2 left0 (both at 80 degrees): optimistic -> rank 3; T2 front1 -> rank 3
    assert r["overall_recall_at_1"] == pytest.approx(1 / 3)
    assert r["overall_median_rank"] == 3.0


def test_embeddings_pooled_and_checked() -> None:
    p = build_cv_ta_protocol(TINY, "local", source_views=("front",), target_views=("left",))
    two_d = {k: np.stack([v * 2, v * 4]) for k, v in EMB.items()}  # [T, D]: mean-pooled, then normalised
    assert cv_ta_protocol_scores(two_d, p)["overall_recall_at_1"] == pytest.approx(2 / 3)
    missing = dict(EMB)
    del missing[uid(T1, "left", 3)]
    with pytest.raises(InputValidationError, match="embedding for segment"):
        cv_ta_protocol_scores(missing, p)
    zero = dict(EMB)
    zero[uid(T1, "left", 3)] = np.zeros(2)
    with pytest.raises(InputValidationError, match="non-zero"):
        cv_ta_protocol_scores(zero, p)
    assert segment_embedding(np.arange(8.0).reshape(4, 2), 2, 5, 8).tolist() == [3.0, 4.0]


@pytest.mark.parametrize(
    ("videos", "match"),
    [
        ([_video(T1, "front", [("a", 5, 4)])], "f_start <= f_end"),
        ([_video(T1, "front", [("a", 0, 4)]), _video(T1, "front", [("a", 0, 4)])], "unique video ids"),
        ([{"video_id": "bad", "segments": []}], "IMPACT video id"),
        ([{"video_id": _vid(T1, "front"), "view": "top", "segments": []}], "match its video id"),
        ([{"video_id": _vid(T1, "front"), "segments": [{"label": "a", "f_start": 0}]}], "f_end"),
        (
            [{"video_id": _vid(T1, "front"), "segments": [{"label": "a", "f_start": 0.5, "f_end": 3}]}],
            "integer",
        ),
    ],
)
def test_bad_annotations(videos: list[dict], match: str) -> None:
    with pytest.raises(InputValidationError, match=match):
        cv_segments(videos)


def test_bad_protocol_options() -> None:
    with pytest.raises(InputValidationError, match="protocol"):
        build_cv_ta_protocol(TINY, "cross")  # type: ignore[arg-type]
    with pytest.raises(InputValidationError, match="exo2ego"):
        build_cv_ta_protocol(TINY, "exo2ego", source_views=("ego",))


# ------------------------------------------------------------------------------------------ score


def test_ranks_are_optimistic_on_ties() -> None:
    r = cv_ta_scores([[0.5, 0.5, 0.5], [0.5, 0.7, 0.5]], [1, 2], ["a->b", "a->b"])
    assert r["per_pair_median_rank"] == {"a->b": 1.5}  # ranks 1 and 2
    assert r["overall_recall_at_1"] == 0.5


def test_median_of_medians_vs_pooled() -> None:
    ranks = [1, 1, 1, 10, 2, 4]
    pairs = ["A"] * 3 + ["B"] + ["C"] * 2
    official = cv_ta_scores(ranks, None, pairs, input_type="ranks")
    pooled = cv_ta_scores(ranks, None, pairs, input_type="ranks", median_rank_reduction="pooled")
    assert official["overall_median_rank"] == 3.0  # median(1, 10, 3)
    assert pooled["overall_median_rank"] == 1.5  # median of all six ranks
    assert official["per_pair_median_rank"] == {"A": 1.0, "B": 10.0, "C": 3.0}
    assert official["overall_recall_at_5"] == pytest.approx(5 / 6)
    assert official["signature"] != pooled["signature"]


def test_coverage_and_pair_without_evaluated_query() -> None:
    r = cv_ta_scores(
        [2, None, None], None, ["A", "A", "B"], evaluable=[True, False, False], input_type="ranks"
    )
    assert r["overall_coverage"] == pytest.approx(1 / 3)
    assert r["per_pair_coverage"] == {"A": 0.5, "B": 0.0}
    assert math.isnan(r["per_pair_median_rank"]["B"]) and r["overall_median_rank"] == 2.0
    none = cv_ta_scores([None], None, ["A"], evaluable=[False], input_type="ranks")
    assert math.isnan(none["overall_recall_at_1"]) and none["overall_coverage"] == 0.0
    empty = cv_ta_scores([], None, [])
    assert math.isnan(empty["overall_coverage"]) and empty["num_pairs"] == 0


def test_mapping_inputs_match_by_id() -> None:
    seq = cv_ta_scores([[0.1, 0.9], [0.8, 0.2]], [0, 0], ["A", "B"])
    mapped = cv_ta_scores({"q2": [0.8, 0.2], "q1": [0.1, 0.9]}, {"q1": 0, "q2": 0}, {"q1": "A", "q2": "B"})
    assert mapped["per_pair_median_rank"] == seq["per_pair_median_rank"] == {"A": 2.0, "B": 1.0}
    assert cv_ta_scores([[0.1, 0.9]], [0], [("front", "left")])["num_pairs"] == 1


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (([[0.1]], [0], None), {}, "`pairs`"),
        (([[0.1, float("nan")]], [0], ["A"]), {}, "finite"),
        (([[0.1, 0.2]], [2], ["A"]), {}, "gallery size"),
        (([[0.1, 0.2]], [-1], ["A"]), {}, ">= 0"),
        (([[0.1, 0.2]], [0.5], ["A"]), {}, "integer"),
        (([[]], [0], ["A"]), {}, "non-empty gallery"),
        (([0], None, ["A"]), {"input_type": "ranks"}, ">= 1"),
        (([None], None, ["A"]), {}, "evaluable=False"),
        (([[0.1]], [0], ["A"]), {"evaluable": ["yes"]}, "bool"),
        (([[0.1]], [0, 1], ["A"]), {}, "one entry per prediction"),
        (([[0.1]], [0], [""]), {}, "non-empty string"),
        (([[0.1]], [0], ["A"]), {"input_type": "scores"}, "input_type"),
        (([[0.1]], [0], ["A"]), {"ks": [0]}, "`ks`"),
        (([[0.1]], [0], ["A"]), {"median_rank_reduction": "mean"}, "median_rank_reduction"),
        (({"q": [0.1]}, {"p": 0}, {"q": "A"}), {}, "query ids have none"),
        (({"q": [0.1]}, [0], {"q": "A"}), {}, "mapping"),
        (([[0.1], [0.2]], [0, 0], ["A", "A"]), {"ids": ["x", "x"]}, "unique"),
    ],
)
def test_errors(args: tuple, kwargs: dict, match: str) -> None:
    with pytest.raises(InputValidationError, match=match):
        cv_ta_scores(*args, **kwargs)


def _reference_cv_ta(sims, positives, pairs, evaluable):
    """Plain loops: optimistic ranks, per-pair recall/median, pooled recall, median of medians."""
    by_pair: dict[str, list[int]] = defaultdict(list)
    cand: dict[str, int] = defaultdict(int)
    for s, p, pair, ok in zip(sims, positives, pairs, evaluable, strict=False):
        cand[pair] += 1
        if ok:
            by_pair[pair].append(1 + sum(1 for x in s if x > s[p]))
    all_ranks = [r for rs in by_pair.values() for r in rs]
    medians = [float(np.median(rs)) for rs in by_pair.values() if rs]
    return {
        "overall_recall_at_1": sum(r <= 1 for r in all_ranks) / len(all_ranks),
        "overall_recall_at_5": sum(r <= 5 for r in all_ranks) / len(all_ranks),
        "overall_median_rank": float(np.median(medians)),
        "overall_coverage": len(all_ranks) / sum(cand.values()),
    }


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_against_reference_on_random_inputs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 300
    sims = [np.round(rng.random(rng.integers(1, 40)), 1) for _ in range(n)]  # rounding creates ties
    positives = [int(rng.integers(0, s.size)) for s in sims]
    pairs = [str(rng.choice(["front->left", "left->top", "top->front", "front->ego"])) for _ in range(n)]
    evaluable = [bool(x) for x in rng.random(n) < 0.9]
    got = cv_ta_scores(sims, positives, pairs, evaluable=evaluable)
    want = _reference_cv_ta(sims, positives, pairs, evaluable)
    for key, value in want.items():
        assert got[key] == pytest.approx(value), key


def test_bootstrap_and_paired() -> None:
    rng = np.random.default_rng(0)
    sims = [rng.random(10) for _ in range(60)]
    pos = [0] * 60
    pairs = ["A", "B", "C"] * 20
    r = cv_ta_scores(sims, pos, pairs, bootstrap=200, seed=3)
    lo, hi = r["ci"]["overall_recall_at_1"]
    assert lo <= r["overall_recall_at_1"] <= hi
    assert "bs:200" in r["signature"] and "rs:3" in r["signature"]
    assert r == cv_ta_scores(sims, pos, pairs, bootstrap=200, seed=3)
    better = [s.copy() for s in sims]
    for s in better:
        s[0] = 2.0
    paired = cv_ta_scores(better, pos, pairs, paired_predictions=sims, bootstrap=200)["paired"][
        "overall_recall_at_1"
    ]
    assert paired["a"] == 1.0 and paired["delta"] > 0 and paired["ci_low"] > 0
    same = cv_ta_scores(sims, pos, pairs, paired_predictions=sims, bootstrap=50)["paired"][
        "overall_recall_at_1"
    ]
    assert same["delta"] == 0.0


# ------------------------------------------------------------------------------------------ real release

# Candidate / evaluated / invisible / no-positive queries per directed pair on the S1 test trials
# (47 trials, trial-level filtering); the same numbers are documented in metrics/cv_ta/README.md.
S1_COUNTS = {
    "local": {"candidates": 15999, "evaluated": 15711, "invisible": 73, "no_positive": 215},
    "global": {"candidates": 15999, "evaluated": 15711, "invisible": 73, "no_positive": 215},
    "exo2ego": {"candidates": 5333, "evaluated": 5099, "invisible": 234, "no_positive": 0},
}
S1_FRONT_LEFT = {
    "candidates": 1352,
    "evaluated": 1303,
    "invisible": 12,
    "no_positive": 37,
    "empty_gallery": 0,
}


@pytest.fixture(scope="module")
def s1(impact_dataset_dir: Path):
    videos = load_cv_annotations(impact_dataset_dir / "CV" / "annotations_CAS")
    trials = split_trials(impact_dataset_dir / "CV" / "splits_CAS", "test", 1)
    return videos, trials


def _oracle_embeddings(segments, seed: int = 0) -> dict[str, np.ndarray]:
    labels = sorted({s.label for s in segments.values()})
    rng = np.random.default_rng(seed)
    out = {}
    for u, s in segments.items():
        v = np.zeros(len(labels) + 4)
        v[labels.index(s.label)] = 1.0
        out[u] = v + 0.01 * rng.standard_normal(v.size)
    return out


@pytest.mark.impact_release
@pytest.mark.parametrize("protocol", ["local", "global", "exo2ego"])
def test_real_s1_protocol_counts_and_oracle(s1, protocol: str) -> None:
    videos, trials = s1
    assert len(videos) == 560 and len(trials) == 47
    p = build_cv_ta_protocol(videos, protocol, trials=trials)
    counts = p.counts()
    totals = {k: sum(c[k] for c in counts.values()) for k in S1_COUNTS[protocol]}
    assert totals == S1_COUNTS[protocol]
    assert len(p.pairs) == (4 if protocol == "exo2ego" else 12)
    if protocol != "exo2ego":
        assert counts["front->left"] == S1_FRONT_LEFT
    # every positive: same label as the query, target view of the pair, same trial, inside the gallery
    for q in p.queries:
        if q.status != "evaluated":
            continue
        src, tgt = q.pair.split("->")
        qs, ps = p.segments[q.query_uid], p.segments[q.positive_uid]
        assert (qs.view, ps.view, ps.trial_id, ps.label) == (src, tgt, qs.trial_id, qs.label)
        assert q.positive_uid in q.gallery
    emb = _oracle_embeddings(p.segments)
    got = cv_ta_protocol_scores(emb, p)
    # independent straightforward computation: per query, cosine to each gallery item, count the larger ones
    unit = {u: v / np.linalg.norm(v) for u, v in emb.items()}
    hits = []
    matrices: dict[int, np.ndarray] = {}
    for q in p.queries:
        if q.status == "evaluated":
            if id(q.gallery) not in matrices:
                matrices[id(q.gallery)] = np.stack([unit[g] for g in q.gallery])
            sims = matrices[id(q.gallery)] @ unit[q.query_uid]
            pos = sims[q.gallery.index(q.positive_uid)]
            hits.append(not np.any(sims > pos))
    assert got["overall_recall_at_1"] == pytest.approx(sum(hits) / len(hits))
    assert got["num_evaluated_queries"] == len(hits)
    assert got["overall_coverage"] == pytest.approx(
        S1_COUNTS[protocol]["evaluated"] / S1_COUNTS[protocol]["candidates"]
    )
    if (
        protocol != "global"
    ):  # a same-trial gallery holds few same-label segments: the positive is near the top
        assert got["overall_recall_at_5"] > 0.5


# ------------------------------------------------------------------------------------------ loader


def _write(path: Path, payload: dict) -> None:
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload))


def test_loader_reads_folders_and_names_bad_files(tmp_path: Path) -> None:
    seg = [{"id": 3, "label": "a", "has_anomaly": False, "meta_activity": "none", "f_start": 0, "f_end": 9}]
    base = {"view_start": 0, "view_end": 9, "segments": seg, "labels": []}
    # the JSON `view` field is ignored: the folder decides
    _write(
        tmp_path / "front" / "subject11" / f"{T1}_color_front_clipped.json",
        {**base, "video_id": f"{T1}_color_front_clipped", "view": "top"},
    )
    _write(
        tmp_path / "ego" / f"{T1}_color_ego.json",
        {**base, "video_id": f"{T1}_color_ego_sync_clipped", "view": "ego"},
    )
    videos = load_cv_annotations(tmp_path)
    assert [(v["video_id"], v["view"], v["subject"], v["num_frames"]) for v in videos] == [
        (f"{T1}_color_ego_sync_clipped", "ego", None, 10),
        (f"{T1}_color_front_clipped", "front", "subject11", 10),
    ]
    assert [s.uid for s in cv_segments(videos)] == [uid(T1, "ego", 0), uid(T1, "front", 0)]
    _write(
        tmp_path / "left" / "subject11" / f"{T1}_color_front_clipped.json",
        {**base, "video_id": "x", "view": "left"},
    )
    with pytest.raises(ReleaseFormatError, match="folder is 'left'"):
        load_cv_annotations(tmp_path)
    with pytest.raises(ReleaseFormatError, match="no CV annotation JSON"):
        load_cv_annotations(tmp_path / "missing")


# ------------------------------------------------------------------ vectorised fast paths (same numbers)


def _many_rows(n: int, length: int | None, seed: int = 0) -> tuple[list[np.ndarray], list[int]]:
    rng = np.random.default_rng(seed)
    sims = [np.round(rng.random(length or int(rng.integers(1, 50))), 2) for _ in range(n)]
    return sims, [int(rng.integers(0, s.size)) for s in sims]


@pytest.mark.parametrize("length", [None, 1291])  # mixed lengths (repeat + reduceat) and 2-D blocks
def test_fast_path_equals_reference_across_chunks(length: int | None) -> None:
    n = 600 if length else 3000  # several 2 MB chunks either way
    sims, pos = _many_rows(n, length)
    pairs = ["front->left", ("left", "front"), "top->left"] * (n // 3)  # tuple and string spellings
    evaluable = [i % 17 != 0 for i in range(n)]
    got = cv_ta_scores(sims, pos, pairs, evaluable=evaluable)
    names = [p if isinstance(p, str) else f"{p[0]}->{p[1]}" for p in pairs]
    want = _reference_cv_ta(sims, pos, names, evaluable)
    for key, value in want.items():
        assert got[key] == pytest.approx(value, abs=0), key
    # lists of floats, ints and bools go through the per-query conversion and give the same numbers
    as_lists = cv_ta_scores([s.tolist() for s in sims], pos, pairs, evaluable=evaluable)
    assert as_lists["overall_recall_at_5"] == got["overall_recall_at_5"]
    assert as_lists["per_pair_median_rank"] == got["per_pair_median_rank"]


def test_integer_similarities_are_converted_and_bools_refused() -> None:
    assert cv_ta_scores([[3, 1, 2]], [2], ["A"])["overall_median_rank"] == 2.0
    for bools in (np.array([True, False]), [True, 0.5]):  # a bool is not a similarity (issue 9)
        with pytest.raises(InputValidationError, match=r"query 0 to be a 1-D array of numbers, but got bool"):
            cv_ta_scores([bools], [1], ["A"])


@pytest.mark.parametrize("length", [None, 300])
@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (np.array([0.1, float("nan"), 0.3]), r"finite values in `predictions` for query 'q1234'"),
        (np.array([0.1, float("inf")]), r"finite values in `predictions` for query 'q1234'"),
        (np.zeros((2, 2)), r"query 'q1234' to be a 1-D array"),
        (["x", "y"], r"query 'q1234' to be a 1-D array of numbers"),
        ("abc", r"query 'q1234'"),
        (0.5, r"query 'q1234' to be a 1-D array"),
        (None, r"evaluable query 'q1234', but got None"),
        (np.zeros(0), r"non-empty gallery for evaluable query 'q1234'"),
    ],
)
def test_fast_path_errors_name_the_bad_query(length: int | None, bad, match: str) -> None:
    sims, pos = _many_rows(3000, length, seed=1)
    sims[1234] = bad
    pos[1234] = 0
    ids = [f"q{i}" for i in range(len(sims))]
    with pytest.raises(InputValidationError, match=match):
        cv_ta_scores(sims, pos, ["A"] * len(sims), ids=ids)
    with pytest.raises(InputValidationError, match=match):  # mapping input: the key names the query
        cv_ta_scores(
            dict(zip(ids, sims, strict=True)), dict(zip(ids, pos, strict=True)), dict.fromkeys(ids, "A")
        )


@pytest.mark.parametrize(
    ("ref", "match"),
    [
        (5000, r"positive index of query 'q77' to be < its gallery size"),
        (-1, "q77.*>= 0"),
        (1.5, "q77.*integer"),
    ],
)
def test_bad_positive_index_names_the_query(ref, match: str) -> None:
    sims, pos = _many_rows(500, 40, seed=2)
    pos[77] = ref
    with pytest.raises(InputValidationError, match=match):
        cv_ta_scores(sims, pos, ["A"] * 500, ids=[f"q{i}" for i in range(500)])


def test_bad_pair_and_evaluable_name_the_query() -> None:
    sims, pos = _many_rows(200, 5)
    pairs = ["A"] * 200
    pairs[150] = ""
    with pytest.raises(InputValidationError, match="`pairs` entry for query 150"):
        cv_ta_scores(sims, pos, pairs)
    pairs[150] = ["front", "left"]  # unhashable but valid
    assert cv_ta_scores(sims, pos, pairs)["per_pair_num_candidate_queries"] == {"A": 199, "front->left": 1}
    flags = [True] * 200
    flags[42] = 1
    with pytest.raises(InputValidationError, match="`evaluable` for query 42 to be a bool"):
        cv_ta_scores(sims, pos, ["A"] * 200, evaluable=flags)


def test_columnar_stats_compute_like_a_list_of_query_stats() -> None:
    from proceval.scores.cv_ta import CVTAQueryStat, CVTAStats, _cv_ta_compute

    stats = CVTAStats(
        ["B", "A"],
        np.array([0, 1, 1, 0, 1]),
        np.array([True, True, False, False, True]),
        np.array([3, 1, 0, 0, 7]),
    )
    as_list = [stats[i] for i in range(len(stats))]
    assert as_list[0] == CVTAQueryStat("B", True, 3) and stats[1:3] == as_list[1:3]
    assert _cv_ta_compute(stats) == _cv_ta_compute(as_list)
    r = _cv_ta_compute(stats)
    assert r["per_pair_median_rank"] == {"A": 4.0, "B": 3.0} and r["overall_coverage"] == 3 / 5


def test_embedding_matrix_fast_path_equals_per_item_path() -> None:
    from functools import partial

    from proceval.scores.retrieval import embedding_matrix, embedding_matrix_per_item

    _embedding_matrix = partial(embedding_matrix, what="segment")
    _embedding_matrix_per_segment = partial(embedding_matrix_per_item, what="segment")
    rng = np.random.default_rng(0)
    emb = {f"s{i}": rng.standard_normal(24) * 10.0 ** rng.integers(-3, 3) for i in range(400)}
    uids = list(emb)
    assert np.array_equal(_embedding_matrix(emb, uids), _embedding_matrix_per_segment(emb, uids))
    for value, match in [
        (np.full(24, np.nan), "finite values in the embedding of segment 's300'"),
        (np.zeros(24), "non-zero embedding for segment 's300'"),
        (np.ones(23), "one dimension"),
    ]:
        bad = dict(emb, s300=value)
        with pytest.raises(InputValidationError, match=match):
            _embedding_matrix(bad, uids)
    with pytest.raises(InputValidationError, match="embedding for segment 's400'"):
        _embedding_matrix(emb, [*uids, "s400"])


@pytest.mark.parametrize(
    ("refs", "match"),
    [
        ({"q0": 0, "q1": 0}, r"but 1 query ids have none \('q2'\)\.$"),
        ({"q0": 0, "q1": 0, "q2": 0, "zz": 0}, r"but 1 are not query ids of `predictions` \('zz'\)\.$"),
        (
            {"q0": 0, "q1": 0, "zz": 0},
            r"but 1 are not query ids of `predictions` \('zz'\) and 1 query ids have none \('q2'\)\.$",
        ),
        ({"q0": 0, "q1": 0, "x" * 5000: 0}, r"\('xxx.*\.\.\. \(5002 chars\)\)"),  # a long id is shortened
    ],
)
def test_mapping_ids_mismatch_names_the_ids(refs: dict, match: str) -> None:
    sims = {f"q{i}": [0.5, 0.1] for i in range(3)}
    with pytest.raises(InputValidationError, match=match):
        cv_ta_scores(sims, refs, dict.fromkeys(sims, "A"))
    reordered = dict(reversed(list(sims.items())))  # matched by id, not by position
    assert (
        cv_ta_scores(reordered, dict.fromkeys(sims, 0), dict.fromkeys(sims, "A"))["overall_recall_at_1"]
        == 1.0
    )


# ------------------------------------------------------------------ options: validated, listed, signed


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"input_type": "scores"}, "input_type"),
        ({"ks": [0]}, "ks"),
        ({"ks": []}, "ks"),
        ({"ks": "15"}, "ks"),
        ({"ks": [True]}, "ks"),
        ({"median_rank_reduction": "mean"}, "median_rank_reduction"),
    ],
)
def test_invalid_option_names_the_argument(kwargs: dict, name: str) -> None:
    from proceval.scores.cv_ta import CvTaOptions

    with pytest.raises(InputValidationError, match=rf"Expected argument `{name}` to be .*, but got"):
        CvTaOptions(**kwargs)
    with pytest.raises(InputValidationError, match=f"`{name}`"):
        cv_ta_scores([[0.1]], [0], ["A"], **kwargs)


def test_options_from_mapping_lists_the_allowed_keys() -> None:
    from proceval.scores.cv_ta import CvTaOptions

    with pytest.raises(InputValidationError, match="allowed: input_type, ks, median_rank_reduction"):
        CvTaOptions.from_mapping({"bogus": 1})
    assert CvTaOptions.from_mapping({"ks": [1, 10]}).ks == (1, 10)


def test_options_that_change_the_number_change_the_signature() -> None:
    ranks = [1, 1, 1, 10, 2, 4, 7]
    pairs = ["A"] * 3 + ["B"] + ["C"] * 3
    signatures = set()
    for ks in ((1, 5), (1, 10)):
        for reduction in ("median_of_pairs", "pooled"):
            for bootstrap, confidence in ((0, 0.95), (20, 0.95), (20, 0.9)):
                r = cv_ta_scores(
                    ranks,
                    None,
                    pairs,
                    input_type="ranks",
                    ks=ks,
                    median_rank_reduction=reduction,
                    bootstrap=bootstrap,
                    confidence=confidence,
                )
                signatures.add(r["signature"])
    assert len(signatures) == 2 * 2 * 3
    p = build_cv_ta_protocol(TINY, "local")
    emb = {u: np.asarray([1.0, float(i)]) for i, u in enumerate(sorted(p.segments))}
    local = {
        cv_ta_protocol_scores(emb, build_cv_ta_protocol(TINY, name))["signature"] for name in CV_TA_NAMES
    }
    assert len(local) == 3
    overridden = build_cv_ta_protocol(TINY, "local", source_views=("front",), target_views=("left",))
    assert "pairs:front->left" in cv_ta_protocol_scores(emb, overridden)["signature"]
    assert "pairs:" not in cv_ta_protocol_scores(emb, p)["signature"]
    paired = cv_ta_protocol_scores(emb, p, paired_embeddings=emb)["signature"]
    assert "|bs:1000|ci:0.95|rs:0|paired:yes|" in paired


CV_TA_NAMES = ("local", "global", "exo2ego")
