"""Timing harness shared by the score benchmarks: alternate baseline and vectorised runs, medians."""

from __future__ import annotations

import statistics
import time


def _timed(fn) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds of this process, result) of one call."""
    w0, c0 = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - w0, time.process_time() - c0, result


def compare(baseline, vectorised, repeats: int, inner: int = 5) -> dict:
    """Alternate the two implementations ``repeats`` times (``inner`` calls of the fast one per round).

    The machine is shared, so wall time is noisy; CPU time of this process is reported beside it and the
    ratio is taken from the median CPU times (the wall-time ratio is recorded too).
    """
    walls: dict[str, list[float]] = {"baseline": [], "vectorised": []}
    cpus: dict[str, list[float]] = {"baseline": [], "vectorised": []}
    results = {}
    for _ in range(repeats):
        wall, cpu, results["baseline"] = _timed(baseline)
        walls["baseline"].append(wall)
        cpus["baseline"].append(cpu)
        for _ in range(inner):
            wall, cpu, results["vectorised"] = _timed(vectorised)
            walls["vectorised"].append(wall)
            cpus["vectorised"].append(cpu)
    med = {
        f"{k}_{kind}_s": statistics.median(v)
        for kind, d in (("wall", walls), ("cpu", cpus))
        for k, v in d.items()
    }
    return {
        **{k: round(v, 4) for k, v in med.items()},
        "ratio": round(med["baseline_cpu_s"] / med["vectorised_cpu_s"], 1),
        "ratio_wall": round(med["baseline_wall_s"] / med["vectorised_wall_s"], 1),
        "results": results,
    }
