"""ProcObject-10K: grounded open-ended VideoQA (answer + temporal evidence spans).

So far only the sample release is written (see :mod:`.sample`); the datasets and metrics are future
work. Importing the package registers :data:`BENCHMARK` (no configs or tasks yet).
"""

from __future__ import annotations

import os
from pathlib import Path

from proceval.benchmarks.procobject.tasks import TASKS
from proceval.registry import Benchmark, register_benchmark
from proceval.sample import VideoJob, spans_spec_factory


def procobject_dir(root: str | os.PathLike[str]) -> Path:
    """Folder holding ``training.json``, ``testing.json`` and ``videos/`` of the ProcObject sample."""
    return Path(root) / "procobject"


def write_sample_release(root: Path, seed: int, n_units: int | None = None) -> list[VideoJob]:
    """Write the ProcObject sample JSON under ``root/procobject`` and return its video jobs."""
    from proceval.benchmarks.procobject import sample

    videos = sample.make_videos(seed)
    sample.write_procobject(procobject_dir(root), videos)
    return [
        VideoJob(
            f"procobject/videos/{v.video}",
            spans_spec_factory([(k, s, e) for k, _, s, e in v.steps], v.n_frames, sample.FPS, 0.25),
            sample.FPS,
            sample.SIZE,
            v.n_frames,
        )
        for v in videos
    ]


BENCHMARK = register_benchmark(
    Benchmark(
        name="procobject",
        title="ProcObject-10K: grounded open-ended VideoQA (answer + temporal evidence spans)",
        tasks=TASKS,
        write_sample=write_sample_release,
    )
)
