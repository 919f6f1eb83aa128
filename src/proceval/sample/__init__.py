"""The embedded sample release: ``proceval sample OUT``.

Writes a miniature release of each benchmark in its **official on-disk format**, so the code path
that reads the real release reads the sample too:

* ``OUT/impact/impact-release/{dataset,task_configs}/...``: the IMPACT annotation release layout
  (see :mod:`proceval.benchmarks.impact.sample.writer`), plus ``OUT/impact/videos/<video_id>.mp4`` (exo 30 fps, ego 25 fps);
* ``OUT/egoproactive/egoproactive/wearable_ai_2026_egoproactive_val_<n>.jsonl`` and
  ``OUT/egoproactive/egoproactive/val/<id>.mp4`` (15 fps; see :mod:`proceval.benchmarks.pro2bench.sample`);
* ``OUT/procobject/{training,testing}.json`` and ``OUT/procobject/videos/<name>.mp4``
  (see :mod:`proceval.benchmarks.procobject.sample`).

The same seed gives byte-identical files. Everything is written into a hidden temporary folder beside
``OUT`` that is renamed into place at the end, so an interrupted run never leaves a half sample.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proceval.errors import InputValidationError
from proceval.benchmarks.impact.formats.naming import VideoName
from proceval.sample import egoproactive, procobject, vocab
from proceval.benchmarks.impact.sample.writer import EGO_SIZE, EXO_SIZE, write_impact_release
from proceval.benchmarks.impact.sample.plan import EGO_FPS, EXO_FPS, TrialPlan, plan_trials
from proceval.benchmarks.impact.sample.splits import VIEWS_ORDER

DEFAULT_TRIALS = 6
DEFAULT_SESSIONS = 4
DEFAULT_SEED = 0


def impact_release_dir(root: str | os.PathLike[str]) -> Path:
    """``impact-release/`` of a sample written to ``root`` (holds ``dataset/`` and ``task_configs/``)."""
    return Path(root) / "impact" / "impact-release"


def impact_video_path(root: str | os.PathLike[str], video_id: str) -> Path:
    """The sample video of an IMPACT video id (any naming variant, e.g. ``..._ego_sync``)."""
    from proceval.benchmarks.impact.formats.naming import canonical_video_id

    return Path(root) / "impact" / "videos" / f"{canonical_video_id(video_id)}.mp4"


def egoproactive_jsonl(root: str | os.PathLike[str]) -> Path:
    """The EgoProactive JSONL of a sample (the only ``*.jsonl`` in ``egoproactive/egoproactive/``).

    Raises:
        InputValidationError: there is not exactly one such file.
    """
    found = sorted(
        (Path(root) / "egoproactive" / "egoproactive").glob("wearable_ai_2026_egoproactive_val_*.jsonl")
    )
    if len(found) != 1:
        raise InputValidationError(
            f"Expected one EgoProactive JSONL under {str(Path(root) / 'egoproactive' / 'egoproactive')!r}, "
            f"but found {len(found)}."
        )
    return found[0]


def egoproactive_video_dir(root: str | os.PathLike[str]) -> Path:
    """Folder of the EgoProactive sample videos (``video_path`` values are file names in it)."""
    return Path(root) / "egoproactive" / "egoproactive" / "val"


def procobject_dir(root: str | os.PathLike[str]) -> Path:
    """Folder holding ``training.json``, ``testing.json`` and ``videos/`` of the ProcObject sample."""
    return Path(root) / "procobject"


@dataclass
class VideoJob:
    """One video to render: output path (relative to the sample root), frame spec factory, fps and size."""

    relpath: str
    make_spec: Callable[[], Any]
    fps: int
    size: tuple[int, int]
    n_frames: int


@dataclass
class SampleSummary:
    """What :func:`write_sample` wrote."""

    root: Path
    seed: int
    n_trials: int
    label_files: dict[str, int] = field(default_factory=dict)
    videos: dict[str, int] = field(default_factory=dict)
    video_frames: int = 0
    codec: str | None = None
    seconds: float = 0.0

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        out = [f"sample release written to {self.root} (seed {self.seed}, {self.n_trials} IMPACT trials)"]
        for bench, n in self.label_files.items():
            out.append(f"  {bench}: {n} label files, {self.videos.get(bench, 0)} videos")
        if self.codec:
            out.append(
                f"  videos: {sum(self.videos.values())} files, {self.video_frames} frames, codec {self.codec}"
            )
        else:
            out.append("  videos: skipped (--no-videos)")
        out.append(f"  took {self.seconds:.1f} s")
        return out


def _count_files(root: Path) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file() and p.suffix != ".mp4")


def impact_video_jobs(plans: list[TrialPlan]) -> list[VideoJob]:
    """One job per IMPACT video: colour = coarse step, corner patches = hand actions, border = phase."""
    jobs = []
    for p in plans:
        for view in VIEWS_ORDER:
            vid = VideoName(p.trial, view).video_id
            n = p.view_frames(view, cas=True)
            jobs.append(
                VideoJob(
                    f"impact/videos/{vid}.mp4",
                    _impact_spec_factory(p, view),
                    EGO_FPS if view == "ego" else EXO_FPS,
                    EGO_SIZE if view == "ego" else EXO_SIZE,
                    n,
                )
            )
    return jobs


def _impact_spec_factory(p: TrialPlan, view: str) -> Callable[[], Any]:
    def make() -> Any:
        import numpy as np

        from proceval.sample.video import FrameSpec, palette, view_tint

        cas = p.cas_labels(view)

        def pad(a: np.ndarray) -> np.ndarray:  # the ego length quirk: FAS / PPR are shorter than CAS
            return np.concatenate([a, np.zeros(len(cas) - len(a), dtype=a.dtype)])

        fas_pal = palette(len(vocab.FAS_NAMES), offset=0.13)
        phase = np.maximum(p.ppr_labels(view, "left"), p.ppr_labels(view, "right"))
        return FrameSpec(
            main=cas,
            main_palette=palette(len(vocab.CAS_STEPS)),
            patches=[(pad(p.fas_labels(view, "left")), fas_pal), (pad(p.fas_labels(view, "right")), fas_pal)],
            border=pad(phase),
            tint=view_tint(view),
        )

    return make


def _spans_spec_factory(
    spans: list[tuple[int, float, float]], n_frames: int, fps: int, offset: float
) -> Callable:
    def make() -> Any:
        from proceval.sample.video import FrameSpec, ids_from_spans, palette

        ids = ids_from_spans(spans, n_frames, fps)
        return FrameSpec(main=ids, main_palette=palette(int(ids.max()) + 1, offset=offset))

    return make


def write_sample(
    out: str | os.PathLike[str],
    *,
    seed: int = DEFAULT_SEED,
    n_trials: int = DEFAULT_TRIALS,
    n_sessions: int = DEFAULT_SESSIONS,
    videos: bool = True,
    overwrite: bool = False,
    progress: bool = False,
) -> SampleSummary:
    """Write the sample release of all three benchmarks to ``out``.

    Args:
        out: target folder; must not exist or be empty unless ``overwrite``.
        seed: seed of every random choice (same seed, same bytes).
        n_trials: IMPACT trials (at least 6, so that every split of S1-S4 is non-empty); five videos each.
        n_sessions: EgoProactive sessions.
        videos: also render the videos (needs PyAV); ``False`` writes label files only.
        overwrite: replace an existing non-empty ``out``.
        progress: show a tqdm bar while rendering videos.

    Raises:
        InputValidationError: ``out`` has content and ``overwrite`` is False, or a count is too small.
    """
    started = time.perf_counter()
    target = Path(out).resolve()
    if n_trials < 6:
        raise InputValidationError(f"Expected argument `n_trials` to be at least 6, but got {n_trials}.")
    if n_sessions < 1:
        raise InputValidationError(f"Expected argument `n_sessions` to be at least 1, but got {n_sessions}.")
    if target.exists() and (not target.is_dir() or any(target.iterdir())) and not overwrite:
        raise InputValidationError(
            f"Expected argument `out` to be a new or empty folder, but {str(target)!r} already has content "
            "(pass overwrite=True / --overwrite to replace it)."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        summary = _write_all(tmp, seed, n_trials, n_sessions, videos, progress)
        _move_into_place(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    summary.root = target
    summary.seconds = time.perf_counter() - started
    return summary


def _move_into_place(tmp: Path, target: Path) -> None:
    os.chmod(tmp, 0o755)
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.rmdir(old)
        os.rename(target, old)
        os.rename(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, target)


def _write_all(
    root: Path, seed: int, n_trials: int, n_sessions: int, videos: bool, progress: bool
) -> SampleSummary:
    summary = SampleSummary(root=root, seed=seed, n_trials=n_trials)
    plans = plan_trials(n_trials, seed)
    write_impact_release(root / "impact" / "impact-release", plans, seed)
    sessions = egoproactive.make_sessions(n_sessions, seed)
    egoproactive.write_egoproactive(root / "egoproactive", sessions)
    po_videos = procobject.make_videos(seed)
    procobject.write_procobject(root / "procobject", po_videos)
    for bench in ("impact", "egoproactive", "procobject"):
        summary.label_files[bench] = _count_files(root / bench)
    if not videos:
        return summary
    jobs = impact_video_jobs(plans)
    jobs += [
        VideoJob(
            f"egoproactive/egoproactive/val/{s.video_id}.mp4",
            _spans_spec_factory(s.step_spans, s.n_frames, egoproactive.FPS, 0.5),
            egoproactive.FPS,
            egoproactive.SIZE,
            s.n_frames,
        )
        for s in sessions
    ]
    jobs += [
        VideoJob(
            f"procobject/videos/{v.video}",
            _spans_spec_factory([(k, s, e) for k, _, s, e in v.steps], v.n_frames, procobject.FPS, 0.25),
            procobject.FPS,
            procobject.SIZE,
            v.n_frames,
        )
        for v in po_videos
    ]
    summary.codec, summary.videos, summary.video_frames = render_videos(root, jobs, seed, progress=progress)
    return summary


def render_videos(
    root: Path, jobs: list[VideoJob], seed: int, *, progress: bool = False
) -> tuple[str, dict[str, int], int]:
    """Render ``jobs`` under ``root``; return the codec, videos per benchmark and total frames.

    Raises:
        InputValidationError: PyAV is not installed (install the ``video`` extra or use ``--no-videos``).
    """
    try:
        from proceval.sample.video import pick_codec, write_video
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise InputValidationError(
            "Expected PyAV (`av`, from the `video` extra) to render sample videos, but it is not installed; "
            "install it or pass --no-videos."
        ) from exc
    from tqdm import tqdm

    codec = pick_codec()
    per_bench: dict[str, int] = {}
    frames = 0
    for job in tqdm(jobs, desc="rendering sample videos", unit="video", disable=not progress):
        n = write_video(
            root / job.relpath, job.make_spec(), fps=job.fps, size=job.size, seed=seed, codec=codec
        )
        if n != job.n_frames:  # pragma: no cover - planner invariant
            raise RuntimeError(f"{job.relpath}: rendered {n} frames, expected {job.n_frames}")
        bench = job.relpath.split("/", 1)[0]
        per_bench[bench] = per_bench.get(bench, 0) + 1
        frames += n
    return codec, per_bench, frames


__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_TRIALS",
    "SampleSummary",
    "egoproactive_jsonl",
    "egoproactive_video_dir",
    "impact_release_dir",
    "impact_video_path",
    "procobject_dir",
    "write_sample",
]
