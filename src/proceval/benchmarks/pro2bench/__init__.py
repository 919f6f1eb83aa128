"""Pro2Bench / EgoProactive: proactive assistance (interrupt or silent, what to say).

Everything that names Pro2Bench or EgoProactive lives in this package: release resolution and the data
version (:mod:`.release`), the challenge parser (:mod:`.reader`), proceval's Pro2Bench schema
(:mod:`.instances`), the configs (:mod:`.configs`: ``egoproactive``, ``egoproactive_decisions``,
``pro2bench_<source>``), decision-clip decoding (:mod:`.media`), the card text (:mod:`.card`), the sample
writer (:mod:`.sample`) and the task declarations (:mod:`.tasks`). Importing the package registers
:data:`BENCHMARK`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from proceval.benchmarks.pro2bench.metadata import CITATION, DESCRIPTION, HOMEPAGE, LICENSE
from proceval.benchmarks.pro2bench.tasks import TASKS
from proceval.errors import InputValidationError
from proceval.registry import Benchmark, Lazy, register_benchmark

if TYPE_CHECKING:
    from proceval.sample import VideoJob

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


def sample_release_dir(root: str | os.PathLike[str]) -> Path:
    """The release folder of a sample written to ``root`` (holds ``egoproactive/`` and ``pro2bench/``)."""
    return Path(root) / "egoproactive"


def write_sample_release(root: Path, seed: int, n_sessions: int | None = None) -> list[VideoJob]:
    """Write the sample's label files under ``root/egoproactive`` and return its video jobs.

    The EgoProactive session videos are H.265 (as the release); the other sources' videos use the
    sample's default codec.

    Raises:
        InputValidationError: ``n_sessions`` is below 1.
    """
    from proceval.benchmarks.pro2bench import sample
    from proceval.sample import VideoJob, spans_spec_factory

    n_sessions = DEFAULT_SESSIONS if n_sessions is None else n_sessions
    if n_sessions < 1:
        raise InputValidationError(f"Expected argument `n_sessions` to be at least 1, but got {n_sessions}.")
    release = sample_release_dir(root)
    sessions = sample.make_sessions(n_sessions, seed)
    sample.write_egoproactive(release, sessions)
    others = sample.make_source_sessions(seed)
    sample.write_pro2bench(release, sessions, others)
    jobs = [
        VideoJob(
            f"egoproactive/egoproactive/val/{s.video_id}.mp4",
            spans_spec_factory(s.step_spans, s.n_frames, sample.FPS, 0.5),
            sample.FPS,
            sample.SIZE,
            s.n_frames,
            codec=sample.EGOPROACTIVE_CODEC,
        )
        for s in sessions
    ]
    jobs += [
        VideoJob(
            f"egoproactive/{s.video_relpath}",
            spans_spec_factory(s.step_spans, s.n_frames, sample.FPS, 0.3),
            sample.FPS,
            sample.SIZE,
            s.n_frames,
        )
        for s in others
    ]
    return jobs


def _configs() -> list:
    import proceval.benchmarks.pro2bench.configs  # noqa: F401  (registers every config)
    from proceval.datasets.spec import registered_configs

    return registered_configs("pro2bench")


BENCHMARK = register_benchmark(
    Benchmark(
        name="pro2bench",
        title="Pro2Bench / EgoProactive: proactive assistance (interrupt or silent, what to say)",
        resolve_release=Lazy("proceval.benchmarks.pro2bench.release:resolve_release"),
        data_version=Lazy("proceval.benchmarks.pro2bench.release:data_version"),
        configs=_configs,
        tasks=TASKS,
        citation=CITATION,
        homepage=HOMEPAGE,
        license=LICENSE,
        description=DESCRIPTION,
        card=Lazy("proceval.benchmarks.pro2bench.card:pro2bench_card"),
        write_sample=write_sample_release,
        sample_release=sample_release_dir,
        sample_videos=sample_release_dir,
    )
)
