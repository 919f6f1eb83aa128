"""``precision="float32"``: CV-SMR and ATR reproduce the official float32 pipelines exactly.

The official scripts (IMPACT ``tasks/CV-SM/retrieval/cv_smr_retrieval.py`` + ``common/cv_sm_common.py``,
``third_party/*/atr.py``) keep embeddings, cosines, segment means and the pooled scores as float32 and
average per-query values as float32. The references below re-implement those scripts plainly; near-ties
that float32 collapses (and float64 keeps apart) must rank as the official scripts rank them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from proceval.errors import InputValidationError
from proceval.scores.atr import ATR_CLASSES, atr_scores, atr_scores_from_frames, atr_segment_scores
from proceval.scores.cv_smr import (
    CvSmrOptions,
    CVSMRStats,
    cv_smr_embedding_results,
    cv_smr_scores,
    cv_smr_stats_scores,
)
from proceval.scores.options import Uncertainty
from proceval.scores.retrieval import embedding_matrix

# ------------------------------------------------------------------------------- official references


def official_atr(predictions_by_video: dict[str, np.ndarray], records: list[dict]) -> dict[str, float]:
    """IMPACT ``evaluate_atr_predictions`` (LTContext / FACT copies), without the x100 and file reading."""
    pooled_targets, pooled_scores = [], []
    for record in records:
        target = np.asarray(record["labels"], dtype=np.uint8)
        if target.sum() == 0 or record["video_id"] not in predictions_by_video:
            continue
        probs = predictions_by_video[record["video_id"]]
        start = max(0, int(record["start_frame"]))
        end = min(len(probs) - 1, int(record["end_frame"]))
        if end < start:
            continue
        pooled_targets.append(target)
        pooled_scores.append(probs[start : end + 1].mean(axis=0))
    y_true = np.asarray(pooled_targets, dtype=np.uint8)
    y_score = np.asarray(pooled_scores, dtype=np.float32)
    out = {}
    for idx, name in enumerate(ATR_CLASSES):
        yt = y_true[:, idx]
        ys = np.asarray(y_score[:, idx], dtype=np.float64)
        positives = int(yt.sum())
        if positives == 0:
            out[name] = float("nan")
            continue
        order = np.argsort(-ys, kind="mergesort")
        yt = yt[order]
        tp = np.cumsum(yt)
        fp = np.cumsum(1 - yt)
        precision = tp / np.maximum(tp + fp, 1)
        out[name] = float(precision[yt == 1].sum() / positives)
    return out


def official_cv_smr(
    pooled: dict[str, np.ndarray], queries: list[tuple], gallery: list[tuple], query_views: tuple[str, ...]
) -> dict[str, float]:
    """IMPACT ``cv_smr_retrieval.main`` on pooled segment features; items are (uid, trial, view, label)."""
    embeddings = {}
    for uid, vector in pooled.items():
        vector = np.asarray(vector).astype(np.float32, copy=False)
        norm = float(np.linalg.norm(vector))
        embeddings[uid] = (vector / norm).astype(np.float32, copy=False)
    gallery_matrix = np.stack([embeddings[g[0]] for g in gallery], axis=0)
    g_trials = np.asarray([g[1] for g in gallery], dtype=object)
    g_views = np.asarray([g[2] for g in gallery], dtype=object)
    g_labels = np.asarray([g[3] for g in gallery], dtype=object)
    hit1, hit5, aps = [], [], []
    for view in query_views:
        for uid, trial, q_view, label in (q for q in queries if q[2] == view):
            valid = (g_trials != trial) & (g_views != q_view)
            if not np.any(valid & (g_labels == label)):
                continue
            scores = gallery_matrix @ embeddings[uid]
            idx = np.flatnonzero(valid)
            ranked = idx[np.argsort(-scores[idx], kind="stable")]
            hits = (g_labels[ranked] == label).astype(np.float32)
            precision = np.cumsum(hits) / (np.arange(hits.size) + 1)
            aps.append(float((precision * hits).sum() / float(hits.sum())))
            hit1.append(float(np.any(hits[:1])))
            hit5.append(float(np.any(hits[:5])))
    return {
        "overall_recall_at_1": float(np.mean(np.asarray(hit1, dtype=np.float32))),
        "overall_recall_at_5": float(np.mean(np.asarray(hit5, dtype=np.float32))),
        "overall_map": float(np.mean(np.asarray(aps, dtype=np.float32))),
    }


def _smr_float32(pooled: dict, queries: list[tuple], gallery: list[tuple], query_views, precision="float32"):
    codes: dict[str, int] = {}

    def keys(items: list[tuple]) -> np.ndarray:
        return np.asarray(
            [[codes.setdefault(x, len(codes)) for x in item[1:]] for item in items], dtype=np.int64
        )

    q = embedding_matrix(pooled, [x[0] for x in queries], precision=precision)
    g = embedding_matrix(pooled, [x[0] for x in gallery], precision=precision)
    results = cv_smr_embedding_results(q, g, keys(queries), keys(gallery), precision=precision)
    stats = CVSMRStats.from_query_results((1, 5), [x[2] for x in queries], results)
    return cv_smr_stats_scores(
        stats, CvSmrOptions(precision=precision), Uncertainty(0, 0.95, 0), view_order=query_views
    )


# ------------------------------------------------------------------------------- constructed near-ties


def test_cv_smr_near_tie_ranks_differently_in_float32() -> None:
    # The irrelevant item's cosine is 1 - 5e-9 in float64 but exactly 1.0 in float32 (its norm rounds to 1):
    # float64 ranks the relevant item first; float32 ties them and keeps gallery order (irrelevant first).
    pooled = {"q": [1.0, 0.0], "irrelevant": [1.0, 1e-4], "relevant": [1.0, 0.0]}
    queries = [("q", "t1", "front", "a")]
    gallery = [("irrelevant", "t2", "left", "b"), ("relevant", "t2", "left", "a")]
    r64 = _smr_float32(pooled, queries, gallery, ("front",), precision="float64")
    r32 = _smr_float32(pooled, queries, gallery, ("front",))
    assert (r64["overall_map"], r64["overall_recall_at_1"]) == (1.0, 1.0)
    assert (r32["overall_map"], r32["overall_recall_at_1"]) == (0.5, 0.0)
    assert official_cv_smr(pooled, queries, gallery, ("front",)) == {
        k: r32[k] for k in ("overall_recall_at_1", "overall_recall_at_5", "overall_map")
    }
    assert "|prec:float32|" in r32["signature"] and "|prec:float64|" in r64["signature"]
    # the same near-tie given as score vectors
    sims, rel = [[1 - 5e-9, 1.0]], [[0, 1]]
    assert cv_smr_scores(sims, rel)["overall_map"] == 1.0
    out = cv_smr_scores(sims, rel, precision="float32")
    assert out["overall_map"] == 0.5 and out["signature"].startswith("cv_smr|k:1,5|prec:float32|")


def test_cv_smr_float32_means_are_float32_means() -> None:
    # three evaluated queries with AP 1, 1/2 and 1/3: the float32 mean differs from the float64 one
    sims = [[0.9, 0.1], [0.9, 0.8], [0.9, 0.8, 0.7]]
    rel = [[1, 0], [0, 1], [0, 0, 1]]
    r64 = cv_smr_scores(sims, rel)
    r32 = cv_smr_scores(sims, rel, precision="float32")
    aps = np.asarray([1.0, 0.5, 1 / 3])
    assert r64["overall_map"] == float(np.mean(aps))
    assert r32["overall_map"] == float(np.mean(aps.astype(np.float32)))
    assert r32["overall_map"] != r64["overall_map"]


def test_atr_near_tie_ranks_differently_in_float32() -> None:
    # segment 0 (a negative) comes first; segment 1 (the positive) has a float64 mean 3e-9 higher, which
    # float32 rounds to the same value: float64 AP 1, float32 (official) AP 1/2.
    hi = np.nextafter(np.float32(0.5), np.float32(1))
    frames = np.full((4, 6), 0.5, dtype=np.float32)
    frames[3, 0] = hi  # 0.5 + 6e-8 on one of the positive's 10 frames ... mean 0.5 + 6e-9 in float64
    probs = {"v": np.concatenate([frames[:2], np.repeat(frames[2:], [9, 1], axis=0)])}
    segs = [
        {"video_id": "v", "start_frame": 0, "end_frame": 1, "labels": [0, 0, 0, 0, 0, 1], "sample_id": "neg"},
        {
            "video_id": "v",
            "start_frame": 2,
            "end_frame": 11,
            "labels": [1, 0, 0, 0, 0, 0],
            "sample_id": "pos",
        },
        {
            "video_id": "v",
            "start_frame": 0,
            "end_frame": 0,
            "labels": [1, 0, 0, 0, 0, 0],
            "sample_id": "pos2",
        },
    ]
    r64 = atr_scores_from_frames(probs, segs)
    r32 = atr_scores_from_frames(probs, segs, precision="float32")
    want = official_atr(probs, segs)
    assert r64["per_class_ap"]["ERROR_TEMPORAL"] == pytest.approx((1 + 2 / 3) / 2)
    assert (
        r32["per_class_ap"]["ERROR_TEMPORAL"]
        == want["ERROR_TEMPORAL"]
        != r64["per_class_ap"]["ERROR_TEMPORAL"]
    )
    assert r32["per_class_ap"] == pytest.approx(want, nan_ok=True)
    assert "|prec:float32|" in r32["signature"]
    # segment scores: the float64 scores are rounded to float32 before the stable sort
    _, scores, labels, _ = atr_segment_scores(probs, segs)
    assert (
        atr_scores(scores, labels)["per_class_ap"]["ERROR_TEMPORAL"] == r64["per_class_ap"]["ERROR_TEMPORAL"]
    )
    assert atr_scores(scores, labels, precision="float32")["per_class_ap"] == r32["per_class_ap"]


def test_precision_is_checked() -> None:
    with pytest.raises(InputValidationError, match="precision"):
        atr_scores([[0.1] * 6], [[1, 0, 0, 0, 0, 0]], precision="float16")
    with pytest.raises(InputValidationError, match="precision"):
        cv_smr_scores([[0.1]], [[1]], precision="double")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_near_ties_equal_the_official_scripts(seed: int) -> None:
    rng = np.random.default_rng(seed)
    # ATR: float32 frame probabilities packed within a few float32 steps of 0.5 (many near-ties)
    videos = {
        f"v{i}": (0.5 + rng.integers(0, 40, size=(60, 6)) * 2.0**-25).astype(np.float32) for i in range(5)
    }
    segs = []
    for i in range(150):
        start = int(rng.integers(0, 55))
        labels = (rng.random(6) < 0.3).astype(int).tolist()
        segs.append(
            {
                "video_id": f"v{i % 5}",
                "start_frame": start,
                "end_frame": start + int(rng.integers(0, 12)),
                "labels": labels,
                "sample_id": f"s{i}",
            }
        )
    want = official_atr(videos, segs)
    got = atr_scores_from_frames(videos, segs, precision="float32")["per_class_ap"]
    assert got == pytest.approx(want, rel=0, abs=0, nan_ok=True)
    assert atr_scores_from_frames(videos, segs)["per_class_ap"] != pytest.approx(
        want, rel=0, abs=0, nan_ok=True
    )
    # CV-SMR: label prototypes plus tiny noise, so cosines crowd near 1
    labels = ["a", "b", "c"]
    common = rng.standard_normal(16)
    proto = {lab: common + 1e-7 * rng.standard_normal(16) for lab in labels}  # every cosine is near 1
    items = [
        (f"u{i}", f"t{i % 4}", ("front", "left", "top")[i % 3], labels[int(rng.integers(0, 3))])
        for i in range(90)
    ]
    pooled = {u: proto[lab] + 1e-8 * rng.standard_normal(16) for u, _, _, lab in items}
    views = ("front", "left", "top")
    want = official_cv_smr(pooled, items, items, views)
    got = _smr_float32(pooled, items, items, views)
    assert {k: got[k] for k in want} == want
    r64 = _smr_float32(pooled, items, items, views, precision="float64")
    assert r64["overall_map"] != want["overall_map"]


# ------------------------------------------------------------------------------- the real release


@pytest.mark.impact_release
def test_real_release_atr_and_cv_smr_equal_the_official_float32_scripts(impact_dataset_dir: Path) -> None:
    from proceval.benchmarks.impact.cv_protocols import build_cv_smr_protocol
    from proceval.benchmarks.impact.cv_segments import load_cv_annotations, split_trials

    rng = np.random.default_rng(0)
    manifest = impact_dataset_dir / "ATR" / "atr_segments_L" / "test.split1.jsonl"
    records = [json.loads(line) for line in manifest.read_text().splitlines() if line.strip()]
    length = {}
    for r in records:
        length[r["video_id"]] = max(length.get(r["video_id"], 0), r["end_frame"] + 1)
    # float32 probabilities a few float32 steps apart around 0.5: segment means near-tie everywhere
    probs = {
        vid: (0.5 + rng.integers(0, 64, size=(t, 6)) * 2.0**-25).astype(np.float32)
        for vid, t in length.items()
    }
    want = official_atr(probs, records)
    r32 = atr_scores_from_frames(probs, records, precision="float32", missing_video="skip")
    assert r32["per_class_ap"] == pytest.approx(want, rel=0, abs=0, nan_ok=True)
    r64 = atr_scores_from_frames(probs, records, missing_video="skip")
    assert r64["num_segments"] == r32["num_segments"] == sum(1 for r in records if any(r["labels"]))
    assert r64["per_class_ap"] != pytest.approx(want, rel=0, abs=0, nan_ok=True)  # the near-ties matter

    videos = load_cv_annotations(impact_dataset_dir / "CV" / "annotations_CAS")
    trials = split_trials(impact_dataset_dir / "CV" / "splits_CAS", "test", 1)
    protocol = build_cv_smr_protocol(videos, trials=trials, query_views=("front", "ego"))  # < 30 s
    segs = {s.uid: s for s in (*protocol.queries, *protocol.gallery)}.values()
    labels = sorted({s.label for s in segs})
    proto = {lab: rng.standard_normal(32) for lab in labels}
    pooled = {s.uid: (proto[s.label] + 2e-5 * rng.standard_normal(32)).astype(np.float32) for s in segs}
    items = [(s.uid, s.trial_id, s.view, s.label) for s in protocol.queries]
    gallery = [(s.uid, s.trial_id, s.view, s.label) for s in protocol.gallery]
    want = official_cv_smr(pooled, items, gallery, tuple(protocol.query_views))
    got = _smr_float32(pooled, items, gallery, tuple(protocol.query_views))
    assert {k: got[k] for k in want} == want
    r64 = _smr_float32(pooled, items, gallery, tuple(protocol.query_views), precision="float64")
    assert r64["num_evaluated_queries"] == got["num_evaluated_queries"]
