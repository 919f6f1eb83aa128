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
    build_cv_smc_segments,
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
from proceval.scores.cv_smc import CV_SMC_LABEL_LEVELS, build_vocabulary, cv_smc
from proceval.scores.cv_smr import cv_smr
from proceval.scores.cv_ta import cv_ta

RESULTS = Path(__file__).resolve().parent / "results" / "cv.json"
E2E_DIM = 16  # embedding size for the end-to-end rows (keeps the pure-Python cosine loops affordable)


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


def python_unit_vectors(emb: dict[str, list[float]]) -> dict[str, list[float]]:
    """Pure Python L2 normalisation."""
    unit = {}
    for uid, vec in emb.items():
        norm = sum(x * x for x in vec) ** 0.5
        unit[uid] = [x / norm for x in vec]
    return unit


def python_cv_ta_from_embeddings(emb: dict[str, list[float]], queries) -> dict[str, float]:
    """Pure Python from embeddings: L2-normalise, cosine by loops, optimistic rank, then the CV-TA reduction."""
    unit = python_unit_vectors(emb)
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


def python_cv_smr_from_embeddings(emb: dict[str, list[float]], protocol) -> dict[str, float]:
    """Pure Python from embeddings: gallery rule (other trial AND other view), cosine by loops, relevance."""
    unit = python_unit_vectors(emb)
    scores, relevance = [], []
    for q in protocol.queries:
        qv = unit[q.uid]
        row, rel = [], []
        for g in protocol.gallery:
            if g.trial != q.trial and g.view != q.view:
                row.append(sum(a * b for a, b in zip(qv, unit[g.uid], strict=True)))
                rel.append(1 if g.label == q.label else 0)
        scores.append(row)
        relevance.append(rel)
    return python_cv_smr(scores, relevance)


def python_derive(name: str, level: str) -> str:
    """Coarse name -> class at ``level`` (split on the first ``_``)."""
    if level == "coarse":
        return name
    verb, _, noun = name.partition("_")
    return {"verb": verb, "noun": noun, "verb_noun": verb + "::" + noun}[level]


def python_cv_smc(pred: list[str], ref: list[str], coarse_vocab: list[str], level: str) -> dict[str, float]:
    """Pure Python: derive classes, count TP / predicted / reference per class, macro-F1 over the vocabulary."""
    vocab = sorted({python_derive(v, level) for v in coarse_vocab})
    tp = dict.fromkeys(vocab, 0)
    n_pred = dict.fromkeys(vocab, 0)
    n_ref = dict.fromkeys(vocab, 0)
    correct = 0
    for p, r in zip(pred, ref, strict=True):
        p, r = python_derive(p, level), python_derive(r, level)
        n_pred[p] += 1
        n_ref[r] += 1
        if p == r:
            tp[p] += 1
            correct += 1
    f1s = []
    for c in vocab:
        precision = tp[c] / n_pred[c] if n_pred[c] else 0.0
        recall = tp[c] / n_ref[c] if n_ref[c] else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return {"top1_accuracy": correct / len(ref), "macro_f1": sum(f1s) / len(f1s)}


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
    emb = {u: rng.standard_normal(E2E_DIM) for u in e2e.segments}
    emb_lists = {u: v.tolist() for u, v in emb.items()}
    t_vec, vec = _best_of(lambda: evaluate_cv_ta(emb, e2e), args.repeats)
    t_py, ref = _best_of(lambda: python_cv_ta_from_embeddings(emb_lists, e2e.queries), 1)
    _check(vec, ref)
    cases["cv_ta_global_front_left_from_embeddings"] = {
        "queries": len(e2e.queries),
        "dim": E2E_DIM,
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

    # CV-SMR end to end from embeddings (front queries): BLAS + per-query ranking vs Python loops
    emb = {g.uid: rng.standard_normal(E2E_DIM) for g in smr.gallery}
    emb_lists = {u: v.tolist() for u, v in emb.items()}
    t_vec, vec = _best_of(lambda: evaluate_cv_smr(emb, smr), args.repeats)
    t_py, ref = _best_of(lambda: python_cv_smr_from_embeddings(emb_lists, smr), 1)
    _check(vec, ref)
    all_views = build_cv_smr_protocol(videos, trials=trials)
    t_all, _ = _best_of(lambda: evaluate_cv_smr(emb, all_views), 1)
    cases["cv_smr_front_queries_from_embeddings"] = {
        "queries": len(smr.queries),
        "gallery": len(smr.gallery),
        "dim": E2E_DIM,
        "vectorised_s": t_vec,
        "python_s": t_py,
        "ratio": t_py / t_vec,
        "evaluate_cv_smr_all_views_s": t_all,
        "all_views_queries": len(all_views.queries),
    }

    # CV-TA end to end from embeddings: TA-Local (12 exo pairs) and Exo->Ego (4 pairs)
    for name, protocol in (("local_12_pairs", loc), ("exo2ego", None)):
        if protocol is None:
            protocol = build_cv_ta_protocol(videos, "exo2ego", trials=trials)
        emb = {u: rng.standard_normal(E2E_DIM) for u in protocol.segments}
        emb_lists = {u: v.tolist() for u, v in emb.items()}
        t_vec, vec = _best_of(lambda emb=emb, protocol=protocol: evaluate_cv_ta(emb, protocol), args.repeats)
        t_py, ref = _best_of(
            lambda emb_lists=emb_lists, protocol=protocol: python_cv_ta_from_embeddings(
                emb_lists, protocol.queries
            ),
            1,
        )
        _check(vec, ref)
        cases[f"cv_ta_{name}_from_embeddings"] = {
            "queries": len(protocol.queries),
            "evaluated": int(sum(q.status == "evaluated" for q in protocol.queries)),
            "dim": E2E_DIM,
            "vectorised_s": t_vec,
            "python_s": t_py,
            "ratio": t_py / t_vec,
        }

    # CV-SMC: Top-1 + Macro-F1 at all four label levels, S1 test segments, perturbed coarse predictions
    train, test = build_cv_smc_segments(
        videos, train_trials=split_trials(cv / "splits_CAS", "train", 1), test_trials=trials
    )
    coarse_vocab = build_vocabulary([s.label for s in train + test], "coarse")
    refs = [s.label for s in test]
    swap = rng.random(len(refs)) < 0.3
    other = rng.integers(0, len(coarse_vocab), len(refs))
    preds = [coarse_vocab[o] if w else r for r, w, o in zip(refs, swap.tolist(), other.tolist(), strict=True)]

    def vec_smc() -> dict[str, float]:
        out = {}
        for level in CV_SMC_LABEL_LEVELS:
            r = cv_smc(preds, refs, vocabulary=coarse_vocab, label_level=level)
            out.update({f"{level}_top1_accuracy": r["top1_accuracy"], f"{level}_macro_f1": r["macro_f1"]})
        return out

    def py_smc() -> dict[str, float]:
        out = {}
        for level in CV_SMC_LABEL_LEVELS:
            r = python_cv_smc(preds, refs, coarse_vocab, level)
            out.update({f"{level}_{k}": v for k, v in r.items()})
        return out

    t_vec, vec = _best_of(vec_smc, args.repeats)
    t_py, ref = _best_of(py_smc, args.repeats)
    _check(vec, ref)
    cases["cv_smc_4_levels"] = {
        "instances": len(refs),
        "levels": list(CV_SMC_LABEL_LEVELS),
        "vectorised_s": t_vec,
        "python_s": t_py,
        "ratio": t_py / t_vec,
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
