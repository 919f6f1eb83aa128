"""Benchmark: vectorised CV-TA / CV-SMR ranking against a pure-Python loop on the real IMPACT S1 protocol.

Random segment embeddings (seeded) on the S1 test trials. For each case the same per-query similarity
vectors are scored twice in one run: by :func:`proceval.scores.cv_ta.cv_ta` / ``cv_smr`` (padded numpy
blocks) and by a straightforward pure-Python implementation of the same definition (lists and loops);
the numbers must agree. Prints one JSON line and writes ``benchmarks/results/cv.json`` atomically.

Usage: ``.venv/bin/python benchmarks/bench_cv.py [--repeats 3]``
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from proceval.io import atomic_write_json
from proceval.protocols.cv import (
    build_cv_smr_protocol,
    build_cv_ta_protocol,
    cv_smr_inputs,
    cv_ta_inputs,
    evaluate_cv_smr,
    evaluate_cv_ta,
    load_cv_annotations,
    split_trials,
)
from proceval.release_cache import unpack_impact_release
from proceval.scores.cv_smr import cv_smr
from proceval.scores.cv_ta import cv_ta

RESULTS = Path(__file__).resolve().parent / "results" / "cv.json"


def python_cv_ta(sims: list[list[float] | None], positives: list, pairs: list[str]) -> dict[str, float]:
    """Pure Python: optimistic ranks, pooled R@1/R@5, median of per-pair medians, coverage."""
    by_pair: dict[str, list[int]] = defaultdict(list)
    evaluated = 0
    for s, p, pair in zip(sims, positives, pairs, strict=True):
        if s is None:
            continue
        pos = s[p]
        rank = 1
        for x in s:
            if x > pos:
                rank += 1
        by_pair[pair].append(rank)
        evaluated += 1
    ranks = [r for rs in by_pair.values() for r in rs]
    medians = sorted(statistics.median(rs) for rs in by_pair.values())
    return {
        "overall_recall_at_1": sum(1 for r in ranks if r <= 1) / len(ranks),
        "overall_recall_at_5": sum(1 for r in ranks if r <= 5) / len(ranks),
        "overall_median_rank": float(statistics.median(medians)),
        "overall_coverage": evaluated / len(sims),
    }


def python_cv_ta_from_embeddings(emb: dict[str, list[float]], queries) -> dict[str, float]:
    """Pure Python from embeddings: L2-normalise, cosine by loops, optimistic rank, then the CV-TA reduction."""
    unit = {}
    for uid, vec in emb.items():
        norm = sum(x * x for x in vec) ** 0.5
        unit[uid] = [x / norm for x in vec]
    sims, positives, pairs = [], [], []
    for q in queries:
        pairs.append(q.pair)
        if q.status != "evaluated":
            sims.append(None)
            positives.append(None)
            continue
        qv = unit[q.query_uid]
        sims.append([sum(a * b for a, b in zip(qv, unit[g], strict=True)) for g in q.gallery])
        positives.append(q.gallery.index(q.positive_uid))
    return python_cv_ta(sims, positives, pairs)


def python_cv_smr(scores: list[list[float]], relevance: list[list[int]]) -> dict[str, float]:
    """Pure Python: stable descending sort, non-interpolated AP, any-hit R@1 / R@5."""
    aps, r1, r5 = [], [], []
    for s, rel in zip(scores, relevance, strict=True):
        n_rel = sum(rel)
        if not s or n_rel == 0:
            continue
        order = sorted(range(len(s)), key=lambda i: -s[i])
        found, total = 0, 0.0
        for rank, i in enumerate(order, start=1):
            if rel[i]:
                found += 1
                total += found / rank
        aps.append(total / n_rel)
        r1.append(any(rel[i] for i in order[:1]))
        r5.append(any(rel[i] for i in order[:5]))
    return {
        "overall_recall_at_1": sum(r1) / len(r1),
        "overall_recall_at_5": sum(r5) / len(r5),
        "overall_map": sum(aps) / len(aps),
    }


def _best_of(fn, repeats: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _check(vec: dict, ref: dict) -> None:
    for key, value in ref.items():
        if not np.isclose(vec[key], value, rtol=1e-9, atol=1e-12):
            raise SystemExit(f"mismatch on {key}: vectorised {vec[key]} vs pure Python {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dim", type=int, default=64, help="embedding size of the random embeddings")
    args = parser.parse_args()

    cv = unpack_impact_release() / "dataset" / "CV"
    videos = load_cv_annotations(cv / "annotations_CAS")
    trials = split_trials(cv / "splits_CAS", "test", 1)
    rng = np.random.default_rng(0)
    cases = {}

    # CV-TA, TA-Global, front<->left (2 directed pairs: gallery = every left / front segment of the split)
    ta = build_cv_ta_protocol(
        videos, "global", trials=trials, source_views=("front", "left"), target_views=("front", "left")
    )
    emb = {u: rng.standard_normal(args.dim) for u in ta.segments}
    inputs = cv_ta_inputs(emb, ta)
    py_sims = [None if p is None else p.tolist() for p in inputs["predictions"]]
    t_vec, vec = _best_of(lambda: cv_ta(**inputs), args.repeats)
    t_py, ref = _best_of(lambda: python_cv_ta(py_sims, inputs["references"], inputs["pairs"]), args.repeats)
    _check(vec, ref)
    cases["cv_ta_global_front_left"] = {
        "queries": len(ta.queries),
        "gallery_cells": int(sum(len(q.gallery) for q in ta.queries)),
        "vectorised_s": t_vec,
        "python_s": t_py,
        "ratio": t_py / t_vec,
    }

    # CV-TA end to end from embeddings, TA-Global front->left: BLAS + vectorised ranks vs Python loops
    e2e = build_cv_ta_protocol(
        videos, "global", trials=trials, source_views=("front",), target_views=("left",)
    )
    emb = {u: rng.standard_normal(16) for u in e2e.segments}
    emb_lists = {u: v.tolist() for u, v in emb.items()}
    t_vec, vec = _best_of(lambda: evaluate_cv_ta(emb, e2e), args.repeats)
    t_py, ref = _best_of(lambda: python_cv_ta_from_embeddings(emb_lists, e2e.queries), 1)
    _check(vec, ref)
    cases["cv_ta_global_front_left_from_embeddings"] = {
        "queries": len(e2e.queries),
        "dim": 16,
        "vectorised_s": t_vec,
        "python_s": t_py,
        "ratio": t_py / t_vec,
    }

    # CV-TA, TA-Local, all 12 exo pairs (small same-trial galleries: per-query overhead dominates)
    loc = build_cv_ta_protocol(videos, "local", trials=trials)
    emb = {u: rng.standard_normal(args.dim) for u in loc.segments}
    inputs = cv_ta_inputs(emb, loc)
    py_sims = [None if p is None else p.tolist() for p in inputs["predictions"]]
    t_vec, vec = _best_of(lambda: cv_ta(**inputs), args.repeats)
    t_py, ref = _best_of(lambda: python_cv_ta(py_sims, inputs["references"], inputs["pairs"]), args.repeats)
    _check(vec, ref)
    t_proto, _ = _best_of(lambda: evaluate_cv_ta(emb, loc), args.repeats)
    cases["cv_ta_local_12_pairs"] = {
        "queries": len(loc.queries),
        "vectorised_s": t_vec,
        "python_s": t_py,
        "ratio": t_py / t_vec,
        "evaluate_cv_ta_from_embeddings_s": t_proto,
    }

    # CV-SMR, front queries against the whole S1 gallery (other trial AND other view)
    smr = build_cv_smr_protocol(videos, trials=trials, query_views=("front",))
    emb = {g.uid: rng.standard_normal(args.dim) for g in smr.gallery}
    inputs = cv_smr_inputs(emb, smr)
    py_scores = [p.tolist() for p in inputs["predictions"]]
    py_rel = [r.tolist() for r in inputs["references"]]
    t_vec, vec = _best_of(lambda: cv_smr(inputs["predictions"], inputs["references"]), args.repeats)
    t_py, ref = _best_of(lambda: python_cv_smr(py_scores, py_rel), 1)
    _check(vec, ref)
    t_proto, _ = _best_of(lambda: evaluate_cv_smr(emb, smr), 1)
    cases["cv_smr_front_queries"] = {
        "queries": len(smr.queries),
        "gallery": len(smr.gallery),
        "vectorised_s": t_vec,
        "python_s": t_py,
        "ratio": t_py / t_vec,
        "evaluate_cv_smr_from_embeddings_s": t_proto,
    }

    result = {
        "benchmark": "cv",
        "data": "IMPACT S1 test trials (trial-level), random embeddings",
        "dim": args.dim,
        "repeats": args.repeats,
        "ratio": cases["cv_ta_global_front_left_from_embeddings"]["ratio"],
        "cases": cases,
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    print(json.dumps(result))
    atomic_write_json(RESULTS, result)


if __name__ == "__main__":
    main()
