"""Decision-clip decoding benchmark: 16 frames of 8-second windows of a 1080p, 15 fps H.265 video.

Run with ``python -m benchmarks.bench_decode_pro2bench`` (``--quick`` for a smoke run). It measures the
EgoProactive decision-clip path the way ``benchmarks/bench_decode.py`` measures IMPACT clips:

1. writes two synthetic 1920x1080, 15 fps, 60 s H.265 files (the EgoProactive videos' format) with the
   ``ffmpeg`` CLI (x265 ``veryfast`` CRF 28, temporal noise, no scene-cut keyframes) into
   ``.cache/bench_decode_pro2bench/`` (not committed): GOP 30 (a keyframe every 2 s) and GOP 250
   (x265's default ``keyint``, 16.7 s at 15 fps);
2. draws random decision windows ``[start_s, start_s + 8)`` on the 0.5 s grid of decision points (fixed
   seed); each clip is what ``with_decision_clips`` decodes: ``seconds_to_frame_window`` (120 frames),
   then ``uniform_indices(..., 16)``;
3. measures the ``ffmpeg`` CLI's sustained decode rate (``-threads 0``, all cores) and derives the limit
   = rate / mean frames that must be decoded per clip (keyframe at or before the clip's first frame ..
   its last frame, from the file's real keyframes);
4. times the default backend (and PyAV) in process with 1 decoder thread and with all cores, and a
   ``torch.utils.data.DataLoader`` with 2 workers over ``egoproactive_decisions``-shaped rows (``video``,
   ``start_s``, ``end_s``) through :func:`proceval.benchmarks.pro2bench.media.with_decision_clips`;
5. writes ``benchmarks/results/decode_pro2bench.json`` and ``docs/performance/decode_pro2bench.md``.

Every timing is repeated (configurations interleaved) and the median reported; CPU seconds are recorded
beside wall seconds because the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._decode_common import (
    CORES,
    bench_backend,
    environment,
    ffmpeg_rate,
    frames_needed,
    median_of,
    probe,
    time_loader,
)
from proceval.io import atomic_write_json, atomic_write_text
from proceval.video.backends import DEFAULT_BACKEND, open_reader
from proceval.video.sampling import seconds_to_frame_window, uniform_indices

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".cache" / "bench_decode_pro2bench"
RESULTS = REPO / "benchmarks" / "results" / "decode_pro2bench.json"
DOC = REPO / "docs" / "performance" / "decode_pro2bench.md"

WIDTH, HEIGHT, FPS = 1920, 1080, 15
DURATION_S = 60
WINDOW_S = 8.0
GRID_S = 0.5  # decision points every 0.5 s (2 fps)
CLIP_FRAMES = 16
GOPS = (30, 250)
BACKENDS = (DEFAULT_BACKEND, "pyav")
SEED = 0
TARGET_RATIO = 0.8


# --------------------------------------------------------------------------- test file and clips
def make_video(gop: int) -> Path:
    """Write (once) the synthetic 1080p15 H.265 file with a keyframe every ``gop`` frames."""
    path = CACHE / f"synthetic_1080p15_hevc_gop{gop}_{DURATION_S}s.mp4"
    if path.is_file():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part.mp4")
    cmd = [
        "ffmpeg", "-v", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size={WIDTH}x{HEIGHT}:rate={FPS}:duration={DURATION_S}",
        "-vf", "noise=alls=3:allf=t",
        "-c:v", "libx265", "-preset", "veryfast", "-crf", "28", "-pix_fmt", "yuv420p", "-tag:v", "hvc1",
        "-x265-params", f"keyint={gop}:min-keyint={gop}:scenecut=0:open-gop=0:log-level=error",
        "-movflags", "+faststart",
        str(tmp),
    ]  # fmt: skip
    subprocess.run(cmd, check=True)
    os.replace(tmp, path)
    return path


def decision_windows(num_frames: int, num_clips: int, seed: int = SEED) -> list[tuple[float, float]]:
    """``num_clips`` random decision windows ``(start_s, end_s)``: 8 s long, starts on the 0.5 s grid."""
    rng = np.random.default_rng(seed)
    last = int((num_frames / FPS - WINDOW_S) / GRID_S)
    starts = rng.integers(0, last + 1, size=num_clips) * GRID_S
    return [(float(s), float(s) + WINDOW_S) for s in starts]


def clip_indices(windows: list[tuple[float, float]], num_frames: int) -> list[np.ndarray]:
    """The 16 frames ``with_decision_clips`` decodes for each window (seconds -> frames, bin centres)."""
    out = []
    for start_s, end_s in windows:
        start, end = seconds_to_frame_window(start_s, end_s, FPS, num_frames)
        out.append(uniform_indices(start, end, CLIP_FRAMES))
    return out


# --------------------------------------------------------------------------- measurements
def bench_dataloader(
    path: Path, backend: str, windows: list[tuple[float, float]], num_frames: int
) -> dict[str, Any]:
    """DataLoader(num_workers=2) over decision rows through ``with_decision_clips`` (1 thread per worker)."""
    import datasets

    from proceval.benchmarks.pro2bench.media import with_decision_clips

    clips = clip_indices(windows, num_frames)
    ds = datasets.Dataset.from_dict(
        {
            "decision_id": [f"{path.stem}/{k}" for k in range(len(windows))],
            "video_id": [path.stem] * len(windows),
            "video": [str(path)] * len(windows),
            "start_s": [w[0] for w in windows],
            "end_s": [w[1] for w in windows],
        }
    )
    ds = with_decision_clips(ds, CLIP_FRAMES, backend=backend, num_threads=1)
    return time_loader(ds, clips, FPS, workers=2)


def run(num_clips: int, repeats: int) -> dict[str, Any]:
    """Measure every file; return the results dict written to ``benchmarks/results/decode_pro2bench.json``."""
    results: dict[str, Any] = {
        "benchmark": "decision-clip decoding (H.265)",
        "video": {"width": WIDTH, "height": HEIGHT, "fps": FPS, "duration_s": DURATION_S, "codec": "hevc"},
        "clip": {
            "frames": CLIP_FRAMES,
            "window_s": WINDOW_S,
            "grid_s": GRID_S,
            "sampling": "uniform_indices",
        },
        "num_clips": num_clips,
        "repeats": repeats,
        "seed": SEED,
        "cores": CORES,
        "default_backend": DEFAULT_BACKEND,
        "environment": environment(),
        "files": {},
    }
    for gop in GOPS:
        path = make_video(gop)
        info = probe(path)
        windows = decision_windows(info["num_frames"], num_clips)
        clips = clip_indices(windows, info["num_frames"])
        mean_needed = float(np.mean([frames_needed(c, info["keyframes"]) for c in clips]))
        for backend in BACKENDS:  # warm up: import the libraries, decode one frame
            reader = open_reader(path, backend=backend)
            reader.get_frames_at([0])
            reader.close()
        ff: list[dict[str, float]] = []
        runs: dict[str, list[dict[str, Any]]] = {}
        loader_runs: list[dict[str, Any]] = []
        for _ in range(repeats):  # interleaved, so that contention hits every configuration alike
            ff.append(ffmpeg_rate(path, 0))
            for backend in BACKENDS:
                for threads in (1, CORES):
                    res = bench_backend(path, backend, threads, clips, FPS)
                    runs.setdefault(f"{backend}|{threads}", []).append(res)
                    print(
                        f"gop{gop} {backend:18s} threads={threads}: {res['clips_per_s']:.2f} clips/s",
                        flush=True,
                    )
            res = bench_dataloader(path, DEFAULT_BACKEND, windows * 2, info["num_frames"])
            loader_runs.append(res)
            print(
                f"gop{gop} DataLoader(2 workers) {DEFAULT_BACKEND}: {res['clips_per_s']:.2f} clips/s",
                flush=True,
            )
        rate = median_of(ff, "fps_wall")
        rate_cpu = median_of(ff, "fps_per_cpu_s")
        limit = rate / mean_needed
        results["files"][f"gop{gop}"] = {
            "path": str(path.relative_to(REPO)),
            "gop": gop,
            "num_frames": info["num_frames"],
            "bit_rate": info["bit_rate"],
            "num_keyframes": len(info["keyframes"]),
            "mean_frames_needed_per_clip": mean_needed,
            "ffmpeg_all_cores": {"runs": ff, "fps_wall": rate, "fps_per_cpu_s": rate_cpu},
            "limit_clips_per_s": limit,
            "limit_clips_per_cpu_s": rate_cpu / mean_needed,
            "backends": {
                key: {
                    "backend": key.split("|")[0],
                    "threads": int(key.split("|")[1]),
                    "clips_per_s": median_of(rs, "clips_per_s"),
                    "clips_per_cpu_s": median_of(rs, "clips_per_cpu_s"),
                    "open_s": median_of(rs, "open_s"),
                    "ratio_to_limit": median_of(rs, "clips_per_s") / limit,
                    "exact_pts": all(r["exact_pts"] for r in rs),
                    "runs": rs,
                }
                for key, rs in runs.items()
            },
            "dataloader": {
                "backend": DEFAULT_BACKEND,
                "workers": 2,
                "threads_per_worker": 1,
                "clips_per_s": median_of(loader_runs, "clips_per_s"),
                "worker_core_utilisation": median_of(loader_runs, "worker_core_utilisation"),
                "machine_busy_fraction": median_of(loader_runs, "machine_busy_fraction"),
                "ratio_to_limit": median_of(loader_runs, "clips_per_s") / limit,
                "exact_indices": all(r["exact_indices"] for r in loader_runs),
                "runs": loader_runs,
            },
        }
    return results


# --------------------------------------------------------------------------- report
def render_markdown(results: dict[str, Any]) -> str:
    """The ``docs/performance/decode_pro2bench.md`` fragment."""
    env = results["environment"]
    default = results["default_backend"]
    lines = [
        "# Decision-clip decoding (EgoProactive, H.265)",
        "",
        f"16-frame clips of random 8-second decision windows (starts on the 0.5 s grid of decision points, seed "
        f"{results['seed']}, {results['num_clips']} clips) of a synthetic 1920x1080, 15 fps, "
        f"{results['video']['duration_s']} s H.265 file (the EgoProactive videos' format; x265 veryfast CRF 28, "
        "closed GOPs): each clip is what `proceval.benchmarks.pro2bench.media.with_decision_clips` decodes "
        "(`seconds_to_frame_window`, 120 frames, then `uniform_indices(..., 16)`). Median of "
        f"{results['repeats']} interleaved repeats. Produced by `python -m benchmarks.bench_decode_pro2bench` "
        f"({env['date_utc']} UTC, load average {env['load_average_at_start'][0]:.1f} at start); raw numbers in "
        "`benchmarks/results/decode_pro2bench.json`.",
        "",
        "**Limit**, as for IMPACT (`decode.md`): ffmpeg CLI sustained decode rate (`ffmpeg -benchmark -threads 0 "
        "-i f -f null -`, all cores, frames/s) / mean frames that must be decoded per clip (keyframe at or "
        "before the first sampled frame .. last sampled frame, from the file's real keyframes). The backends "
        "also convert every returned frame to RGB, which the ffmpeg CLI does not.",
        "",
    ]
    for e in results["files"].values():
        ff = e["ffmpeg_all_cores"]
        lines += [
            f"## GOP {e['gop']} ({e['gop'] / FPS:.1f} s)",
            "",
            f"- bit rate {e['bit_rate'] / 1e6:.1f} Mbit/s, {e['num_frames']} frames, {e['num_keyframes']} keyframes; "
            f"mean frames decoded per clip {e['mean_frames_needed_per_clip']:.1f}",
            f"- ffmpeg CLI: {ff['fps_wall']:.0f} frames/s (all cores, wall clock), {ff['fps_per_cpu_s']:.0f} frames "
            f"per CPU-second ({ff['fps_wall'] / ff['fps_per_cpu_s']:.2f} cores busy on average)",
            f"- **limit {e['limit_clips_per_s']:.2f} clips/s** ({e['limit_clips_per_cpu_s']:.2f} clips per CPU-second)",
            "",
            "| path | threads | clips/s | × limit | clips per CPU-s | exact frames |",
            "| --- | ---: | ---: | ---: | ---: | --- |",
        ]
        for row in sorted(
            e["backends"].values(), key=lambda r: (r["backend"] != default, r["backend"], r["threads"])
        ):
            name = f"**{row['backend']}** (default)" if row["backend"] == default else row["backend"]
            lines.append(
                f"| {name}, in process | {row['threads']} | {row['clips_per_s']:.2f} | {row['ratio_to_limit']:.2f} | "
                f"{row['clips_per_cpu_s']:.2f} | {'yes' if row['exact_pts'] else 'NO'} |"
            )
        dl = e["dataloader"]
        lines += [
            f"| **{default}**, DataLoader (2 workers, `with_decision_clips`) | 1 per worker | {dl['clips_per_s']:.2f} | "
            f"{dl['ratio_to_limit']:.2f} | - | {'yes' if dl['exact_indices'] else 'NO'} |",
            "",
        ]
    lines += [
        "## Target",
        "",
        f"Target: decision-clip decoding with the default backend ({default}) reaches at least {TARGET_RATIO}× the "
        "limit.",
        "",
        f"| GOP | in process, 1 thread | in process, all cores | DataLoader, 2 workers | ≥ {TARGET_RATIO}× | "
        "per CPU-second, 1 thread | idle CPU during the DataLoader run | workers' share of the CPU |",
        "| ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for e in results["files"].values():
        one = e["backends"][f"{default}|1"]["ratio_to_limit"]
        allc = e["backends"][f"{default}|{results['cores']}"]["ratio_to_limit"]
        cpu = e["backends"][f"{default}|1"]["clips_per_cpu_s"] / e["limit_clips_per_cpu_s"]
        dl = e["dataloader"]
        best = max(one, allc, dl["ratio_to_limit"])
        lines.append(
            f"| {e['gop']} | {one:.2f}× | {allc:.2f}× | {dl['ratio_to_limit']:.2f}× | "
            f"{'yes' if best >= TARGET_RATIO else 'no'} (best {best:.2f}×) | {cpu:.2f}× | "
            f"{(1 - dl['machine_busy_fraction']) * 100:.0f}% | {dl['worker_core_utilisation'] * 100:.0f}% |"
        )
    lines += [
        "",
        "The DataLoader row is the training / inference path (`load_config(..., 'egoproactive_decisions', "
        "videos_dir=..., decode_video=False)` then `with_decision_clips`). 'Per CPU-second' divides the default "
        "backend's clips per CPU-second (one thread, in process) by the limit's (the ffmpeg CLI's frames per "
        "CPU-second / frames per clip): the decoder's cost for the same frames, which other jobs on the "
        "machine do not change.",
    ]
    if env.get("shared_machine"):
        lines += [
            "",
            f"Taken on a 2-core machine shared with other jobs (load average {env['load_average_at_start'][0]:.1f} "
            "at start): wall-clock rates, the ffmpeg limit included, vary between runs; every ratio compares runs "
            "interleaved under the same sharing. Rerun on an idle machine for clean wall-clock numbers.",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write the results JSON and the Markdown fragment."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clips", type=int, default=12, help="decision clips per file (default 12)")
    ap.add_argument("--repeats", type=int, default=3, help="interleaved repeats (default 3)")
    ap.add_argument("--quick", action="store_true", help="4 clips, 1 repeat (smoke run; nothing written)")
    args = ap.parse_args(argv)
    clips, repeats = (4, 1) if args.quick else (args.clips, args.repeats)
    results = run(clips, repeats)
    if args.quick:
        print(render_markdown(results))
        return 0
    atomic_write_json(RESULTS, results)
    atomic_write_text(DOC, render_markdown(results))
    print(f"wrote {RESULTS.relative_to(REPO)} and {DOC.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
