"""PSR benchmark: time of the exact partial-order POS search per real IMPACT test video.

Run with ``python -m benchmarks.bench_psr`` (``--baseline`` also times a plain A* without the pruning).
It

1. unpacks the IMPACT release and builds, for the 18 S1 test videos, two kinds of ground truth:
   ``graph`` — events from the dense ASR states (``install_ok`` / ``recover_ok`` / ``remove_ok`` graph
   nodes, PSR ``procedure_graph.json``), and ``gemini`` — ``PSR_labels.csv`` mapped to
   ``component__install`` / ``component__remove``, first occurrences, collapsed graph (the Gemini
   evaluator's setting, where disassembly GT orders violate the graph);
2. builds deterministic predictions per video: the GT itself, the GT reversed, a seeded shuffle, and
   noisy copies (seed 0: events dropped, replaced, duplicated, adjacent pairs swapped at rates 0.1-0.5);
3. times ``closest_linear_extension(gt, pred, prereq, bound=len(gt))`` (what POS needs) on every pair,
   and reports the slowest video/case, the per-video total and the overall total (CPU seconds);
4. with ``--baseline``, also times a plain A* in the style of IMPACT's
   ``closest_valid_topological_order_exact`` (L1 heuristic, substitutions generated, no forced moves,
   same bound) on the same pairs in order until ``--baseline-budget`` CPU seconds are spent, checks
   that both give the same distances, and records the ratio of CPU times on the pairs compared;
5. prints one JSON line and writes it (atomically) to ``benchmarks/results/psr.json``.
"""

from __future__ import annotations

import argparse
import heapq
import json
import platform
import random
import time
from pathlib import Path

from proceval.benchmarks.impact.formats.bundles import read_bundle
from proceval.benchmarks.impact.release_cache import unpack_impact_release
from proceval.benchmarks.impact.state_events import (
    collapse_prereq,
    dense_states_from_sequence,
    first_occurrences,
    states_to_events,
)
from proceval.io import atomic_write_json
from proceval.scores._partial_order import closest_linear_extension, occurrence_predecessor_masks

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results" / "psr.json"


# ----------------------------------------------------------------------------- data
def load_cases(release: Path) -> dict[str, tuple[dict, dict[str, list[str]]]]:
    """``{kind: (prereq, {video_id: gt labels})}`` for kind in ("graph", "gemini")."""
    dataset = release / "dataset"
    configs = release / "task_configs" / "PSR" / "gemini_3_1_pro" / "configs"
    graph = json.loads((configs / "procedure_graph.json").read_text())
    alias = json.loads((configs / "component_alias.json").read_text())
    ids = read_bundle(dataset / "ASR" / "splits_front_only_v1" / "test.split1.bundle")
    graph_gt = {}
    for vid in ids:
        data = json.loads((dataset / "ASR" / "annotations" / f"{vid}_asr.json").read_text())
        states = dense_states_from_sequence(data["state_sequence"], data["frame_count"], video_id=vid)
        names = [c["name"] for c in data["components"]]
        events = states_to_events(states, names, graph_nodes=graph["nodes"], alias=alias, video_id=vid)
        graph_gt[vid] = [e["label"] for e in events]
    psr_dir = dataset / "PSR" / "labels_front_only_v1"
    comp_names = json.loads((psr_dir / "component_names.json").read_text())
    info = {int(e["id"]): e for e in json.loads((psr_dir / "procedure_info_IMPACT.json").read_text())}
    gemini_gt = {}
    for vid in ids:
        events = []
        for line in (psr_dir / "test" / vid / "PSR_labels.csv").read_text().splitlines():
            if not line.strip():
                continue
            frame_name, step_id, _ = line.split(",", 2)
            step = info[int(step_id)]
            comp = alias.get(comp_names[step["state_idx"]], comp_names[step["state_idx"]])
            if step["description"].startswith("Install "):
                events.append({"frame": int(frame_name.removesuffix(".jpg")), "label": f"{comp}__install"})
            elif step["description"].startswith("Remove "):
                events.append({"frame": int(frame_name.removesuffix(".jpg")), "label": f"{comp}__remove"})
        gemini_gt[vid] = [e["label"] for e in first_occurrences(events)]
    return {
        "graph": (graph["prereq"], graph_gt),
        "gemini": (collapse_prereq(graph["prereq"], alias), gemini_gt),
    }


def predictions(gt: list[str], vocab: list[str], rng: random.Random) -> dict[str, list[str]]:
    out = {"self": list(gt), "reverse": gt[::-1]}
    shuffled = list(gt)
    rng.shuffle(shuffled)
    out["shuffle"] = shuffled
    for rate in (0.1, 0.3, 0.5):
        pred: list[str] = []
        for label in gt:
            r = rng.random()
            if r < rate / 3:
                continue
            if r < 2 * rate / 3:
                pred.append(rng.choice(gt))
            elif r < rate:
                pred.extend([label, rng.choice(vocab)])
            else:
                pred.append(label)
        for i in range(len(pred) - 1):
            if rng.random() < rate:
                pred[i], pred[i + 1] = pred[i + 1], pred[i]
        out[f"noise{rate}"] = pred
    return out


# ----------------------------------------------------------------------------- plain A* baseline
def plain_astar(gt: list[str], pred: list[str], prereq: dict, bound: int) -> int:
    """A* over (placed mask, consumed prefix) with the L1 label-count heuristic and every move."""
    n, m = len(gt), len(pred)
    if n == 0:
        return min(m, bound)
    masks = occurrence_predecessor_masks(gt, prereq)
    labels = sorted(set(gt) | set(pred))

    def h(mask: int, j: int) -> int:
        rem = {lab: 0 for lab in labels}
        for i in range(n):
            if not mask >> i & 1:
                rem[gt[i]] += 1
        for lab in pred[j:]:
            rem[lab] -= 1
        return sum(abs(v) for v in rem.values())

    def avail(mask: int) -> list[int]:
        return [i for i in range(n) if not mask >> i & 1 and masks[i] & ~mask == 0]

    best = {(0, 0): 0}
    heap = [(h(0, 0), 0, 0, 0)]
    full = (1 << n) - 1
    while heap:
        _, g, mask, j = heapq.heappop(heap)
        if best.get((mask, j)) != g:
            continue
        if mask == full and j == m:
            return g
        moves = []
        if j < m:
            moves.append((mask, j + 1, 1))
        for x in avail(mask):
            moves.append((mask | 1 << x, j, 1))
            if j < m:
                moves.append((mask | 1 << x, j + 1, 0 if gt[x] == pred[j] else 2))
        if j + 1 < m:
            for x in avail(mask):
                if gt[x] == pred[j + 1]:
                    for y in avail(mask | 1 << x):
                        if gt[y] == pred[j]:
                            moves.append((mask | 1 << x | 1 << y, j + 2, 1))
        for nm, nj, cost in moves:
            ng = g + cost
            if ng < best.get((nm, nj), bound + 1):
                f = ng + h(nm, nj)
                if f < bound:
                    best[(nm, nj)] = ng
                    heapq.heappush(heap, (f, ng, nm, nj))
    return bound


# ----------------------------------------------------------------------------- timing
def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", action="store_true", help="also time the plain A* (slow)")
    parser.add_argument(
        "--baseline-budget", type=float, default=120.0, help="CPU seconds after which the plain A* is skipped"
    )
    args = parser.parse_args(argv)
    cases = load_cases(unpack_impact_release())
    rng = random.Random(0)
    per_video: dict[str, float] = {}
    slowest = {"cpu_s": -1.0}
    total = base_total = ours_on_compared = 0.0
    pairs = compared = 0
    for kind, (prereq, gts) in cases.items():
        vocab = sorted({lab for labels in gts.values() for lab in labels})
        for vid, gt in gts.items():
            for case, pred in predictions(gt, vocab, rng).items():
                c0 = time.process_time()
                d, _ = closest_linear_extension(gt, pred, prereq, bound=len(gt))
                cpu = time.process_time() - c0
                total += cpu
                pairs += 1
                key = f"{kind}/{vid}"
                per_video[key] = per_video.get(key, 0.0) + cpu
                if cpu > slowest["cpu_s"]:
                    slowest = {
                        "cpu_s": cpu,
                        "video": vid,
                        "gt": kind,
                        "prediction": case,
                        "n": len(gt),
                        "d": d,
                    }
                if args.baseline and base_total < args.baseline_budget:
                    c0 = time.process_time()
                    d_base = plain_astar(gt, pred, prereq, max(len(gt), 0))
                    base_total += time.process_time() - c0
                    ours_on_compared += cpu
                    compared += 1
                    if min(d_base, len(gt)) != min(d, len(gt)):
                        raise RuntimeError(f"distance mismatch on {key}/{case}: {d} vs {d_base}")
    slow_video = max(per_video, key=per_video.get)
    record = {
        "benchmark": "psr",
        "data": "IMPACT PSR S1 test: 18 videos x (dense-state graph events, Gemini PSR_labels first occurrences)",
        "pairs": pairs,
        "max_gt_events": max(len(gt) for _, gts in cases.values() for gt in gts.values()),
        "total_cpu_s": round(total, 4),
        "slowest_pair": {k: round(v, 4) if isinstance(v, float) else v for k, v in slowest.items()},
        "slowest_video": {"video": slow_video, "cpu_s": round(per_video[slow_video], 4)},
        "per_video_cpu_s": {k: round(v, 4) for k, v in sorted(per_video.items())},
        "python": platform.python_version(),
    }
    if args.baseline:
        record["baseline_pairs_compared"] = compared
        record["baseline_cpu_s"] = round(base_total, 4)
        record["ours_cpu_s_on_compared"] = round(ours_on_compared, 4)
        record["ratio"] = round(base_total / ours_on_compared, 1) if ours_on_compared else None
    print(json.dumps(record))
    atomic_write_json(RESULTS, record)
    return record


if __name__ == "__main__":
    main()
