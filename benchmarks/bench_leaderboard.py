"""Leaderboard benchmark: ``proceval leaderboard`` over 1,000 synthesised result files (target < 10 s).

Run with ``python -m benchmarks.bench_leaderboard`` (``--repeats N``, ``--models``, ``--configs``,
``--resamples``). It writes 20 models x 50 configs = 1,000 schema-v1 result files (the first 50
(task, config) pairs of the registry, so each file carries that task's real headline keys: 2 to 12 of
them, 1,000 bootstrap replicates per key, all models of a config sharing one signature), then times the
fresh command line ``proceval leaderboard RESULTS --out SITE`` end to end (process start, imports,
reading and validating every file, ranking, the paired-bootstrap marks from the replicates, writing
Markdown / CSV / JSON / HTML, one SVG bar chart per table under ``plots/`` and copying the files) and, in
process, each stage (the charts alone: ``write_charts`` over every table). The floor it is read
against is ``json.load`` of the same files alone, measured in the same run. Prints one JSON line and
writes it (atomically) to ``benchmarks/results/leaderboard.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from proceval.evaluation.results import dumps_result, iter_results, validate_result
from proceval.hub.leaderboard import build_leaderboard, write_leaderboard
from proceval.hub.leaderboard_plots import write_charts
from proceval.io import atomic_write_json
from proceval.registry import all_tasks

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results" / "leaderboard.json"
TARGET_S = 10.0


def synthesise(folder: Path, n_models: int, n_configs: int, n_resamples: int, seed: int = 0) -> dict:
    """Write ``n_models x n_configs`` valid result files under ``folder``; returns counts."""
    rng = np.random.default_rng(seed)
    pairs = [(task, config) for task in all_tasks() for config in task.configs][:n_configs]
    n_values = 0
    for task, config in pairs:
        signature = f"{task.metric}|opt:x|bs:{n_resamples}|ci:0.95|rs:0|data:{task.benchmark}-0badcafe|cfg:{config}|split:test|v:0.1.0"
        skill = rng.normal(0.0, 0.03, n_models)
        base = {h.key: rng.normal(0.0, 0.01, n_resamples) for h in task.headline}
        for m in range(n_models):
            headline, reps = [], {}
            for h in task.headline:
                low, high = h.range
                centre = 0.5 if high is not None and low is not None else 3.0
                value = float(centre + (skill[m] if h.higher_is_better else -skill[m]))
                rep = value + base[h.key] + rng.normal(0.0, 0.004, n_resamples)
                reps[h.key] = rep.tolist()
                ci = np.quantile(rep, [0.025, 0.975]).tolist()
                headline.append(
                    {
                        "key": h.key,
                        "value": value,
                        "higher_is_better": h.higher_is_better,
                        "unit": h.unit,
                        "range": list(h.range),
                        "ci": ci,
                    }
                )
                n_values += n_resamples
            result = {
                "schema_version": 1,
                "kind": "proceval-result",
                "proceval_version": "0.1.0",
                "created_at": "2026-12-06T09:00:00Z",
                "model": {"id": f"org{m % 4}/model-{m:02d}", "revision": None, "trained_on": ["train"]},
                "benchmark": task.benchmark,
                "task": task.name,
                "metric": task.metric,
                "config": config,
                "split": "test",
                "data_version": f"{task.benchmark}-0badcafe",
                "signature": signature,
                "options": {"bootstrap": n_resamples},
                "predictions": {"file": "predictions.json", "sha256": f"{m:064x}"},
                "headline": headline,
                "scores": {h["key"]: h["value"] for h in headline},
                "ci": {h["key"]: h["ci"] for h in headline},
                "ci_level": 0.95,
                "bootstrap": {
                    "n_resamples": n_resamples,
                    "seed": 0,
                    "unit": task.resample,
                    "num_units": 100,
                    "replicates": reps,
                },
                "judge": None,
                "details": {"num_references": 100},
            }
            validate_result(result)
            path = folder / f"org{m % 4}__model-{m:02d}" / f"{config}.{task.metric}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(dumps_result(result))
    return {"files": n_models * len(pairs), "configs": len(pairs), "replicate_values": n_values}


def _timed(fn) -> tuple[float, float, object]:
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w0, time.process_time() - c0, out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed command-line runs (median)")
    parser.add_argument("--models", type=int, default=20)
    parser.add_argument("--configs", type=int, default=50)
    parser.add_argument("--resamples", type=int, default=1000)
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench_leaderboard."))
    try:
        results, site = tmp / "results", tmp / "site"
        counts = synthesise(results, args.models, args.configs, args.resamples)
        size_mb = sum(p.stat().st_size for p in results.rglob("*.json")) / 1e6
        files = sorted(results.rglob("*.json"))

        def floor() -> int:
            return sum(len(json.loads(p.read_bytes())["headline"]) for p in files)

        exe = Path(sys.executable).parent / "proceval"
        cmd = [str(exe), "leaderboard", str(results), "--out", str(site)]
        startup = [str(exe), "--version"]
        walls, cpus, floors, stages = [], [], [], []
        for _ in range(args.repeats):
            floors.append(_timed(floor)[:2])
            t0 = time.perf_counter()
            r0 = os.times()
            proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
            r1 = os.times()
            walls.append(time.perf_counter() - t0)
            cpus.append((r1.children_user - r0.children_user) + (r1.children_system - r0.children_system))
            read_w, read_c, items = _timed(lambda: list(iter_results(results)))
            build_w, build_c, groups = _timed(lambda items=items: build_leaderboard(items, root=results))
            chart_w, chart_c, _ = _timed(lambda groups=groups: write_charts(groups, tmp / "site3"))
            write_w, write_c, _ = _timed(lambda: write_leaderboard(results, tmp / "site2"))
            stages.append(
                {
                    "read_validate_wall_s": read_w,
                    "read_validate_cpu_s": read_c,
                    "rank_and_marks_wall_s": build_w,
                    "rank_and_marks_cpu_s": build_c,
                    "charts_wall_s": chart_w,
                    "charts_cpu_s": chart_c,
                    "write_leaderboard_all_wall_s": write_w,
                    "write_leaderboard_all_cpu_s": write_c,
                }
            )
        t0 = time.perf_counter()
        subprocess.run(startup, capture_output=True, check=True)
        version_wall = time.perf_counter() - t0
        n_groups = len(groups)
        n_marks = sum(max(len(g["rows"]) - 1, 0) for g in groups)
        html = (site / "index.html").is_file()
        charts = len(list((site / "plots").glob("*.svg")))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def med(values):
        return round(statistics.median(values), 3)

    record = {
        "benchmark": "leaderboard",
        **counts,
        "models": args.models,
        "resamples": args.resamples,
        "megabytes": round(size_mb, 1),
        "groups": n_groups,
        "paired_marks": n_marks,
        "html_written": html,
        "charts_written": charts,
        "command_wall_s": med(walls),
        "command_wall_all_s": [round(w, 3) for w in walls],
        "command_cpu_s": med(cpus),
        "floor_json_load_wall_s": med([f[0] for f in floors]),
        "floor_json_load_cpu_s": med([f[1] for f in floors]),
        "proceval_version_wall_s": round(version_wall, 3),
        **{k: med([s[k] for s in stages]) for k in stages[0]},
        "target_s": TARGET_S,
        "met": med(walls) < TARGET_S,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "stdout_lines": len(proc.stdout.splitlines()),
    }
    atomic_write_json(RESULTS, record)
    print(json.dumps(record))
    return record


if __name__ == "__main__":
    main()
