"""IMPACT frame-level configs: ``tas_s``, ``tas_bl``, ``tas_br``, ``ppr_l``, ``ppr_r`` × ``s1..s4``.

One example per video stream listed in the official bundle, in bundle order, keyed by video id:

* ``labels``: one label per frame (``List(ClassLabel)`` named from the release's ``mapping_*.txt``),
  exactly the lines of ``groundTruth_*/<video_id>.txt``; ``num_frames`` is that file's length;
* ``segments``: the maximal runs of equal labels, ``start_frame`` / ``end_frame`` **inclusive**,
  0-based in the view's own frame index, NULL runs included (a metric decides what to ignore);
* metadata: :data:`~proceval.benchmarks.impact.columns.VIDEO_FEATURES`,
  :data:`~proceval.benchmarks.impact.columns.TRIAL_FEATURES` and ``annotation_file``.

Quirk: ``20250407_1405_color_ego_sync_clipped`` has 5,383 frames in ``groundTruth_CAS`` (and in the
CV annotation) but 5,379 in the FAS and PPR files. Each config keeps its own file's length; a frame
file whose length differs from the CV annotation's view length raises an ``ImpactQuirkWarning``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets
import numpy as np

from proceval.benchmarks.impact.columns import TRIAL_FEATURES, VIDEO_FEATURES
from proceval.benchmarks.impact.formats.bundles import bundle_path, read_bundle_lines
from proceval.benchmarks.impact.formats.frame_labels import read_frame_label_ids
from proceval.benchmarks.impact.formats.labelmaps import read_label_map
from proceval.benchmarks.impact.formats.naming import parse_video_id
from proceval.benchmarks.impact.metadata import (
    release_relpath,
    trial_fields,
    video_fields,
    warn_quirk,
)
from proceval.datasets.spec import ConfigSpec, Example, register
from proceval.errors import ReleaseFormatError
from proceval.io import cached_per_file_version
from proceval.segments import label_runs

PROTOCOLS: tuple[int, ...] = (1, 2, 3, 4)


@dataclass(frozen=True)
class FrameTask:
    """Where a frame-level task lives in the release (paths relative to ``dataset/``)."""

    task: str
    title: str
    label_dir: str
    mapping: str
    splits_dir: str
    about: str


FRAME_TASKS: tuple[FrameTask, ...] = (
    FrameTask(
        "tas_s",
        "TAS-S (step-level temporal action segmentation)",
        "TAS/groundTruth_CAS",
        "TAS/mapping_CAS.txt",
        "TAS/splits_CAS",
        "26 coarse assembly steps (`NULL` + 25 steps) per frame, from `groundTruth_CAS`.",
    ),
    FrameTask(
        "tas_bl",
        "TAS-BL (left-hand fine-action segmentation)",
        "TAS/groundTruth_FAS_L",
        "TAS/mapping_FAS.txt",
        "TAS/splits_FAS_L",
        "138 left-hand verb_noun fine actions (`NULL` + 137) per frame, from `groundTruth_FAS_L`.",
    ),
    FrameTask(
        "tas_br",
        "TAS-BR (right-hand fine-action segmentation)",
        "TAS/groundTruth_FAS_R",
        "TAS/mapping_FAS.txt",
        "TAS/splits_FAS_R",
        "138 right-hand verb_noun fine actions (`NULL` + 137) per frame, from `groundTruth_FAS_R`.",
    ),
    FrameTask(
        "ppr_l",
        "PPR-L (left-hand procedural phase recognition)",
        "PPR/groundTruth_PPR_L",
        "PPR/mapping_PPR.txt",
        "PPR/splits_PPR_L",
        "3 left-hand phases (`NORMAL`, `ANOMALY`, `RECOVERY`; no null class) per frame, "
        "from `groundTruth_PPR_L`.",
    ),
    FrameTask(
        "ppr_r",
        "PPR-R (right-hand procedural phase recognition)",
        "PPR/groundTruth_PPR_R",
        "PPR/mapping_PPR.txt",
        "PPR/splits_PPR_R",
        "3 right-hand phases (`NORMAL`, `ANOMALY`, `RECOVERY`; no null class) per frame, "
        "from `groundTruth_PPR_R`.",
    ),
)


def _features(label: datasets.features.features.FeatureType) -> datasets.Features:
    return datasets.Features(
        {
            **VIDEO_FEATURES,
            **TRIAL_FEATURES,
            "num_frames": datasets.Value("int64"),
            "labels": datasets.List(label),
            "segments": datasets.List(
                {"label": label, "start_frame": datasets.Value("int64"), "end_frame": datasets.Value("int64")}
            ),
            "annotation_file": datasets.Value("string"),
        }
    )


@cached_per_file_version(maxsize=4096)
def load_frame_label_ids(path: Path, names: tuple[str, ...]) -> np.ndarray:
    """Per-frame label ids of ``path`` (read-only int16), cached across configs sharing the file.

    Raises:
        ReleaseFormatError: missing file, blank line or unknown label (file and line named).
    """
    ids = read_frame_label_ids(path, names)
    ids.setflags(write=False)
    return ids


@cached_per_file_version(maxsize=8)
def _label_names(path: Path) -> tuple[str, ...]:
    return tuple(read_label_map(path))


def label_names(dataset_dir: Path, mapping_rel: str) -> tuple[str, ...]:
    """The official label names of ``dataset_dir / mapping_rel`` (index = id)."""
    return _label_names(dataset_dir / mapping_rel)


def bundle_video_ids(
    dataset_dir: Path, splits_dir: str, split: str, protocol: int
) -> list[tuple[Path, int, str]]:
    """``(bundle_path, line, canonical_video_id)`` for every id of the bundle, in file order.

    Raises:
        ReleaseFormatError: a missing bundle, a repeated id, or a line that is not an IMPACT video id.
    """
    path = bundle_path(dataset_dir / splits_dir, split, protocol)
    out = []
    for lineno, text in read_bundle_lines(path):
        try:
            vid = parse_video_id(text).video_id
        except ValueError:
            raise ReleaseFormatError(
                path, f"expected a video id like '20250407_1345_color_front_clipped', got {text!r}", lineno
            ) from None
        out.append((path, lineno, vid))
    return out


def segments_of(labels: np.ndarray) -> dict[str, list[int]]:
    """Maximal constant runs of ``labels``: columns ``label``, ``start_frame``, ``end_frame`` (inclusive)."""
    runs = label_runs(labels)
    return {
        "label": runs.labels.astype(np.int64).tolist(),
        "start_frame": runs.starts.tolist(),
        "end_frame": (runs.ends - 1).tolist(),
    }


def _generate(task: FrameTask, protocol: int, dataset_dir: Path, split: str) -> Iterator[tuple[str, Example]]:
    dataset_dir = Path(dataset_dir)
    names = label_names(dataset_dir, task.mapping)
    ids = bundle_video_ids(dataset_dir, task.splits_dir, split, protocol)
    view_lengths = _cv_view_lengths(dataset_dir)
    for bpath, lineno, vid in ids:
        gt = dataset_dir / task.label_dir / f"{vid}.txt"
        if not gt.is_file():
            raise ReleaseFormatError(bpath, f"video id {vid!r} has no annotation (expected {gt})", lineno)
        labels = load_frame_label_ids(gt, names)
        expected = view_lengths.get(vid)
        if expected is not None and expected != len(labels):
            warn_quirk(
                f"{release_relpath(dataset_dir, gt)} has {len(labels)} frames but the CV annotation of {vid} "
                f"spans {expected}; kept the file's own length"
            )
        fields = video_fields(vid)
        example: dict[str, Any] = {
            **fields,
            **trial_fields(dataset_dir, fields["trial_id"]),
            "num_frames": len(labels),
            "labels": labels,
            "segments": [
                {"label": lab, "start_frame": s, "end_frame": e}
                for lab, s, e in zip(*segments_of(labels).values(), strict=True)
            ],
            "annotation_file": release_relpath(dataset_dir, gt),
        }
        yield vid, example


def _cv_view_lengths(dataset_dir: Path) -> dict[str, int]:
    # Imported lazily: cv.py registers configs too and imports this module's helpers.
    from proceval.benchmarks.impact.formats.cv import cv_view_lengths

    return cv_view_lengths(dataset_dir)


def _features_fn(task: FrameTask):
    def fn(dataset_dir: Path) -> datasets.Features:
        return _features(datasets.ClassLabel(names=list(label_names(Path(dataset_dir), task.mapping))))

    return fn


def _description(task: FrameTask, protocol: int) -> str:
    return (
        f"{task.title}, split protocol S{protocol}. One example per video stream of the official "
        f"`{task.splits_dir}/{{train,val,test}}.split{protocol}.bundle`: {task.about} "
        "Per-frame `labels` in the view's own frame index, run-length `segments` with inclusive "
        "`start_frame`/`end_frame`, and trial metadata."
    )


def _register_all() -> None:
    static = _features(datasets.Value("int64"))
    for task in FRAME_TASKS:
        for protocol in PROTOCOLS:
            register(
                ConfigSpec(
                    benchmark="impact",
                    task=task.task,
                    protocol=f"s{protocol}",
                    description=_description(task, protocol),
                    features=static,
                    generate=functools.partial(_generate, task, protocol),
                    media="video",
                    extra={
                        "features_fn": _features_fn(task),
                        "title": task.title,
                        "label_dir": task.label_dir,
                        "mapping": task.mapping,
                        "splits_dir": task.splits_dir,
                        "family": "frame",
                    },
                )
            )


_register_all()
