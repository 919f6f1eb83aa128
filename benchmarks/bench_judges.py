"""Judge benchmark: requests in flight vs sequential, and a fully cached re-run vs the first run.

Run with ``python -m benchmarks.bench_judges`` (``--latency-s``, ``--items``, ``--cached-items``,
``--repeats``). The fake OpenAI-compatible server (``proceval.judges.fake_server``) runs in a child
process on 127.0.0.1 and answers every request after ``--latency-s`` (default 0.2 s), so the client's
timings are not mixed with the server's work. In one run:

1. the same ``--items`` prompts (64) are judged with one request in flight, then with 16, each into a
   fresh cache: ``ratio_concurrency`` = wall time sequential / wall time with 16 in flight (target ≥ 10);
2. ``--cached-items`` prompts (512) are judged with 16 in flight into a fresh cache, then judged again
   ``--repeats`` times from that cache (each re-run opens the cache file anew): ``ratio_cached`` = wall
   time of the first run / median wall time of the cached re-runs (target ≥ 200). The re-runs must make
   no call and give the same ratings. The machine is shared: the cached re-run is CPU-bound, so
   ``ratio_cached_cpu`` (first run's wall time / the re-runs' median CPU time) and
   ``ratio_cached_best_wall`` (/ their fastest wall time) are recorded beside it.

Prints one JSON line and writes it (atomically) to ``benchmarks/results/judges.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from proceval.io import atomic_write_json
from proceval.judges import Dimension, OpenAICompatibleBackend, Rubric, judge_items

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results" / "judges.json"
TARGET_CONCURRENCY = 10.0
TARGET_CACHED = 200.0
RUBRIC = Rubric(
    "guidance",
    tuple(Dimension(k, 1, 5) for k in ("relevance", "specificity", "actionability", "conciseness")),
    system="You are a strict evaluator of assistant guidance. Output only a JSON object "
    '{"relevance": N, "specificity": N, "actionability": N, "conciseness": N, "reasoning": "..."}.',
    user="Task context: {task_context}\nGolden response: {golden}\nModel response: {model}",
    fields=("golden", "model", "task_context"),
)


def make_items(n: int, tag: str) -> dict[str, dict[str, str]]:
    return {
        f"{tag}{i:04d}": {
            "golden": f"Now add the chopped onions to the pan and stir for two minutes ({tag} {i}).",
            "model": f"Put the onions in the pan next and keep stirring ({tag} {i}).",
            "task_context": "Cooking: tomato soup. Steps done: boil water, chop onions.",
        }
        for i in range(n)
    }


def timed(fn):
    w0, c0 = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - w0, time.process_time() - c0, result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-s", type=float, default=0.2, help="simulated latency per request, seconds")
    parser.add_argument("--items", type=int, default=64, help="prompts of the concurrency comparison")
    parser.add_argument("--cached-items", type=int, default=512, help="prompts of the cache comparison")
    parser.add_argument("--repeats", type=int, default=5, help="cached re-runs (median)")
    args = parser.parse_args(argv)

    dims = [f"{d.key}:{d.low}:{d.high}" for d in RUBRIC.dimensions]
    server = subprocess.Popen(
        [sys.executable, "-m", "proceval.judges.fake_server", "--latency-s", str(args.latency_s)]
        + [a for d in dims for a in ("--dimension", d)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = server.stdout.readline().strip()

        def judge(concurrency: int) -> OpenAICompatibleBackend:
            return OpenAICompatibleBackend("fake-judge", url, api_key_env=None, max_concurrency=concurrency)

        load_before = os.getloadavg()
        with tempfile.TemporaryDirectory() as tmp:
            items = make_items(args.items, "c")
            seq_wall, seq_cpu, seq = timed(
                lambda: judge_items(items, RUBRIC, judge(1), cache=Path(tmp, "seq.sqlite"))
            )
            par_wall, par_cpu, par = timed(
                lambda: judge_items(items, RUBRIC, judge(16), cache=Path(tmp, "par.sqlite"))
            )
            assert seq.per_item == par.per_item and par.counts["num_calls"] == args.items

            big = make_items(args.cached_items, "k")
            cache = Path(tmp, "big.sqlite")
            first_wall, first_cpu, first = timed(lambda: judge_items(big, RUBRIC, judge(16), cache=cache))
            cached_walls, cached_cpus = [], []
            for _ in range(args.repeats):
                wall, cpu, again = timed(lambda: judge_items(big, RUBRIC, judge(16), cache=cache))
                assert again.counts["num_calls"] == 0 and again.counts["num_cached"] == args.cached_items
                assert again.per_item == first.per_item
                cached_walls.append(wall)
                cached_cpus.append(cpu)
        load_after = os.getloadavg()
    finally:
        server.stdin.close()
        server.wait(timeout=30)

    cached_wall = statistics.median(cached_walls)
    record = {
        "benchmark": "judges",
        "latency_s": args.latency_s,
        "concurrency": {
            "items": args.items,
            "sequential_wall_s": round(seq_wall, 3),
            "sequential_cpu_s": round(seq_cpu, 3),
            "in_flight_16_wall_s": round(par_wall, 3),
            "in_flight_16_cpu_s": round(par_cpu, 3),
            "ideal_sequential_s": round(args.items * args.latency_s, 3),
            "ideal_in_flight_16_s": round(-(-args.items // 16) * args.latency_s, 3),
        },
        "ratio_concurrency": round(seq_wall / par_wall, 1),
        "cache": {
            "items": args.cached_items,
            "first_run_wall_s": round(first_wall, 3),
            "first_run_cpu_s": round(first_cpu, 3),
            "cached_wall_s_median": round(cached_wall, 4),
            "cached_wall_s_all": [round(w, 4) for w in cached_walls],
            "cached_cpu_s_median": round(statistics.median(cached_cpus), 4),
            "cached_us_per_item": round(cached_wall / args.cached_items * 1e6, 1),
        },
        "ratio_cached": round(first_wall / cached_wall, 1),
        # The cached re-run waits on nothing but the CPU (a local SQLite file in the page cache): on the
        # shared machine its wall time minus its CPU time is time other jobs held the cores. These two
        # ratios read it without them: its median CPU time, and its fastest wall time.
        "ratio_cached_cpu": round(first_wall / statistics.median(cached_cpus), 1),
        "ratio_cached_best_wall": round(first_wall / min(cached_walls), 1),
        "target_concurrency": TARGET_CONCURRENCY,
        "target_cached": TARGET_CACHED,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "repeats": args.repeats,
        "python": platform.python_version(),
    }
    print(json.dumps(record))
    atomic_write_json(RESULTS, record)
    return record


if __name__ == "__main__":
    main()
