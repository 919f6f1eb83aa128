"""IMPACT AF-L config ``af_l_s1``: long-horizon step forecasting, **derived by proceval**.

IMPACT released no AF-L files (``dataset/AF-L/`` holds a README only). The paper's protocol is:
observe M = 2 TAS-S steps, forecast the next Z = 5 steps (best of K = 5, scored with Ego4D's ED@Z
and AUED), split S1, the 4 exo views, the 26-class step vocabulary. proceval derives the
instances from the TAS-S frame labels exactly as follows (:func:`step_sequence`,
:func:`forecast_instances`):

1. Videos: the ids of the official TAS-S bundles ``TAS/splits_CAS/{train,val,test}.split1.bundle``
   whose view is ``front``, ``left``, ``right`` or ``top`` (ego ids are skipped, as the protocol is
   exo-only), in bundle order.
2. Steps: the per-frame labels of ``TAS/groundTruth_CAS/<video_id>.txt`` are run-length encoded;
   runs of ``NULL`` (id 0) are removed; then consecutive runs with the same step label (a step
   interrupted only by ``NULL``) are merged into one step spanning from the first run's first
   frame to the last run's last frame. Without merging, 1,426 such repeats over the 448 S1 exo
   videos would make ``A, A`` appear as two steps.
3. Instances: for a video with steps ``s_0 .. s_{n-1}``, one instance per ``i`` in
   ``M-1 .. n-Z-1``: observed steps ``s_{i-M+1} .. s_i``, future steps ``s_{i+1} .. s_{i+Z}``.
   A video with fewer than M + Z steps yields none.

Columns: ``observed_steps`` / ``future_steps`` (step ids, ``ClassLabel`` named from
``mapping_CAS.txt``) with their ``*_start_frames`` / ``*_end_frames`` (inclusive, the view's own
30 fps frame index); ``start_frame`` = first observed frame, ``end_frame`` = ``observation_end_frame``
= last frame of the last observed step (inclusive).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets
import numpy as np

from proceval.benchmarks.impact.columns import TRIAL_FEATURES, VIDEO_FEATURES
from proceval.benchmarks.impact.configs.frame_tasks import bundle_video_ids, label_names, load_frame_label_ids
from proceval.benchmarks.impact.metadata import (
    release_relpath,
    trial_fields,
    video_fields,
)
from proceval.datasets.spec import ConfigSpec, Example, register
from proceval.errors import ReleaseFormatError
from proceval.segments import label_runs

logger = logging.getLogger(__name__)

M_OBSERVED = 2
Z_FUTURE = 5
NULL_ID = 0
LABEL_DIR = "TAS/groundTruth_CAS"
MAPPING = "TAS/mapping_CAS.txt"
SPLITS_DIR = "TAS/splits_CAS"
PROTOCOL = 1


@dataclass(frozen=True)
class Step:
    """One step of a derived step sequence: label id and inclusive frame span."""

    label: int
    start_frame: int
    end_frame: int


def step_sequence(
    labels: Sequence[int] | np.ndarray, null_id: int = NULL_ID, merge_repeats: bool = True
) -> list[Step]:
    """Steps of a per-frame label sequence: non-null runs, repeats merged across null gaps.

    Args:
        labels: per-frame step ids.
        null_id: the background label whose runs are removed.
        merge_repeats: merge consecutive steps with the same label (after null removal).

    Returns:
        steps in time order, frames inclusive.

    Example:
        >>> [(s.label, s.start_frame, s.end_frame) for s in step_sequence([0, 3, 3, 0, 3, 5, 0])]
        [(3, 1, 4), (5, 5, 5)]
        >>> [s.label for s in step_sequence([0, 3, 3, 0, 3, 5, 0], merge_repeats=False)]
        [3, 3, 5]
    """
    runs = label_runs(np.asarray(labels))
    steps: list[Step] = []
    for lab, start, end in zip(runs.labels.tolist(), runs.starts.tolist(), runs.ends.tolist(), strict=True):
        if lab == null_id:
            continue
        if merge_repeats and steps and steps[-1].label == lab:
            steps[-1] = Step(lab, steps[-1].start_frame, end - 1)
        else:
            steps.append(Step(int(lab), int(start), int(end - 1)))
    return steps


def forecast_instances(
    steps: Sequence[Step], m: int = M_OBSERVED, z: int = Z_FUTURE
) -> list[tuple[int, list[Step], list[Step]]]:
    """``(i, observed, future)`` for every position ``i`` with ``m`` observed and ``z`` future steps.

    Example:
        >>> steps = [Step(k, 10 * k, 10 * k + 9) for k in range(1, 9)]
        >>> [(i, [s.label for s in o], [s.label for s in f]) for i, o, f in forecast_instances(steps)]
        [(1, [1, 2], [3, 4, 5, 6, 7]), (2, [2, 3], [4, 5, 6, 7, 8])]
    """
    if m < 1 or z < 1:
        raise ValueError(f"Expected `m` and `z` >= 1, but got m={m}, z={z}.")
    return [
        (i, list(steps[i - m + 1 : i + 1]), list(steps[i + 1 : i + 1 + z]))
        for i in range(m - 1, len(steps) - z)
    ]


def _spans(steps: Sequence[Step], prefix: str) -> dict[str, list[int]]:
    return {
        f"{prefix}_steps": [s.label for s in steps],
        f"{prefix}_start_frames": [s.start_frame for s in steps],
        f"{prefix}_end_frames": [s.end_frame for s in steps],
    }


def _generate(dataset_dir: Path, split: str) -> Iterator[tuple[str, Example]]:
    dataset_dir = Path(dataset_dir)
    names = label_names(dataset_dir, MAPPING)
    if names[NULL_ID].upper() != "NULL":
        raise ReleaseFormatError(
            dataset_dir / MAPPING, f"expected id {NULL_ID} to be NULL, got {names[NULL_ID]!r}"
        )
    skipped_ego = 0
    for bpath, lineno, vid in bundle_video_ids(dataset_dir, SPLITS_DIR, split, PROTOCOL):
        fields = video_fields(vid)
        if fields["is_ego"]:
            skipped_ego += 1
            continue
        gt = dataset_dir / LABEL_DIR / f"{vid}.txt"
        if not gt.is_file():
            raise ReleaseFormatError(bpath, f"video id {vid!r} has no annotation (expected {gt})", lineno)
        steps = step_sequence(load_frame_label_ids(gt, names))
        trial = trial_fields(dataset_dir, fields["trial_id"])
        rel = release_relpath(dataset_dir, gt)
        for i, observed, future in forecast_instances(steps):
            example: dict[str, Any] = {
                **fields,
                **trial,
                "instance_index": i,
                "num_steps": len(steps),
                "start_frame": observed[0].start_frame,
                "end_frame": observed[-1].end_frame,
                "observation_end_frame": observed[-1].end_frame,
                **_spans(observed, "observed"),
                **_spans(future, "future"),
                "annotation_file": rel,
            }
            yield f"{vid}/{i}", example
    logger.debug(
        "af_l_s1/%s: skipped %d ego ids of the CAS bundle (the protocol is exo-only)", split, skipped_ego
    )


def _features(step: Any) -> datasets.Features:
    frames = datasets.List(datasets.Value("int64"))
    return datasets.Features(
        {
            **VIDEO_FEATURES,
            **TRIAL_FEATURES,
            "instance_index": datasets.Value("int32"),
            "num_steps": datasets.Value("int32"),
            "start_frame": datasets.Value("int64"),
            "end_frame": datasets.Value("int64"),
            "observation_end_frame": datasets.Value("int64"),
            "observed_steps": datasets.List(step),
            "observed_start_frames": frames,
            "observed_end_frames": frames,
            "future_steps": datasets.List(step),
            "future_start_frames": frames,
            "future_end_frames": frames,
            "annotation_file": datasets.Value("string"),
        }
    )


def features_from_release(dataset_dir: Path) -> datasets.Features:
    """Features with step ids typed as ``ClassLabel`` named from ``TAS/mapping_CAS.txt``."""
    return _features(datasets.ClassLabel(names=list(label_names(Path(dataset_dir), MAPPING))))


DESCRIPTION = (
    "AF-L (long-horizon step forecasting), split protocol S1. DERIVED PROTOCOL: IMPACT released no "
    "AF-L files; proceval derives the instances the paper describes (observe M = 2 TAS-S steps, "
    "forecast Z = 5 steps, 4 exo views, 26-class step vocabulary) as follows. Videos: the ids of "
    "`TAS/splits_CAS/{train,val,test}.split1.bundle` whose view is front/left/right/top (ego ids "
    "skipped). Steps: the per-frame labels of `TAS/groundTruth_CAS/<video_id>.txt` run-length "
    "encoded, NULL runs removed, and consecutive runs of the same step (separated only by NULL) "
    "merged into one step spanning first start to last end. Instances: for steps s_0..s_{n-1}, one "
    "instance per i in 1..n-6 with observed steps s_{i-1}, s_i and future steps s_{i+1}..s_{i+5}; "
    "videos with fewer than 7 steps yield none. Frames are inclusive, 0-based at 30 fps; "
    "`end_frame` = `observation_end_frame` = last frame of the last observed step. Scores from "
    "models trained on other derivations are not comparable."
)

register(
    ConfigSpec(
        benchmark="impact",
        task="af_l",
        protocol="s1",
        description=DESCRIPTION,
        features=_features(datasets.Value("int64")),
        generate=_generate,
        media="clip",
        splits=("train", "validation", "test"),
        derived=True,
        extra={
            "features_fn": features_from_release,
            "title": "AF-L (long-horizon step forecasting, derived)",
            "family": "forecasting",
            "splits_dir": SPLITS_DIR,
            "label_dir": LABEL_DIR,
            "mapping": MAPPING,
            "m_observed": M_OBSERVED,
            "z_future": Z_FUTURE,
            "merge_repeats": True,
        },
    )
)
