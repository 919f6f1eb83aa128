"""Measurements shared by the decode benchmarks (``bench_decode.py`` for IMPACT, ``bench_decode_pro2bench.py``).

Both measure a decoder against the same limit: the ``ffmpeg`` CLI's sustained decode rate divided by
the frames a decoder must decode per clip (from the keyframe at or before the clip's first frame to its
last frame). The file probing, the ffmpeg rate, the in-process backend timing, the DataLoader run and
its CPU accounting, and the environment record are written here once.
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np

from proceval.video.backends import open_reader

CORES = os.cpu_count() or 1


def probe(path: Path) -> dict[str, Any]:
    """Frame count, keyframe indices (presentation order) and bit rate, read with ffprobe."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts,flags",
         "-of", "csv=p=0", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    rows = []
    for line in out.splitlines():
        parts = line.strip().split(",")
        if len(parts) >= 2 and parts[0] not in ("", "N/A"):
            rows.append((int(parts[0]), "K" in parts[1]))
    rows.sort()
    keyframes = np.array([i for i, (_, key) in enumerate(rows) if key], dtype=np.int64)
    rate = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=bit_rate", "-of", "csv=p=0", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    return {
        "num_frames": len(rows),
        "keyframes": keyframes,
        "bit_rate": int(rate) if rate.isdigit() else None,
    }


def frames_needed(indices: np.ndarray, keyframes: np.ndarray) -> int:
    """Frames a decoder must decode: from the keyframe at or before the first frame to the last frame."""
    key = keyframes[np.searchsorted(keyframes, indices.min(), side="right") - 1]
    return int(indices.max() - key + 1)


def ffmpeg_rate(path: Path, threads: int) -> dict[str, float]:
    """Sustained decode rate of the ffmpeg CLI: ``ffmpeg -benchmark -threads N -i f -f null -``."""
    res = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-benchmark", "-threads", str(threads), "-i", str(path),
         "-f", "null", "-"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    bench = re.search(r"bench: utime=([\d.]+)s stime=([\d.]+)s rtime=([\d.]+)s", res.stderr)
    frames = re.findall(r"frame=\s*(\d+)", res.stderr)
    if bench is None:
        raise RuntimeError(f"could not parse ffmpeg -benchmark output:\n{res.stderr[-2000:]}")
    utime, stime, rtime = (float(x) for x in bench.groups())
    n = int(frames[-1]) if frames else probe(path)["num_frames"]
    return {
        "frames": n,
        "wall_s": rtime,
        "cpu_s": utime + stime,
        "fps_wall": n / rtime,
        "fps_per_cpu_s": n / (utime + stime),
    }


def exact_pts(pts_seconds: np.ndarray, indices: np.ndarray, fps: float) -> bool:
    """Whether decoded timestamps (seconds) are exactly the requested frame indices at ``fps``."""
    return bool(np.array_equal(np.rint(pts_seconds * fps).astype(np.int64), indices))


def bench_backend(
    path: Path, backend: str, threads: int, clips: list[np.ndarray], fps: float
) -> dict[str, Any]:
    """Open one reader, decode every clip in order; wall and process-CPU seconds, and exactness."""
    w0, c0 = time.perf_counter(), time.process_time()
    reader = open_reader(path, backend=backend, num_threads=threads)
    w1, c1 = time.perf_counter(), time.process_time()
    exact = True
    for idx in clips:
        clip = reader.get_frames_at(idx)
        exact = exact and exact_pts(clip.pts_seconds.numpy(), idx, fps)
    w2, c2 = time.perf_counter(), time.process_time()
    reader.close()
    return {
        "open_s": w1 - w0,
        "decode_wall_s": w2 - w1,
        "decode_cpu_s": c2 - c1,
        "clips_per_s": len(clips) / (w2 - w1),
        "clips_per_cpu_s": len(clips) / max(c2 - c1, 1e-9),
        "open_cpu_s": c1 - c0,
        "exact_pts": exact,
    }


def time_loader(ds: Any, clips: list[np.ndarray], fps: float, workers: int) -> dict[str, Any]:
    """Iterate a ``DataLoader(ds, batch_size=1, num_workers=workers)`` of decoded clips once.

    ``ds`` yields ``frame_indices`` and ``pts_seconds`` per clip, in the order of ``clips`` (the frame
    indices each row must decode). Returns the rate, the workers' CPU seconds and share of their cores,
    the machine's busy fraction over the run, and whether every clip decoded exactly its frames.
    """
    import torch

    loader = torch.utils.data.DataLoader(ds, batch_size=1, num_workers=workers, shuffle=False)
    busy0, total0 = machine_busy()
    w0 = time.perf_counter()
    it = iter(loader)
    pids = [w.pid for w in it._workers]  # private attribute, read-only use for CPU accounting
    exact = True
    for k in range(len(loader)):
        batch = next(it)
        exact = (
            exact
            and bool(np.array_equal(batch["frame_indices"][0].numpy(), clips[k]))
            and exact_pts(batch["pts_seconds"][0].numpy(), clips[k], fps)
        )
    worker_cpu = sum(proc_cpu_s(pid) for pid in pids)
    wall = time.perf_counter() - w0
    busy1, total1 = machine_busy()
    del it
    return {
        "workers": workers,
        "clips": len(clips),
        "wall_s": wall,
        "clips_per_s": len(clips) / wall,
        "worker_cpu_s": worker_cpu,
        "worker_core_utilisation": worker_cpu / (wall * workers),
        "machine_busy_fraction": (busy1 - busy0) / max(total1 - total0, 1e-9),
        "exact_indices": exact,
    }


def proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """``(busy, total)`` CPU ticks of the whole machine so far (``/proc/stat``)."""
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return float(sum(values) - idle), float(sum(values))


def median_of(runs: list[dict[str, Any]], key: str) -> float:
    """The median of ``key`` over repeated runs."""
    return float(statistics.median(r[key] for r in runs))


def environment(*, decord: bool = False) -> dict[str, Any]:
    """Versions (Python, torch, torchcodec, PyAV, the ffmpeg CLI; decord when asked), cores and load."""
    import av
    import torch
    import torchcodec

    ffmpeg_version = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.split(
        "\n"
    )[0]
    env: dict[str, Any] = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchcodec": torchcodec.__version__,
    }
    if decord:
        import decord as decord_module

        env["decord"] = decord_module.__version__
    env.update(
        {
            "av": av.__version__,
            "ffmpeg_cli": ffmpeg_version,
            "cpu_count": CORES,
            "load_average_at_start": list(os.getloadavg()),
            "shared_machine": os.getloadavg()[0] > 1.0,  # other jobs were running when the benchmark started
            "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        }
    )
    return env
