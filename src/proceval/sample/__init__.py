"""The embedded sample release: ``proceval sample OUT``.

Writes a miniature release of each registered benchmark that declares a sample writer
(:attr:`proceval.registry.Benchmark.write_sample`), in its **official on-disk format**, so the code path
that reads the real release reads the sample too. Each writer puts its label files under
``OUT/<folder>/`` and returns the :class:`VideoJob` of every video; the videos are rendered here.

The same seed gives byte-identical files. Everything is written into a hidden temporary folder beside
``OUT`` that is renamed into place at the end, so an interrupted run never leaves a half sample.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proceval.errors import InputValidationError

DEFAULT_SEED = 0


@dataclass
class VideoJob:
    """One video to render: output path (relative to the sample root), frame spec factory, fps and size.

    ``codec`` asks for an encoder by its PyAV name (e.g. ``"libx265"`` where the real release is H.265);
    ``None`` (default) takes :func:`proceval.sample.video.pick_codec`'s choice. A codec this PyAV build
    cannot encode is an error, so a sample never silently lacks the codec path it was meant to test.
    """

    relpath: str
    make_spec: Callable[[], Any]
    fps: int
    size: tuple[int, int]
    n_frames: int
    codec: str | None = None


@dataclass
class SampleSummary:
    """What :func:`write_sample` wrote."""

    root: Path
    seed: int
    label_files: dict[str, int] = field(default_factory=dict)
    videos: dict[str, int] = field(default_factory=dict)
    video_frames: int = 0
    codec: str | None = None
    seconds: float = 0.0

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        out = [f"sample release written to {self.root} (seed {self.seed})"]
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


def writer_fingerprint() -> str:
    """A short hash of the code that writes the sample (this package, every benchmark's sample writer).

    A cached sample whose marker holds another fingerprint was written by other code and must be
    rewritten: the demo and the test suite key their cached samples on it.
    """
    import hashlib

    import proceval

    root = Path(proceval.__file__).parent
    patterns = (
        "sample/*.py",
        "benchmarks/*/__init__.py",
        "benchmarks/*/sample.py",
        "benchmarks/*/sample/*.py",
    )
    files = sorted(path for pattern in patterns for path in root.glob(pattern))
    h = hashlib.sha256(proceval.__version__.encode())
    for path in files:
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


def _count_files(root: Path) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file() and p.suffix != ".mp4")


def spans_spec_factory(
    spans: list[tuple[int, float, float]], n_frames: int, fps: int, offset: float
) -> Callable:
    """A frame-spec factory colouring each frame by the step span it falls in."""

    def make() -> Any:
        from proceval.sample.video import FrameSpec, ids_from_spans, palette

        ids = ids_from_spans(spans, n_frames, fps)
        return FrameSpec(main=ids, main_palette=palette(int(ids.max()) + 1, offset=offset))

    return make


def write_sample(
    out: str | os.PathLike[str],
    *,
    seed: int = DEFAULT_SEED,
    sizes: Mapping[str, int] | None = None,
    benchmarks: list[str] | None = None,
    videos: bool = True,
    overwrite: bool = False,
    progress: bool = False,
) -> SampleSummary:
    """Write the sample release of every registered benchmark (or of ``benchmarks``) to ``out``.

    Args:
        out: target folder; must not exist or be empty unless ``overwrite``.
        seed: seed of every random choice (same seed, same bytes).
        sizes: ``{benchmark: number of units}`` (e.g. IMPACT trials, EgoProactive sessions); each
            benchmark's writer checks its own minimum.
        benchmarks: the benchmarks to write (default: every one with a sample writer).
        videos: also render the videos (needs PyAV); ``False`` writes label files only.
        overwrite: replace an existing non-empty ``out``.
        progress: show a tqdm bar while rendering videos.

    Raises:
        InputValidationError: ``out`` has content and ``overwrite`` is False, a size is too small, or a
            benchmark is unknown.
    """
    from proceval.registry import benchmarks as registered
    from proceval.registry import get_benchmark

    started = time.perf_counter()
    target = Path(out).resolve()
    chosen = (
        [get_benchmark(name) for name in benchmarks]
        if benchmarks is not None
        else [b for b in registered() if b.write_sample is not None]
    )
    if target.exists() and (not target.is_dir() or any(target.iterdir())) and not overwrite:
        raise InputValidationError(
            f"Expected argument `out` to be a new or empty folder, but {str(target)!r} already has content "
            "(pass overwrite=True / --overwrite to replace it)."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        summary = SampleSummary(root=tmp, seed=seed)
        jobs: list[VideoJob] = []
        for bench in chosen:
            if bench.write_sample is None:
                raise InputValidationError(f"Benchmark {bench.name!r} has no sample release writer.")
            before = set(tmp.iterdir())
            jobs += bench.write_sample(tmp, seed, (sizes or {}).get(bench.name))
            for folder in sorted(set(tmp.iterdir()) - before):
                summary.label_files[folder.name] = _count_files(folder)
        if videos:
            summary.codec, summary.videos, summary.video_frames = render_videos(
                tmp, jobs, seed, progress=progress
            )
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


def render_videos(
    root: Path, jobs: list[VideoJob], seed: int, *, progress: bool = False
) -> tuple[str, dict[str, int], int]:
    """Render ``jobs`` under ``root``; return the codecs used (``", "``-joined), videos per benchmark and frames.

    Raises:
        InputValidationError: PyAV is not installed (install the ``video`` extra or use ``--no-videos``), or
            a job asks for a codec PyAV cannot encode here.
    """
    try:
        from proceval.sample.video import can_encode, pick_codec, write_video
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise InputValidationError(
            "Expected PyAV (`av`, from the `video` extra) to render sample videos, but it is not installed; "
            "install it or pass --no-videos."
        ) from exc
    from tqdm import tqdm

    codec = pick_codec()
    missing = sorted({job.codec for job in jobs if job.codec is not None and not can_encode(job.codec)})
    if missing:
        raise InputValidationError(
            f"Expected PyAV to encode the sample's codecs, but this build cannot encode {missing}; "
            "install a PyAV build with them or pass --no-videos."
        )
    used: list[str] = []
    per_bench: dict[str, int] = {}
    frames = 0
    for job in tqdm(jobs, desc="rendering sample videos", unit="video", disable=not progress):
        job_codec = job.codec or codec
        if job_codec not in used:
            used.append(job_codec)
        n = write_video(
            root / job.relpath, job.make_spec(), fps=job.fps, size=job.size, seed=seed, codec=job_codec
        )
        if n != job.n_frames:  # pragma: no cover - planner invariant
            raise RuntimeError(f"{job.relpath}: rendered {n} frames, expected {job.n_frames}")
        bench = job.relpath.split("/", 1)[0]
        per_bench[bench] = per_bench.get(bench, 0) + 1
        frames += n
    return ", ".join(used or [codec]), per_bench, frames


__all__ = [
    "DEFAULT_SEED",
    "SampleSummary",
    "VideoJob",
    "render_videos",
    "spans_spec_factory",
    "write_sample",
    "writer_fingerprint",
]
