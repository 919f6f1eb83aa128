"""AF-S / AF-L / ATR score benchmark: vectorised proceval scores against plain pure-Python versions.

Run with ``python -m benchmarks.bench_af_atr``. On the real IMPACT release (unpacked into ``.cache/``
by :func:`proceval.benchmarks.impact.release_cache.unpack_impact_release`) it builds, with a fixed seed,

* AF-S: every hand segment of the S1 test videos (null included, ego ids normalised), oracle one-hot
  action logits plus Gaussian noise [N, 138], and times ``af_s_scores`` (action, per hand + overall)
  against a loop that sorts each score row and counts hits per class in dicts;
* AF-L: step windows (M = 2 observed, Z = 5 future, NULL runs dropped) from the S1 test exo CAS frame
  labels, K = 5 candidates (truth with random substitutions), and times ``af_l_scores``
  against a loop with a textbook dynamic-programming Levenshtein;
* ATR: per-frame probabilities [T, 6] painted from the L and R S1 test segments plus noise, and times
  ``atr_scores_from_frames`` against a loop that averages frames with ``sum`` and computes AP by sorting.

Each timing is the median of repeats; the numbers are checked equal before the ratio is reported. One
JSON line is printed and written (atomically) to ``benchmarks/results/af_atr.json``.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from proceval.benchmarks.impact.formats.bundles import read_bundle
from proceval.benchmarks.impact.formats.frame_labels import read_frame_label_names
from proceval.benchmarks.impact.formats.labelmaps import read_label_map
from proceval.benchmarks.impact.formats.naming import canonical_video_id
from proceval.benchmarks.impact.release_cache import unpack_impact_release
from proceval.io import atomic_write_json
from proceval.scores.af_l import af_l_scores
from proceval.scores.af_s import af_s_scores
from proceval.scores.atr import atr_scores_from_frames

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results" / "af_atr.json"
SEED = 0
REPEATS = 5


def _median_time(fn: Callable[[], Any], repeats: int = REPEATS) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


# --------------------------------------------------------------------------------------------- AF-S
def afs_samples(dataset: Path) -> tuple[np.ndarray, list[str]]:
    ann = dataset / "AF-S" / "Annotation"
    wanted = set(read_bundle(ann / "splits" / "test.split1.bundle"))
    actions, hands = [], []
    for folder in ("Front", "Left", "Right", "Top", "ego_valid"):
        for path in sorted((ann / folder).glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            if canonical_video_id(data["video_id"]) not in wanted:
                continue
            for seg in data["segments"]:
                actions.append(int(seg["action_label"]))
                hands.append(seg["entity"])
    return np.asarray(actions), hands


def plain_afs(
    scores: list[list[float]], targets: list[int], hands: list[str], k: int = 5
) -> dict[str, float]:
    out = {}
    for pool in ("overall", "left", "right"):
        hits: dict[int, int] = {}
        counts: dict[int, int] = {}
        for s, t, h in zip(scores, targets, hands, strict=True):
            if t == -100 or (pool != "overall" and h != pool):
                continue
            top = sorted(range(len(s)), key=lambda j: (-s[j], j))[:k]
            counts[t] = counts.get(t, 0) + 1
            hits[t] = hits.get(t, 0) + (t in top)
        out[pool] = sum(hits[c] / counts[c] for c in counts) / len(counts)
    return out


def bench_afs(dataset: Path) -> dict[str, Any]:
    targets, hands = afs_samples(dataset)
    rng = np.random.default_rng(SEED)
    logits = np.eye(138)[targets] * 2.0 + rng.normal(size=(targets.size, 138))
    fast_t, fast = _median_time(lambda: af_s_scores(logits, targets, hands))
    as_lists = logits.tolist()
    tlist = targets.tolist()
    plain_t, plain = _median_time(lambda: plain_afs(as_lists, tlist, hands), repeats=1)
    for pool in ("overall", "left", "right"):
        assert math.isclose(fast[f"{pool}_action_mean_top5_recall"], plain[pool], abs_tol=1e-12)
    return {
        "n_instances": int(targets.size),
        "fast_s": fast_t,
        "plain_s": plain_t,
        "ratio": plain_t / fast_t,
        "overall_action_mean_top5_recall": fast["overall_action_mean_top5_recall"],
    }


# --------------------------------------------------------------------------------------------- AF-L
def afl_windows(dataset: Path, m_obs: int = 2, z: int = 5) -> np.ndarray:
    tas = dataset / "TAS"
    names = read_label_map(tas / "mapping_CAS.txt")
    to_id = {n: i for i, n in enumerate(names)}
    rows = []
    for vid in read_bundle(tas / "splits_CAS" / "test.split1.bundle"):
        if "_ego_" in vid:
            continue
        steps: list[int] = []
        for name in read_frame_label_names(tas / "groundTruth_CAS" / f"{vid}.txt"):
            if name == names[0]:
                continue
            if not steps or steps[-1] != to_id[name]:
                steps.append(to_id[name])
        for start in range(len(steps) - m_obs - z + 1):
            rows.append(steps[start : start + m_obs + z])
    return np.asarray(rows, dtype=np.int64)


def levenshtein(a: list[int], b: list[int]) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        cur = [i] + [0] * len(b)
        for j, y in enumerate(b, start=1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y))
        prev = cur
    return prev[-1]


def plain_afl(preds: list, labels: list) -> dict[str, float]:
    z_max, k_max = len(labels[0]), len(preds[0][0])
    ed = []
    for z in range(1, z_max + 1):
        total = 0.0
        for p, y in zip(preds, labels, strict=True):
            total += min(levenshtein([p[s][k] for s in range(z)], y[:z]) for k in range(k_max)) / z
        ed.append(total / len(labels))
    aued = sum((ed[i] + ed[i + 1]) / 2 for i in range(z_max - 1)) / (z_max - 1)
    return {"ed": ed, "aued": aued}


def bench_afl(dataset: Path) -> dict[str, Any]:
    windows = afl_windows(dataset)
    future = windows[:, 2:]
    rng = np.random.default_rng(SEED)
    preds = np.repeat(future[:, :, None], 5, axis=2)
    noise = rng.random(preds.shape) < 0.4
    preds = np.where(noise, rng.integers(0, 26, size=preds.shape), preds)
    fast_t, fast = _median_time(lambda: af_l_scores(preds, future, layout="zk", num_classes=26))  # [N][Z][K]
    plist, flist = preds.tolist(), future.tolist()
    plain_t, plain = _median_time(lambda: plain_afl(plist, flist), repeats=1)
    assert math.isclose(fast["aued"], plain["aued"], abs_tol=1e-12)
    return {
        "n_instances": int(future.shape[0]),
        "fast_s": fast_t,
        "plain_s": plain_t,
        "ratio": plain_t / fast_t,
        "aued": fast["aued"],
    }


# ---------------------------------------------------------------------------------------------- ATR
def plain_atr(probs: dict[str, list[list[float]]], segments: list[dict]) -> float:
    scores, labels = [], []
    for rec in segments:
        if not any(rec["labels"]) or rec["video_id"] not in probs:
            continue
        frames = probs[rec["video_id"]]
        end = min(rec["end_frame"], len(frames) - 1)
        window = frames[rec["start_frame"] : end + 1]
        scores.append([sum(f[c] for f in window) / len(window) for c in range(6)])
        labels.append(rec["labels"])
    aps = []
    for c in range(6):
        order = sorted(range(len(scores)), key=lambda i: -scores[i][c])
        n_pos = sum(labels[i][c] for i in order)
        if n_pos == 0:
            continue
        tp, total = 0, 0.0
        for rank, i in enumerate(order, start=1):
            if labels[i][c]:
                tp += 1
                total += tp / rank
        aps.append(total / n_pos)
    return sum(aps) / len(aps)


def bench_atr(dataset: Path) -> dict[str, Any]:
    rng = np.random.default_rng(SEED)
    out: dict[str, Any] = {"n_segments": 0, "fast_s": 0.0, "plain_s": 0.0}
    for hand in ("L", "R"):
        path = dataset / "ATR" / f"atr_segments_{hand}" / "test.split1.jsonl"
        segs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        length: dict[str, int] = {}
        for r in segs:
            length[r["video_id"]] = max(length.get(r["video_id"], 0), r["end_frame"] + 1)
        probs = {v: rng.random((t, 6)) for v, t in length.items()}
        for r in segs:
            probs[r["video_id"]][r["start_frame"] : r["end_frame"] + 1] += np.asarray(r["labels"]) * 0.05
        fast_t, fast = _median_time(lambda probs=probs, segs=segs: atr_scores_from_frames(probs, segs))
        plists = {v: p.tolist() for v, p in probs.items()}
        plain_t, plain = _median_time(lambda plists=plists, segs=segs: plain_atr(plists, segs), repeats=1)
        assert math.isclose(fast["mean_ap"], plain, abs_tol=1e-12)
        out["n_segments"] += len(segs)
        out["fast_s"] += fast_t
        out["plain_s"] += plain_t
        out[f"mean_ap_{hand}"] = fast["mean_ap"]
    out["ratio"] = out["plain_s"] / out["fast_s"]
    return out


def main() -> None:
    dataset = unpack_impact_release() / "dataset"
    result = {
        "benchmark": "af_atr",
        "data": "IMPACT S1 test (AF-S annotation, CAS frame labels, ATR segment manifests), seeded perturbations",
        "af_s": bench_afs(dataset),
        "af_l": bench_afl(dataset),
        "atr": bench_atr(dataset),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average_1m": os.getloadavg()[0],  # the machine is shared: timings inflate under load
    }
    result["min_ratio"] = min(result[k]["ratio"] for k in ("af_s", "af_l", "atr"))
    atomic_write_json(RESULTS, result)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
