"""Stand-in for the EgoProactive challenge's official scorer run (``run_evaluation.py --task proactive --eval-only``).

The official starter kit (``starter_kit/run_evaluation.py`` of ``facebook/wearable-ai``) is not part of this
repository, so this is a plain re-implementation of its proactive path, written from its documented rules
(spec ``pro2bench-procobject-hf.md`` §1.3), used by ``benchmarks/bench_intervention.py`` as "the official
scorer's own run" on the same files:

* read the gold and the prediction JSONL with ``json.loads`` per non-blank line;
* sessions are matched by list order (different counts: error);
* per session, compare position by position over ``min(len(gold), len(pred))`` and add
  ``|len(gold) - len(pred)|`` to ``skipped_chunks``; a response interrupts iff ``lstrip()`` of it starts
  with ``$interrupt$``;
* pool TP / FP / TN / FN over all chunks (interrupt = positive), P / R / F1 per class with 0/0 = 0,
  ``macro_f1`` = mean of the two F1s, ``gmean_f1`` = the square root of their product, a per-``task``
  breakdown, every value rounded to 4 decimals;
* write ``results.json`` and its ``_summary`` (without ``per_row``).

Run: ``python -m benchmarks.official_proactive_scorer --golden G.jsonl --predictions P.jsonl --output R.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
from collections import defaultdict


def load_jsonl(path: str) -> list[dict]:
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def parse_tag(response: str) -> str:
    return "interrupt" if response.lstrip().startswith("$interrupt$") else "silent"


def binary_metrics(tp: int, fp: int, tn: int, fn: int) -> dict:
    int_p = tp / (tp + fp) if tp + fp > 0 else 0.0
    int_r = tp / (tp + fn) if tp + fn > 0 else 0.0
    int_f1 = 2 * int_p * int_r / (int_p + int_r) if int_p + int_r > 0 else 0.0
    sil_p = tn / (tn + fn) if tn + fn > 0 else 0.0
    sil_r = tn / (tn + fp) if tn + fp > 0 else 0.0
    sil_f1 = 2 * sil_p * sil_r / (sil_p + sil_r) if sil_p + sil_r > 0 else 0.0
    return {
        "macro_f1": round((int_f1 + sil_f1) / 2, 4),
        "gmean_f1": round(math.sqrt(int_f1 * sil_f1), 4),
        "interrupt_precision": round(int_p, 4),
        "interrupt_recall": round(int_r, 4),
        "interrupt_f1": round(int_f1, 4),
        "silent_precision": round(sil_p, 4),
        "silent_recall": round(sil_r, 4),
        "silent_f1": round(sil_f1, 4),
        "tp": tp,
        "fp": fp,
        "tn": tn,
        "fn": fn,
        "support": tp + fp + tn + fn,
    }


def score_proactive(golden: list[dict], preds: list[dict]) -> dict:
    if len(golden) != len(preds):
        raise ValueError(f"golden has {len(golden)} entries but predictions has {len(preds)}")
    total = {"tp": 0, "fp": 0, "tn": 0, "fn": 0}
    per_task: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "fp": 0, "tn": 0, "fn": 0})
    per_row = []
    skipped_chunks = 0
    for i, (g, p) in enumerate(zip(golden, preds)):
        gold_answers, pred_answers = g["answers"], p.get("answers", [])
        task = str(g.get("task", "unknown"))
        counts = {"tp": 0, "fp": 0, "tn": 0, "fn": 0}
        tags = []
        for j in range(min(len(gold_answers), len(pred_answers))):
            gold_tag, pred_tag = parse_tag(gold_answers[j]), parse_tag(pred_answers[j])
            tags.append({"gold": gold_tag, "pred": pred_tag})
            if gold_tag == "interrupt":
                counts["tp" if pred_tag == "interrupt" else "fn"] += 1
            else:
                counts["fp" if pred_tag == "interrupt" else "tn"] += 1
        skipped_chunks += abs(len(gold_answers) - len(pred_answers))
        for key, value in counts.items():
            total[key] += value
            per_task[task][key] += value
        per_row.append(
            {
                "index": i,
                "video_path": g.get("video_path", ""),
                "task": task,
                "num_chunks": len(gold_answers),
                "tags": tags,
            }
        )
    return {
        "overall": binary_metrics(**total),
        "per_task": {t: binary_metrics(**c) for t, c in sorted(per_task.items())},
        "total_sessions": len(golden),
        "skipped_chunks": skipped_chunks,
        "per_row": per_row,
    }


def run(golden_path: str, preds_path: str, output_path: str) -> dict:
    """Read both files, score, write ``results.json`` and its summary; return the results."""
    results = score_proactive(load_jsonl(golden_path), load_jsonl(preds_path))
    os.makedirs(os.path.dirname(output_path) or ".", exist_ok=True)
    with open(output_path, "w") as f:
        json.dump(results, f, indent=2)
    base, ext = os.path.splitext(output_path)
    with open(f"{base}_summary{ext or '.json'}", "w") as f:
        json.dump({k: v for k, v in results.items() if k != "per_row"}, f, indent=2)
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--golden", required=True)
    ap.add_argument("--predictions", required=True)
    ap.add_argument("--output", required=True)
    args = ap.parse_args(argv)
    overall = run(args.golden, args.predictions, args.output)["overall"]
    print(f"Macro F1: {overall['macro_f1']:.4f}  G-mean F1: {overall['gmean_f1']:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
