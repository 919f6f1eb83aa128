"""Grounding benchmark: vectorised ``grounding_scores`` vs a straightforward Python implementation.

Run with ``python -m benchmarks.bench_grounding`` (``--repeats N``). It synthesises 10,522 questions (the
size of ProcObject-10K) with the release's span statistics: 1 / 2 / 3 / 4 / 5 gold spans for 4,990 /
3,819 / 1,253 / 373 / 87 questions (mean 1.74), clip lengths around 72.3 s (normal, sd 30 s, clipped to
[10, 180] s), disjoint gold spans; predictions keep each gold span with probability 0.8 and jitter its
ends (sd 3 s), add a long extra span to 20 % of the questions (so merging has work to do) and leave 5 %
empty (seed 0). Inputs are ``{id: [[start_s, end_s], ...]}`` mappings (Python lists); a third run
(``default_from_dataset``) reads the references from a ``datasets.Dataset`` holding them, as the task
adapter does: the baseline takes ``ds["evidence"]`` (Python lists), ``grounding_scores`` the Arrow column.

The baseline is the official definition written plainly: the predicted evidence is parsed (each time
read as a float, as the toolkit parses ``predicted_evidence``), the spans are merged with a sorted loop,
and ``IoU``, ``IoP`` and ``IoG`` are written as the MultiHop-EgoQA evaluator writes them (each checks the
format and sums the pairwise intersections); it returns per-question values, the three means and IoU@k.
Both implementations are timed alternately in one process (``benchmarks/_timing.py``) for the default
options and for ``merge=False, span_mode="integer_inclusive", empty_prediction="skip"``, checked to agree,
and the result is printed as one JSON line and written atomically to ``benchmarks/results/grounding.json``.
``grounding_scores`` reads Python span lists with the compiled reader of :mod:`proceval.native` when it
is built (``compiled_reader`` in the record); the default case is also timed with it turned off
(``default_without_compiled_reader``: ``pyarrow.array`` reads the lists), in the same run.
"""

from __future__ import annotations

import argparse
import json
import platform

import numpy as np

from benchmarks._timing import compare
from proceval import native
from proceval.io import atomic_write_json
from proceval.scores.grounding import grounding_scores

RESULTS_NAME = "grounding.json"
TARGET_RATIO = 20.0
SPAN_COUNTS = {1: 4990, 2: 3819, 3: 1253, 4: 373, 5: 87}
THRESHOLDS = (0.3, 0.5, 0.7)


def synthesise(seed: int = 0) -> tuple[dict, dict, dict]:
    """``(predictions, references, durations)`` keyed by question id (see the module docstring)."""
    rng = np.random.default_rng(seed)
    counts = np.repeat(list(SPAN_COUNTS), list(SPAN_COUNTS.values()))
    rng.shuffle(counts)
    preds, refs, durations = {}, {}, {}
    for i, k in enumerate(counts.tolist()):
        qid = f"q{i:05d}"
        duration = float(np.clip(rng.normal(72.3, 30.0), 10.0, 180.0))
        cuts = np.sort(rng.uniform(0.0, duration, 2 * k)).round(2).tolist()
        gold = [[cuts[2 * j], cuts[2 * j + 1]] for j in range(k)]
        if rng.random() < 0.05:
            pred = []
        else:
            pred = []
            for s, e in gold:
                if rng.random() < 0.8:
                    s2 = min(duration, max(0.0, s + float(rng.normal(0.0, 3.0))))
                    e2 = min(duration, max(s2, e + float(rng.normal(0.0, 3.0))))
                    pred.append([round(s2, 2), round(e2, 2)])
            if rng.random() < 0.2:
                pred.append(
                    [
                        round(float(rng.uniform(0, duration / 2)), 2),
                        round(float(rng.uniform(duration / 2, duration)), 2),
                    ]
                )
        preds[qid], refs[qid], durations[qid] = pred, gold, round(duration, 2)
    return preds, refs, durations


def baseline_grounding(
    preds: dict, refs: dict, *, merge: bool = True, inclusive: bool = False, skip_empty: bool = False
) -> dict:
    """The official definition written plainly (see the module docstring)."""
    plus = 1 if inclusive else 0

    def ensure_format(pred, gt):
        pred = [pred] if isinstance(pred[0], (int, float)) else pred
        gt = [gt] if isinstance(gt[0], (int, float)) else gt
        if not all(isinstance(i, list) and len(i) == 2 for i in pred + gt):
            raise ValueError("bad interval")
        return pred, gt

    def interval_intersection(a, b):
        return max(0, min(a[1], b[1]) - max(a[0], b[0]) + plus)

    def iou(pred, gt):
        pred, gt = ensure_format(pred, gt)
        inter = sum(interval_intersection(p, g) for p in pred for g in gt)
        union = sum(p[1] - p[0] + plus for p in pred) + sum(g[1] - g[0] + plus for g in gt) - inter
        return inter / union if union != 0 else 0

    def iop(pred, gt):
        pred, gt = ensure_format(pred, gt)
        inter = sum(interval_intersection(p, g) for p in pred for g in gt)
        total = sum(p[1] - p[0] + plus for p in pred)
        return inter / total if total != 0 else 0

    def iog(pred, gt):
        pred, gt = ensure_format(pred, gt)
        inter = sum(interval_intersection(p, g) for p in pred for g in gt)
        total = sum(g[1] - g[0] + plus for g in gt)
        return inter / total if total != 0 else 0

    def merge_spans(spans):
        out = []
        for s, e in sorted(spans):
            if out and s <= out[-1][1]:
                out[-1][1] = max(out[-1][1], e)
            else:
                out.append([s, e])
        return out

    per = {"id": [], "iou": [], "iop": [], "iog": []}
    scored = {"iou": [], "iop": [], "iog": []}
    hits = dict.fromkeys(THRESHOLDS, 0)
    for qid, gold in refs.items():
        pred = [[float(s), float(e)] for s, e in preds[qid]]  # the toolkit parses the predicted evidence
        if merge:
            pred, gold = merge_spans(pred), merge_spans(gold)
        values = (iou(pred, gold), iop(pred, gold), iog(pred, gold)) if pred else (0.0, 0.0, 0.0)
        per["id"].append(qid)
        for name, v in zip(("iou", "iop", "iog"), values):
            per[name].append(float("nan") if skip_empty and not pred else v)
            if pred or not skip_empty:
                scored[name].append(v)
        for t in THRESHOLDS:
            hits[t] += values[0] > t
    n = len(refs)
    out = {f"mean_{k}": sum(v) / len(v) for k, v in scored.items()}
    out.update({f"iou_at_{t:g}".replace(".", "_"): hits[t] / n for t in THRESHOLDS})
    out["per_question"] = per
    return out


def max_diff(base: dict, fast: dict) -> float:
    keys = [k for k in base if k != "per_question"]
    diff = max(abs(base[k] - fast[k]) for k in keys)
    for name in ("iou", "iop", "iog"):
        a, b = np.asarray(base["per_question"][name]), np.asarray(fast["per_question"][name])
        diff = max(diff, float(np.nanmax(np.abs(a - b))))
        if not np.array_equal(np.isnan(a), np.isnan(b)):
            return float("inf")
    return diff


CASES = {
    "default": ({}, {}),
    "multihop_egoqa": (
        {"merge": False, "span_mode": "integer_inclusive", "empty_prediction": "skip"},
        {"merge": False, "inclusive": True, "skip_empty": True},
    ),
}


def as_dataset(refs: dict):
    """The references as a ``datasets.Dataset`` with the ProcObject ``evidence`` feature (Arrow-backed)."""
    import datasets

    features = datasets.Features(
        {
            "id": datasets.Value("string"),
            "evidence": datasets.List(datasets.List(datasets.Value("float64"), length=2)),
        }
    )
    return datasets.Dataset.from_dict({"id": list(refs), "evidence": list(refs.values())}, features=features)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="alternating timed rounds (median)")
    args = parser.parse_args(argv)
    preds, refs, _ = synthesise(0)
    spans = [len(v) for v in refs.values()]
    record: dict = {
        "benchmark": "grounding",
        "data": "synthetic, ProcObject-10K span statistics (seed 0)",
        "questions": len(refs),
        "gold_spans": sum(spans),
        "mean_gold_spans": round(sum(spans) / len(spans), 3),
        "predicted_spans": sum(len(v) for v in preds.values()),
    }
    for case, (fast_kw, base_kw) in CASES.items():
        timing = compare(
            lambda kw=base_kw: baseline_grounding(preds, refs, **kw),
            lambda kw=fast_kw: grounding_scores(preds, refs, **kw),
            args.repeats,
        )
        results = timing.pop("results")
        timing["max_abs_diff"] = max_diff(results["baseline"], results["vectorised"])
        timing["scores"] = {
            k: round(v, 6) for k, v in results["vectorised"].items() if k.startswith(("mean_", "iou_at"))
        }
        record[case] = timing
    # from the dataset, as the task adapter scores a config: both implementations read the references
    # from the same Arrow-backed dataset (the baseline as Python lists, proceval from the Arrow column)
    ds = as_dataset(refs)
    ids = list(refs)
    timing = compare(
        lambda: baseline_grounding(preds, dict(zip(ids, ds["evidence"]))),
        lambda: grounding_scores(preds, ds.with_format("arrow")["evidence"], ids=ids),
        args.repeats,
    )
    results = timing.pop("results")
    timing["max_abs_diff"] = max_diff(results["baseline"], results["vectorised"])
    record["default_from_dataset"] = timing

    # the same lists read without the compiled reader (``pyarrow.array`` instead), for comparison
    def without_reader():
        with native.disabled():
            return grounding_scores(preds, refs)

    timing = compare(lambda: baseline_grounding(preds, refs), without_reader, args.repeats)
    results = timing.pop("results")
    timing["max_abs_diff"] = max_diff(results["baseline"], results["vectorised"])
    record["default_without_compiled_reader"] = timing
    record["ratio"] = min(record[c]["ratio"] for c in CASES)
    record["ratio_from_dataset"] = record["default_from_dataset"]["ratio"]
    record.update(
        compiled_reader=native.AVAILABLE,
        target_ratio=TARGET_RATIO,
        repeats=args.repeats,
        python=platform.python_version(),
        numpy=np.__version__,
    )
    print(json.dumps(record))
    from pathlib import Path

    atomic_write_json(Path(__file__).resolve().parent / "results" / RESULTS_NAME, record)
    return record


if __name__ == "__main__":
    main()
