"""Pro2Bench / EgoProactive: proactive assistance (interrupt or silent, what to say).

So far only the sample release is written (the public EgoProactive challenge JSONL layout, see
:mod:`.sample`); the datasets and metrics are future work. Importing the package registers
:data:`BENCHMARK` (no configs or tasks yet).
"""

from __future__ import annotations

import os
from pathlib import Path

from proceval.benchmarks.pro2bench.tasks import TASKS
from proceval.errors import InputValidationError
from proceval.registry import Benchmark, register_benchmark
from proceval.sample import VideoJob, spans_spec_factory

DEFAULT_SESSIONS = 4


def egoproactive_jsonl(root: str | os.PathLike[str]) -> Path:
    """The EgoProactive JSONL of a sample (the only ``*.jsonl`` in ``egoproactive/egoproactive/``).

    Raises:
        InputValidationError: there is not exactly one such file.
    """
    folder = Path(root) / "egoproactive" / "egoproactive"
    found = sorted(folder.glob("wearable_ai_2026_egoproactive_val_*.jsonl"))
    if len(found) != 1:
        raise InputValidationError(
            f"Expected one EgoProactive JSONL under {str(folder)!r}, but found {len(found)}."
        )
    return found[0]


def egoproactive_video_dir(root: str | os.PathLike[str]) -> Path:
    """Folder of the EgoProactive sample videos (``video_path`` values are file names in it)."""
    return Path(root) / "egoproactive" / "egoproactive" / "val"


def write_sample_release(root: Path, seed: int, n_sessions: int | None = None) -> list[VideoJob]:
    """Write the EgoProactive sample JSONL under ``root/egoproactive`` and return its video jobs.

    Raises:
        InputValidationError: ``n_sessions`` is below 1.
    """
    from proceval.benchmarks.pro2bench import sample

    n_sessions = DEFAULT_SESSIONS if n_sessions is None else n_sessions
    if n_sessions < 1:
        raise InputValidationError(f"Expected argument `n_sessions` to be at least 1, but got {n_sessions}.")
    sessions = sample.make_sessions(n_sessions, seed)
    sample.write_egoproactive(root / "egoproactive", sessions)
    return [
        VideoJob(
            f"egoproactive/egoproactive/val/{s.video_id}.mp4",
            spans_spec_factory(s.step_spans, s.n_frames, sample.FPS, 0.5),
            sample.FPS,
            sample.SIZE,
            s.n_frames,
        )
        for s in sessions
    ]


BENCHMARK = register_benchmark(
    Benchmark(
        name="pro2bench",
        title="Pro2Bench / EgoProactive: proactive assistance (interrupt or silent, what to say)",
        tasks=TASKS,
        write_sample=write_sample_release,
    )
)
