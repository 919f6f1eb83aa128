"""PPR benchmark: vectorised ``ppr_scores`` vs a straightforward pure-Python frame loop.

Run with ``python -m benchmarks.bench_ppr`` (``--repeats N``). It reads the S1 test ground truth of PPR-L
(``PPR/splits_PPR_L/test.split1.bundle``, ``groundTruth_PPR_L``: 56 videos) from the unpacked IMPACT
release, builds deterministic perturbed predictions (every boundary 15 frames later, every 5th segment
relabelled, 0.2 % of frames flipped, seed 0), times both implementations alternately in one process for
the pooled and the per-video aggregation, checks that they agree, prints one JSON line and writes it
(atomically) to ``benchmarks/results/ppr.json``. The baseline is the definition written plainly (per
class, tp / fp / fn counted over the frames in Python); a hand-fused single-pass loop is timed too
(``ratio_vs_fused``). ``ratio`` is the ratio of median CPU times of this process
(the machine is shared, so wall time is noisy); ``ratio_wall`` is recorded beside it.
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

import numpy as np

from benchmarks._timing import compare
from benchmarks.bench_tas import perturb
from proceval.benchmarks.impact.formats.bundles import read_bundle
from proceval.benchmarks.impact.formats.frame_labels import read_frame_labels
from proceval.benchmarks.impact.formats.labelmaps import read_label_map
from proceval.benchmarks.impact.release_cache import unpack_impact_release
from proceval.io import atomic_write_json
from proceval.scores.ppr import ppr_scores

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results" / "ppr.json"
TARGET_RATIO = 20.0
CLASSES = ("normal", "anomaly", "recovery")
EPS = 1e-8


def load_s1_ppr_l() -> list[np.ndarray]:
    ppr_dir = unpack_impact_release() / "dataset" / "PPR"
    lookup = {n: i for i, n in enumerate(read_label_map(ppr_dir / "mapping_PPR.txt"))}
    ids = read_bundle(ppr_dir / "splits_PPR_L" / "test.split1.bundle")
    return [read_frame_labels(ppr_dir / "groundTruth_PPR_L" / f"{v}.txt", lookup) for v in ids]


def baseline_ppr(preds: list[list[int]], refs: list[list[int]], aggregate: str) -> dict[str, float]:
    """The definition written plainly: for each class, tp / fp / fn counted over the frames in Python."""

    def scores(gt, pred):
        out = {"accuracy": sum(1 for g, p in zip(gt, pred, strict=True) if g == p) / len(gt)}
        f1s = []
        for k, name in enumerate(CLASSES):
            tp = sum(1 for g, p in zip(gt, pred, strict=True) if g == k and p == k)
            fp = sum(1 for g, p in zip(gt, pred, strict=True) if g != k and p == k)
            fn = sum(1 for g, p in zip(gt, pred, strict=True) if g == k and p != k)
            precision, recall = tp / (tp + fp + EPS), tp / (tp + fn + EPS)
            f1s.append(2.0 * precision * recall / (precision + recall + EPS))
            out[f"f1_{name}"] = f1s[-1]
        out["macro_f1"] = sum(f1s) / 3
        return out

    if aggregate == "pooled":
        return scores([g for r in refs for g in r], [p for q in preds for p in q])
    rows = [scores(r, p) for p, r in zip(preds, refs, strict=True)]
    return {key: sum(row[key] for row in rows) / len(rows) for key in rows[0]}


def baseline_ppr_fused(preds: list[list[int]], refs: list[list[int]], aggregate: str) -> dict[str, float]:
    """A hand-fused single-pass Python loop (one confusion update per frame), for comparison."""

    def scores(pairs):
        correct = total = 0
        tp, fp, fn = [0, 0, 0], [0, 0, 0], [0, 0, 0]
        for gt, pred in pairs:
            for i in range(len(gt)):
                total += 1
                if gt[i] == pred[i]:
                    correct += 1
                    tp[gt[i]] += 1
                else:
                    fp[pred[i]] += 1
                    fn[gt[i]] += 1
        out = {"accuracy": correct / total}
        f1s = []
        for k, name in enumerate(CLASSES):
            precision, recall = tp[k] / (tp[k] + fp[k] + EPS), tp[k] / (tp[k] + fn[k] + EPS)
            f1s.append(2.0 * precision * recall / (precision + recall + EPS))
            out[f"f1_{name}"] = f1s[-1]
        out["macro_f1"] = sum(f1s) / 3
        return out

    pairs = list(zip(refs, preds, strict=True))
    if aggregate == "pooled":
        return scores(pairs)
    rows = [scores([pair]) for pair in pairs]
    return {key: sum(row[key] for row in rows) / len(rows) for key in rows[0]}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="alternating timed rounds (median)")
    args = parser.parse_args(argv)
    refs = load_s1_ppr_l()
    rng = np.random.default_rng(0)
    preds = [perturb(r, 3, rng) for r in refs]
    preds_py, refs_py = [p.tolist() for p in preds], [r.tolist() for r in refs]
    record: dict = {
        "benchmark": "ppr",
        "data": "IMPACT PPR-L S1 test (groundTruth_PPR_L), perturbed predictions",
        "videos": len(refs),
        "frames": int(sum(r.size for r in refs)),
    }
    for aggregate in ("pooled", "per_video"):
        fast_fn = lambda agg=aggregate: ppr_scores(preds, refs, aggregate=agg)  # noqa: E731
        timing = compare(lambda agg=aggregate: baseline_ppr(preds_py, refs_py, agg), fast_fn, args.repeats)
        fused = compare(
            lambda agg=aggregate: baseline_ppr_fused(preds_py, refs_py, agg), fast_fn, args.repeats
        )
        base = timing.pop("results")["baseline"]
        base_fused = fused.pop("results")["baseline"]
        fast = ppr_scores(preds, refs, aggregate=aggregate)
        timing["max_abs_diff"] = max(max(abs(base[k] - fast[k]), abs(base_fused[k] - fast[k])) for k in base)
        timing["fused_baseline_cpu_s"] = fused["baseline_cpu_s"]
        timing["ratio_vs_fused"] = fused["ratio"]
        timing["scores"] = {k: round(fast[k], 6) for k in base}
        record[aggregate] = timing
    record["ratio"] = min(record["pooled"]["ratio"], record["per_video"]["ratio"])
    record.update(
        target_ratio=TARGET_RATIO,
        repeats=args.repeats,
        python=platform.python_version(),
        numpy=np.__version__,
    )
    print(json.dumps(record))
    atomic_write_json(RESULTS, record)
    return record


if __name__ == "__main__":
    main()
