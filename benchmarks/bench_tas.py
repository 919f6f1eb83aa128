"""TAS benchmark: vectorised ``tas_scores`` vs a straightforward MS-TCN-style pure-Python evaluator.

Run with ``python -m benchmarks.bench_tas`` (``--repeats N``). It

1. unpacks the IMPACT release (``proceval.benchmarks.impact.release_cache.unpack_impact_release``) and reads the S1 test
   ground truth of TAS-S (``TAS/splits_CAS/test.split1.bundle``, ``groundTruth_CAS``: 56 videos);
2. builds deterministic perturbed predictions: every boundary 15 frames later, every 5th segment
   relabelled, and 0.2 % of frames flipped to a random label (seed 0), which fragments segments the way
   model outputs do;
3. times, in the same process and alternately, the MS-TCN ``eval.py`` loops (run-length encoding and
   Levenshtein in Python, per-prediction numpy IoU over GT segments, pooled TP/FP/FN, background
   ``[0]``) and ``tas_scores(convention="mstcn")``, checks that they give the same numbers, and reports
   median wall and CPU times; ``ratio`` is the ratio of median CPU times (the machine is shared, so
   wall time is noisy), ``ratio_wall`` that of wall times;
4. prints one JSON line and writes it (atomically) to ``benchmarks/results/tas.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

import numpy as np

from benchmarks._timing import compare
from proceval.benchmarks.impact.formats.bundles import read_bundle
from proceval.benchmarks.impact.formats.frame_labels import read_frame_labels
from proceval.benchmarks.impact.formats.labelmaps import read_label_map
from proceval.benchmarks.impact.release_cache import unpack_impact_release
from proceval.io import atomic_write_json
from proceval.scores.tas import tas_scores

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results" / "tas.json"
TARGET_RATIO = 20.0
OVERLAPS = (0.1, 0.25, 0.5)
BG = (0,)


# ----------------------------------------------------------------------------- data
def load_s1_cas() -> tuple[list[str], list[np.ndarray]]:
    tas_dir = unpack_impact_release() / "dataset" / "TAS"
    names = read_label_map(tas_dir / "mapping_CAS.txt")
    lookup = {n: i for i, n in enumerate(names)}
    ids = read_bundle(tas_dir / "splits_CAS" / "test.split1.bundle")
    refs = [read_frame_labels(tas_dir / "groundTruth_CAS" / f"{v}.txt", lookup) for v in ids]
    return names, refs


def perturb(frames: np.ndarray, num_classes: int, rng: np.random.Generator, k: int = 15) -> np.ndarray:
    change = np.flatnonzero(frames[1:] != frames[:-1]) + 1
    starts = np.minimum(np.concatenate(([0], change + k)), frames.size)
    ends = np.concatenate((starts[1:], [frames.size]))
    labels = frames[np.concatenate(([0], change))]
    out = frames.copy()
    for i, (lab, s, e) in enumerate(zip(labels, starts, ends, strict=True)):
        out[s:e] = (lab + 1) % num_classes if i % 5 == 4 else lab
    flip = rng.random(frames.size) < 0.002
    out[flip] = rng.integers(0, num_classes, int(flip.sum()))
    return out


# ----------------------------------------------------------------------------- MS-TCN-style baseline
def _segments(frames, bg):
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
        ends.append(i + 1)
    return labels, starts, ends


def _levenshtein(p, y):
    d = [[0] * (len(y) + 1) for _ in range(len(p) + 1)]
    for i in range(len(p) + 1):
        d[i][0] = i
    for j in range(len(y) + 1):
        d[0][j] = j
    for j in range(1, len(y) + 1):
        for i in range(1, len(p) + 1):
            if y[j - 1] == p[i - 1]:
                d[i][j] = d[i - 1][j - 1]
            else:
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + 1)
    return d[-1][-1]


def _f_score(pred, gt, overlap, bg):
    p_lab, p_s, p_e = _segments(pred, bg)
    y_lab, y_s, y_e = _segments(gt, bg)
    tp = fp = 0
    hits = np.zeros(len(y_lab))
    for j in range(len(p_lab)):
        inter = np.minimum(p_e[j], y_e) - np.maximum(p_s[j], y_s)
        union = np.maximum(p_e[j], y_e) - np.minimum(p_s[j], y_s)
        iou = (1.0 * inter / union) * np.array([p_lab[j] == y_lab[x] for x in range(len(y_lab))])
        idx = int(np.array(iou).argmax())
        if iou[idx] >= overlap and not hits[idx]:
            tp += 1
            hits[idx] = 1
        else:
            fp += 1
    return tp, fp, len(y_lab) - int(hits.sum())


def baseline_mstcn(preds: list[list[int]], refs: list[list[int]]) -> dict[str, float]:
    correct = total = 0
    edit = 0.0
    tp, fp, fn = [0] * 3, [0] * 3, [0] * 3
    for pred, gt in zip(preds, refs, strict=True):
        for i in range(len(gt)):
            total += 1
            if gt[i] == pred[i]:
                correct += 1
        p, _, _ = _segments(pred, BG)
        y, _, _ = _segments(gt, BG)
        edit += 1.0 - _levenshtein(p, y) / max(len(p), len(y))
        for s, overlap in enumerate(OVERLAPS):
            a, b, c = _f_score(pred, gt, overlap, BG)
            tp[s], fp[s], fn[s] = tp[s] + a, fp[s] + b, fn[s] + c
    out = {"accuracy": correct / total, "edit": edit / len(refs)}
    for s, key in enumerate(("f1_at_10", "f1_at_25", "f1_at_50")):
        precision, recall = tp[s] / (tp[s] + fp[s]), tp[s] / (tp[s] + fn[s])
        out[key] = 2.0 * (precision * recall) / (precision + recall) if tp[s] else 0.0
    return out


# ----------------------------------------------------------------------------- timing
def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each implementation (median)")
    args = parser.parse_args(argv)
    names, refs = load_s1_cas()
    rng = np.random.default_rng(0)
    preds = [perturb(r, len(names), rng) for r in refs]
    preds_py, refs_py = [p.tolist() for p in preds], [r.tolist() for r in refs]

    timing = compare(
        lambda: baseline_mstcn(preds_py, refs_py),
        lambda: tas_scores(preds, refs, convention="mstcn"),
        args.repeats,
    )
    base, fast = timing.pop("results")["baseline"], None
    fast = tas_scores(preds, refs, convention="mstcn")
    max_abs_diff = max(abs(base[k] - fast[k]) for k in base)
    record = {
        "benchmark": "tas",
        "data": "IMPACT TAS-S S1 test (groundTruth_CAS), perturbed predictions",
        "videos": len(refs),
        "frames": int(sum(r.size for r in refs)),
        "gt_segments": int(sum(np.count_nonzero(r[1:] != r[:-1]) + 1 for r in refs)),
        "pred_segments": int(sum(np.count_nonzero(p[1:] != p[:-1]) + 1 for p in preds)),
        "convention": "mstcn",
        **timing,
        "target_ratio": TARGET_RATIO,
        "max_abs_diff": max_abs_diff,
        "scores": {k: round(fast[k], 6) for k in base},
        "repeats": args.repeats,
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    print(json.dumps(record))
    atomic_write_json(RESULTS, record)
    return record


if __name__ == "__main__":
    main()
