"""Benchmark: reading a large predictions file (speed, peak memory) and ``proceval evaluate`` on it.

Synthesises a cv_ta-shaped predictions file in a temporary folder: one float embedding (``--dim`` values,
float32 values written as JSON floats, as ``json.dumps(array.tolist())`` writes them) per segment id
``"{video_id}:{segment_index}"``, with as many ids as it takes to reach ``--size-mb`` (ids of the real
IMPACT ``cv_ta_s1`` test split first when the release is beside the repo, numbered ones after). Then, each
in a fresh process so that peak RSS is its own (``resource.getrusage(RUSAGE_SELF).ru_maxrss``, reported
above the RSS after imports, and as a ratio to the file size):

* ``json.load`` (what ``read_predictions`` did before: every float a Python object);
* ``proceval.evaluation.predictions.read_predictions`` (streamed, float lists to numpy as read);
* with the real release, ``proceval evaluate cv_ta --config cv_ta_s1`` on a file of exactly the split's
  segments (``--dim`` chosen to reach the size), whole command, peak RSS of the process.

Prints one JSON line and writes ``benchmarks/results/predictions.json`` atomically.

Usage: ``.venv/bin/python -m benchmarks.bench_predictions [--size-mb 200] [--dim 1024]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "predictions.json"

_MEMORY = r"""
def memory_mb():
    # (current RSS, peak RSS) of this process in MB, from /proc/self/status (Linux)
    fields = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
"""

_CHILD = (
    _MEMORY
    + r"""
import json, sys, time
mode, path = sys.argv[1], sys.argv[2]
import numpy as np
from proceval.evaluation.predictions import read_predictions
base, _ = memory_mb()
w, c = time.perf_counter(), time.process_time()
if mode == "json.load":
    with open(path, encoding="utf-8") as fh:
        preds = json.load(fh)
else:
    preds = read_predictions(path, progress=False)
w, c = time.perf_counter() - w, time.process_time() - c
_, peak = memory_mb()
print(json.dumps({"ids": len(preds), "wall_s": w, "cpu_s": c, "rss_after_imports_mb": base,
                  "peak_rss_mb": peak, "peak_above_imports_mb": peak - base}))
"""
)

_EVALUATE = (
    _MEMORY
    + r"""
import contextlib, io, json, sys, time
w, c = time.perf_counter(), time.process_time()
out = io.StringIO()
from proceval.cli import main
with contextlib.redirect_stdout(out):
    code = main(sys.argv[1:])
w, c = time.perf_counter() - w, time.process_time() - c
_, peak = memory_mb()
result = json.loads(out.getvalue()) if code == 0 else None
print(json.dumps({"exit_code": code, "wall_s": w, "cpu_s": c, "peak_rss_mb": peak,
                  "overall_recall_at_1_local": result and result["scores"]["local"]["overall_recall_at_1"]}))
"""
)


def write_file(path: Path, ids: list[str], dim: int, size_mb: float, seed: int = 0) -> int:
    """Write ``{id: [dim floats]}`` until ``size_mb`` is reached (numbered extra ids after ``ids``).

    With ``size_mb <= 0``, exactly one row per id of ``ids``.
    """
    rng = np.random.default_rng(seed)
    target = int(size_mb * 1e6)
    written = 0
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write("{")
        while (written < target) if size_mb > 0 else (n < len(ids)):
            key = ids[n] if n < len(ids) else f"synthetic_{n}:0"
            row = rng.normal(size=dim).astype(np.float32).astype(np.float64).tolist()
            text = ("" if n == 0 else ",\n") + json.dumps(key) + ": " + json.dumps(row)
            fh.write(text)
            written += len(text)
            n += 1
        fh.write("}\n")
    return n


def measure(mode: str, path: Path) -> dict:
    """Run one reader in a fresh process; its timing and peak RSS."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_evaluate(release: Path, path: Path, cache: Path) -> dict:
    """``proceval evaluate cv_ta`` (``proceval.cli.main``) in a fresh process: times, exit code, peak RSS.

    The Arrow cache of the config is built by a first, unmeasured run.
    """
    argv = ["evaluate", "cv_ta", "--source", str(release), "--config", "cv_ta_s1", "--predictions", str(path)]
    argv += ["--cache-dir", str(cache)]
    subprocess.run([sys.executable, "-c", _EVALUATE, *argv], capture_output=True, text=True)  # warm cache
    res = subprocess.run([sys.executable, "-c", _EVALUATE, *argv], capture_output=True, text=True)
    out = json.loads(res.stdout.strip().splitlines()[-1])
    if out["exit_code"] != 0:
        out["stderr_tail"] = res.stderr[-500:]
    out["progress_shown_on_stderr"] = "reading " in res.stderr
    return out


def cv_ta_ids(release: Path) -> list[str]:
    """Prediction ids of ``cv_ta_s1`` test on the real release (its Arrow cache is built if needed)."""
    from proceval.datasets.load import load_config
    from proceval.registry import get_benchmark

    bench = get_benchmark("impact")
    ds = load_config("impact", bench.resolve_release(release), "cv_ta_s1", split="test")
    return bench.tasks_of_config("cv_ta_s1")[0].ids(ds)


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and write the results JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=float, default=200.0)
    ap.add_argument("--dim", type=int, default=1024)
    ap.add_argument("--skip-evaluate", action="store_true")
    args = ap.parse_args(argv)

    from proceval.benchmarks.impact.release_cache import find_impact_archive, unpack_impact_release

    archive = find_impact_archive()
    release = unpack_impact_release(archive) if archive is not None else None
    ids = cv_ta_ids(release) if release is not None else []
    result: dict = {"machine": platform.machine(), "cpus": os.cpu_count(), "load_average": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="bench_predictions_") as tmp:
        path = Path(tmp) / "cv_ta_predictions.json"
        n = write_file(path, ids, args.dim, args.size_mb)
        size_mb = path.stat().st_size / 1e6
        result["file"] = {"ids": n, "dim": args.dim, "size_mb": round(size_mb, 1)}
        for mode in ("json.load", "read_predictions"):
            m = measure(mode, path)
            m["peak_above_imports_per_file_size"] = round(m["peak_above_imports_mb"] * 1.048576 / size_mb, 2)
            result[mode] = {k: round(v, 2) if isinstance(v, float) else v for k, v in m.items()}
        if release is not None and not args.skip_evaluate:
            # exactly the split's segments, each embedding long enough to reach the size
            dim = max(8, int(args.size_mb * 1e6 / max(len(ids), 1) / 21))
            exact = Path(tmp) / "cv_ta_s1_test.json"
            write_file(exact, ids, dim, 0)
            size = exact.stat().st_size / 1e6
            ev = measure_evaluate(release, exact, Path(tmp) / "cache")
            ev["file"] = {"ids": len(ids), "dim": dim, "size_mb": round(size, 1)}
            ev["peak_rss_per_file_size"] = round(ev["peak_rss_mb"] * 1.048576 / size, 2)
            result["proceval_evaluate_cv_ta_s1"] = {
                k: round(v, 3) if isinstance(v, float) else v for k, v in ev.items()
            }
    from proceval.io import atomic_write_json

    atomic_write_json(RESULTS, result)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
