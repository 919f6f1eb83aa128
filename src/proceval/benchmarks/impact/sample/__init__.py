"""The IMPACT part of the sample release: the official annotation layout plus one video per stream.

:func:`write_sample_release` writes ``<root>/impact/impact-release/{dataset,task_configs}/...`` (see
:mod:`.writer`) and returns the :class:`~proceval.sample.VideoJob` of every video
(``<root>/impact/videos/<video_id>.mp4``: exo 30 fps, ego 25 fps). Frame colour = coarse step, corner
patches = hand actions, border = phase, so that the demo baselines have something to learn.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from proceval.benchmarks.impact.formats.naming import VideoName, canonical_video_id
from proceval.benchmarks.impact.sample import vocab
from proceval.benchmarks.impact.sample.plan import EGO_FPS, EXO_FPS, TrialPlan, plan_trials
from proceval.benchmarks.impact.sample.splits import VIEWS_ORDER
from proceval.benchmarks.impact.sample.writer import EGO_SIZE, EXO_SIZE, write_impact_release
from proceval.errors import InputValidationError
from proceval.sample import VideoJob

DEFAULT_TRIALS = 6


def impact_release_dir(root: str | os.PathLike[str]) -> Path:
    """``impact-release/`` of a sample written to ``root`` (holds ``dataset/`` and ``task_configs/``)."""
    return Path(root) / "impact" / "impact-release"


def impact_videos_dir(root: str | os.PathLike[str]) -> Path:
    """The videos folder of a sample written to ``root``."""
    return Path(root) / "impact" / "videos"


def impact_video_path(root: str | os.PathLike[str], video_id: str) -> Path:
    """The sample video of an IMPACT video id (any naming variant, e.g. ``..._ego_sync``)."""
    return impact_videos_dir(root) / f"{canonical_video_id(video_id)}.mp4"


def write_sample_release(root: Path, seed: int, n_trials: int | None = None) -> list[VideoJob]:
    """Write the IMPACT label files under ``root/impact`` and return the video jobs.

    Args:
        root: the sample root.
        seed: seed of every random choice.
        n_trials: trials (at least 6, so that every split of S1-S4 is non-empty); five videos each.

    Raises:
        InputValidationError: ``n_trials`` is below 6.
    """
    n_trials = DEFAULT_TRIALS if n_trials is None else n_trials
    if n_trials < 6:
        raise InputValidationError(f"Expected argument `n_trials` to be at least 6, but got {n_trials}.")
    plans = plan_trials(n_trials, seed)
    write_impact_release(impact_release_dir(root), plans, seed)
    return impact_video_jobs(plans)


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
                    _spec_factory(p, view),
                    EGO_FPS if view == "ego" else EXO_FPS,
                    EGO_SIZE if view == "ego" else EXO_SIZE,
                    n,
                )
            )
    return jobs


def _spec_factory(p: TrialPlan, view: str) -> Callable[[], Any]:
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
