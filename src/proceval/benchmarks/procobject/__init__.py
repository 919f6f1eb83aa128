"""ProcObject-10K: grounded open-ended VideoQA (answer + temporal evidence spans) over object state changes.

Everything that names ProcObject-10K lives in this package: the released vocabulary (:mod:`.schema`),
release resolution and data version (:mod:`.release`), the reader of ``data/training.json`` /
``data/testing.json`` (:mod:`.formats`), the dataset configs (:mod:`.configs`: ``all``, ``needle``,
``multihop`` and one per QA type), media helpers (:mod:`.media`: the source-video layout, clip-window
decoding, evidence in source-video time), the card (:mod:`.card`), the sample writer (:mod:`.sample`) and
the task declarations (:mod:`.tasks`). Importing the package registers :data:`BENCHMARK`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from proceval.benchmarks.procobject.metadata import CITATION, DESCRIPTION, HOMEPAGE, LICENSE
from proceval.benchmarks.procobject.release import data_version, resolve_release
from proceval.benchmarks.procobject.tasks import TASKS
from proceval.errors import InputValidationError
from proceval.registry import Benchmark, Lazy, register_benchmark

if TYPE_CHECKING:
    from proceval.sample import VideoJob


def procobject_dir(root: str | os.PathLike[str]) -> Path:
    """The ProcObject release root of a sample (holding ``data/`` and ``videos/``)."""
    return Path(root) / "procobject"


def procobject_videos_dir(root: str | os.PathLike[str]) -> Path:
    """The videos root of a sample: ``<root>/procobject/videos`` (files at ``<video_path>``)."""
    return procobject_dir(root) / "videos"


def write_sample_release(root: Path, seed: int, n_units: int | None = None) -> list[VideoJob]:
    """Write the ProcObject sample under ``root/procobject`` and return the jobs rendering its source videos.

    Args:
        root: the sample root.
        seed: seed of every random choice (same seed, same bytes).
        n_units: source videos per corpus; the sample has exactly two (one train, one test), so only
            None or 2 is accepted.

    Raises:
        InputValidationError: ``n_units`` is neither None nor 2.
    """
    from proceval.benchmarks.procobject import sample
    from proceval.sample import VideoJob, spans_spec_factory

    if n_units not in (None, 2):
        raise InputValidationError(
            f"Expected argument `n_units` (source videos per corpus) to be 2 for the ProcObject sample, "
            f"but got {n_units!r}."
        )
    videos = sample.make_videos(seed)
    sample.write_procobject(procobject_dir(root), videos, seed)
    return [
        VideoJob(
            f"procobject/videos/{v.video_path}",
            spans_spec_factory(sample.step_spans(v), v.n_frames, sample.FPS, 0.25),
            sample.FPS,
            sample.SIZE,
            v.n_frames,
        )
        for v in videos
    ]


def _configs() -> list:
    import proceval.benchmarks.procobject.configs  # noqa: F401  (registers every config)
    from proceval.datasets.spec import registered_configs

    return registered_configs("procobject")


BENCHMARK = register_benchmark(
    Benchmark(
        name="procobject",
        title="ProcObject-10K: grounded open-ended VideoQA (answer + temporal evidence spans)",
        resolve_release=resolve_release,
        data_version=data_version,
        configs=_configs,
        tasks=TASKS,
        citation=CITATION,
        homepage=HOMEPAGE,
        license=LICENSE,
        description=DESCRIPTION,
        card=Lazy("proceval.benchmarks.procobject.card:procobject_card"),
        write_sample=write_sample_release,
        sample_release=procobject_dir,
        sample_videos=procobject_videos_dir,
    )
)
