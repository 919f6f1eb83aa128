"""ASR benchmark: vectorised ``proceval.scores.asr.asr_scores`` vs a straightforward pure-Python evaluator.

Run with ``python -m benchmarks.bench_asr`` (``--repeats N``). It

1. unpacks the IMPACT release (``proceval.benchmarks.impact.release_cache.unpack_impact_release``) and reads the dense
   ground-truth states of the 18 S1 test videos (``ASR/splits_front_only_v1/test.split1.bundle``,
   ``ASR/annotations/*_asr.json``; 17 components each);
2. builds deterministic predictions: every state change 15 frames later, plus 0.5 % of frames set to a
   random state (seed 0), which adds spurious short transitions;
3. times, in the same process and alternately, a pure-Python evaluator (frame loops for the pooled
   per-state counts, list-based transitions and greedy first-fit matching) and ``asr_scores``, checks they give
   the same numbers, and reports median wall and CPU times; ``ratio`` is the ratio of median CPU times
   (the machine is shared), ``ratio_wall`` that of wall times;
4. prints one JSON line and writes it (atomically) to ``benchmarks/results/asr.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

import numpy as np

from benchmarks._timing import compare
from proceval.benchmarks.impact.formats.asr import read_asr_file
from proceval.benchmarks.impact.formats.bundles import read_bundle
from proceval.benchmarks.impact.release_cache import unpack_impact_release
from proceval.io import atomic_write_json
from proceval.scores.asr import asr_scores

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results" / "asr.json"
TARGET_RATIO = 20.0
TOLERANCE = 30


# ----------------------------------------------------------------------------- data
def load_s1_states() -> tuple[list[str], list[np.ndarray]]:
    asr_dir = unpack_impact_release() / "dataset" / "ASR"
    ids = read_bundle(asr_dir / "splits_front_only_v1" / "test.split1.bundle")
    refs = [read_asr_file(asr_dir / "annotations" / f"{v}_asr.json").dense().astype(np.int64) for v in ids]
    return ids, refs


def perturb(
    states: np.ndarray, rng: np.random.Generator, delay: int = 15, noise: float = 0.005
) -> np.ndarray:
    out = states.copy()
    n = states.shape[1]
    for c in range(states.shape[0]):
        t = np.flatnonzero(states[c, 1:] != states[c, :-1]) + 1
        for k, start in enumerate(t):
            end = t[k + 1] if k + 1 < len(t) else n
            out[c, start : min(start + delay, end)] = states[c, start - 1]
    flip = rng.random(out.shape) < noise
    out[flip] = rng.integers(-1, 2, int(flip.sum()))
    return out


# ----------------------------------------------------------------------------- pure-Python baseline
def baseline_asr(preds: list[list[list[int]]], refs: list[list[list[int]]]) -> dict[str, float]:
    n_comp = len(refs[0])
    tp = [[0, 0, 0] for _ in range(n_comp)]
    fp = [[0, 0, 0] for _ in range(n_comp)]
    fn = [[0, 0, 0] for _ in range(n_comp)]
    trans = [0.0] * n_comp
    final = [0.0] * n_comp
    for pred, ref in zip(preds, refs, strict=True):
        for c in range(n_comp):
            g, p = ref[c], pred[c]
            for t in range(len(g)):
                a, b = g[t] + 1, p[t] + 1
                if a == b:
                    tp[c][a] += 1
                else:
                    fp[c][b] += 1
                    fn[c][a] += 1
            gt_tr = [(t, g[t]) for t in range(1, len(g)) if g[t] != g[t - 1]]
            pr_tr = [(t, p[t]) for t in range(1, len(p)) if p[t] != p[t - 1]]
            used = [False] * len(pr_tr)
            hits = 0
            for tg, sg in gt_tr:
                for i, (tq, sq) in enumerate(pr_tr):
                    if not used[i] and sq == sg and abs(tq - tg) <= TOLERANCE:
                        used[i] = True
                        hits += 1
                        break
            prec = hits / len(pr_tr) if pr_tr else 0.0
            rec = hits / len(gt_tr) if gt_tr else 0.0
            trans[c] += 2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0
            final[c] += 1.0 if p[-1] == g[-1] else 0.0
    macro = 0.0
    for c in range(n_comp):
        for k in range(3):
            prec = tp[c][k] / (tp[c][k] + fp[c][k]) if tp[c][k] + fp[c][k] else 0.0
            rec = tp[c][k] / (tp[c][k] + fn[c][k]) if tp[c][k] + fn[c][k] else 0.0
            macro += (2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0) / 3
    n_vid = len(refs)
    return {
        "macro_f1": macro / n_comp,
        "transition_f1": sum(trans) / n_vid / n_comp,
        "final_state_accuracy": sum(final) / n_vid / n_comp,
    }


# ----------------------------------------------------------------------------- timing
def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each implementation (median)")
    args = parser.parse_args(argv)
    ids, refs = load_s1_states()
    rng = np.random.default_rng(0)
    preds = [perturb(r, rng) for r in refs]
    preds_py, refs_py = [p.tolist() for p in preds], [r.tolist() for r in refs]

    timing = compare(
        lambda: baseline_asr(preds_py, refs_py),
        lambda: asr_scores(preds, refs, tolerance_frames=TOLERANCE, ids=ids),
        args.repeats,
    )
    base = timing.pop("results")["baseline"]
    fast = asr_scores(preds, refs, tolerance_frames=TOLERANCE, ids=ids)
    max_abs_diff = max(abs(base[k] - fast[k]) for k in base)
    record = {
        "benchmark": "asr",
        "data": "IMPACT ASR S1 test (18 front videos, 17 components), transitions delayed 15 frames + 0.5% noise",
        "videos": len(refs),
        "frames": int(sum(r.shape[1] for r in refs)),
        "gt_transitions": int(sum(np.count_nonzero(r[:, 1:] != r[:, :-1]) for r in refs)),
        "pred_transitions": int(sum(np.count_nonzero(p[:, 1:] != p[:, :-1]) for p in preds)),
        "tolerance_frames": TOLERANCE,
        **timing,
        "target_ratio": TARGET_RATIO,
        "max_abs_diff": max_abs_diff,
        "scores": {k: round(fast[k], 6) for k in base},
        "signature": fast["signature"],
        "repeats": args.repeats,
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    print(json.dumps(record))
    atomic_write_json(RESULTS, record)
    return record


if __name__ == "__main__":
    main()
