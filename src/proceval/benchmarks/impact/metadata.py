"""Shared IMPACT metadata for every config: video fields, trial metadata, label features, quirks.

Every IMPACT example starts with :func:`video_fields` (``video_id``, ``trial_id``, ``view``,
``is_ego``, ``fps``) followed by :func:`trial_fields` (``subject``, ``grinder_model``, ``workflow``).
The matching feature dicts are :data:`VIDEO_FEATURES` and :data:`TRIAL_FEATURES`.

Where the metadata comes from (nothing else in the release records it):

* ``subject`` (e.g. ``"subject11"``): the folder name in ``CV/annotations_CAS/<view>/subjectNN/``.
  Every trial is there, so every example has one. Ego files carry no subject folder; the trial's
  exo folders give it.
* ``grinder_model`` and ``workflow``: ``meta_data.model_type`` and ``workflow`` of the trial's ASR
  file ``ASR/annotations/<trial>_color_front_clipped_asr.json``. Only 92 of the 112 trials have
  one, all ``CG15-125BL`` (the paper's Model-A). The other 20 trials get ``None``: the paper counts
  20 Model-B (``WSG7-115A``) recordings and 19 of these 20 trials form the S3 test set, but no file
  states their model, so proceval does not guess.

Views always come from file names, never from a JSON ``view`` field (some are wrong).
"""

from __future__ import annotations

import functools
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proceval.benchmarks.impact.formats.naming import parse_video_id
from proceval.errors import ReleaseFormatError
from proceval.io import read_json

# The release and paper text available here name no authors; cite the official repository.
CITATION = """@misc{impact_benchmark,
  title  = {{IMPACT}: a synchronized five-view {RGB-D} dataset for industrial procedural understanding},
  year   = {2026},
  howpublished = {\\url{https://github.com/Kratos-Wen/IMPACT}}
}"""
HOMEPAGE = "https://github.com/Kratos-Wen/IMPACT"
LICENSE = "cc-by-nc-sa-4.0"


class ImpactQuirkWarning(UserWarning):
    """A known quirk of the official release was met and resolved (see the dataset card)."""


def warn_quirk(message: str) -> None:
    """Emit an :class:`ImpactQuirkWarning` (shown once per distinct message)."""
    warnings.warn(message, ImpactQuirkWarning, stacklevel=3)


@dataclass(frozen=True)
class TrialMeta:
    """Metadata of one trial; ``None`` where the release does not record it."""

    trial_id: str
    subject: str | None
    grinder_model: str | None
    workflow: str | None


def video_fields(video_id: str) -> dict[str, Any]:
    """``video_id`` (canonical), ``trial_id``, ``view``, ``is_ego``, ``fps`` (nominal, frames/s).

    Raises:
        ValueError: ``video_id`` is not an IMPACT video name.
    """
    name = parse_video_id(video_id)
    return {
        "video_id": name.video_id,
        "trial_id": name.trial,
        "view": name.view,
        "is_ego": name.is_ego,
        "fps": name.fps,
    }


def trial_fields(dataset_dir: Path, trial_id: str) -> dict[str, Any]:
    """``subject``, ``grinder_model``, ``workflow`` of ``trial_id`` (``None`` where unrecorded)."""
    meta = trial_metadata(dataset_dir).get(trial_id)
    if meta is None:
        return {"subject": None, "grinder_model": None, "workflow": None}
    return {"subject": meta.subject, "grinder_model": meta.grinder_model, "workflow": meta.workflow}


def trial_metadata(dataset_dir: str | os.PathLike[str]) -> dict[str, TrialMeta]:
    """Trial id → :class:`TrialMeta`, read once per release folder (cached).

    Raises:
        ReleaseFormatError: two CV subject folders claim the same trial, or an ASR file lacks
            ``meta_data``.
    """
    key = str(dataset_dir)
    resolved = _RESOLVED.get(key)
    if resolved is None:
        resolved = _RESOLVED[key] = str(Path(dataset_dir).resolve())
    return _trial_metadata(resolved)


_RESOLVED: dict[str, str] = {}


@functools.lru_cache(maxsize=8)
def _trial_metadata(dataset_dir: str) -> dict[str, TrialMeta]:
    root = Path(dataset_dir)
    subjects: dict[str, tuple[str, Path]] = {}
    cv_root = root / "CV" / "annotations_CAS"
    if cv_root.is_dir():
        for view_dir in sorted(p for p in cv_root.iterdir() if p.is_dir()):
            for subject_dir in sorted(p for p in view_dir.iterdir() if p.is_dir()):
                for file in sorted(subject_dir.glob("*.json")):
                    trial = parse_video_id(file.stem).trial
                    seen = subjects.get(trial)
                    if seen is not None and seen[0] != subject_dir.name:
                        raise ReleaseFormatError(
                            file,
                            f"trial {trial} is in {subject_dir.name} here but in {seen[0]} in {seen[1]}",
                        )
                    subjects[trial] = (subject_dir.name, file)
    asr: dict[str, tuple[str | None, str | None]] = {}
    asr_root = root / "ASR" / "annotations"
    if asr_root.is_dir():
        for file in sorted(asr_root.glob("*_asr.json")):
            trial = parse_video_id(file.stem.removesuffix("_asr")).trial
            data = read_json(file)
            meta = data.get("meta_data") if isinstance(data, dict) else None
            if not isinstance(meta, dict):
                raise ReleaseFormatError(file, "expected an object `meta_data` with `model_type`")
            asr[trial] = (meta.get("model_type"), data.get("workflow", meta.get("workflow")))
    out: dict[str, TrialMeta] = {}
    for trial in sorted(set(subjects) | set(asr)):
        model, workflow = asr.get(trial, (None, None))
        subject = subjects[trial][0] if trial in subjects else None
        out[trial] = TrialMeta(trial, subject, model, workflow)
    return out


def release_relpath(dataset_dir: Path, path: Path) -> str:
    """``path`` relative to the release's ``dataset/`` folder, with ``/`` separators (provenance column)."""
    try:
        return path.relative_to(dataset_dir).as_posix()
    except ValueError:
        return path.as_posix()
