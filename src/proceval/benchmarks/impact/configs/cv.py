"""IMPACT cross-view configs: ``cv_ta``, ``cv_smr``, ``cv_smc`` × ``s1..s4`` (segment-level examples).

Source: ``CV/annotations_CAS`` and the bundles ``CV/splits_CAS/{train,val,test}.split{n}.bundle``.
One example per annotated segment (``null`` segments included, flagged by ``is_null``: CV-TA's
exo-exo positive search needs them to skip queries whose target is invisible).

**Trial-level split, as the official code does.** The official CV-TA / CV-SM scripts keep every
view of every trial that appears in the bundle, even where the bundle lists only some of its views
(this matters for S1, whose bundles are video-level, and for S4, whose test bundle is the 112 ego
videos). A config split therefore holds all views of the bundle's trials; ``in_bundle`` says
whether the example's own video is listed in the bundle. ``ds.filter(lambda x: x["in_bundle"])``
gives the video-level bundle; keep everything to reproduce the official protocols.

Protocol columns: ``trial_id`` is the same-trial grouping key (TA-Local galleries, exo2ego, and
the "other trial" condition of CV-SMR), ``view`` / ``is_ego`` pick source and target views, and
``verb`` / ``noun`` split the lower-case label on its first ``_`` as the official CV-SM code does
(``None`` for ``null``). ``start_frame`` / ``end_frame`` are inclusive (the files' ``f_start`` /
``f_end``). The three task families share the same examples; they differ in description and metric.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets

from proceval.benchmarks.impact.columns import TRIAL_FEATURES, VIDEO_FEATURES
from proceval.benchmarks.impact.configs.frame_tasks import PROTOCOLS, bundle_video_ids, label_names
from proceval.benchmarks.impact.formats.cv import CV_DIR, CvAnnotation, find_cv_files, read_cv_annotation
from proceval.benchmarks.impact.formats.naming import VIEWS
from proceval.benchmarks.impact.metadata import (
    release_relpath,
    trial_fields,
    video_fields,
    warn_quirk,
)
from proceval.datasets.spec import ConfigSpec, Example, register
from proceval.errors import ReleaseFormatError

MAPPING = "TAS/mapping_CAS.txt"
SPLITS_DIR = "CV/splits_CAS"


@dataclass(frozen=True)
class CvTask:
    task: str
    title: str
    about: str


CV_TASKS: tuple[CvTask, ...] = (
    CvTask(
        "cv_ta",
        "CV-TA (cross-view temporal alignment)",
        "Queries are the non-null segments of a source view; the gallery is the non-null segments of a "
        "target view in the same trial (TA-Local, S1-S3), in the whole split (TA-Global, S1-S3), or the "
        "ego view of the same trial (exo2ego, S4). Score: R@1, R@5, median rank, coverage.",
    ),
    CvTask(
        "cv_smr",
        "CV-SMR (cross-view semantic-matching retrieval)",
        "Queries are the non-null segments of the test split; a query's gallery is every segment of "
        "another trial and another view; positives share the step label. Score: R@1, R@5, mAP.",
    ),
    CvTask(
        "cv_smc",
        "CV-SMC (cross-view semantic-matching classification)",
        "A linear probe on segment features, trained on `train` and tested on `test` (all views), "
        "predicting the step label, its verb, its noun or verb::noun. Score: top-1, macro-F1 over the "
        "train ∪ test vocabulary.",
    ),
)


def cv_label_names(dataset_dir: Path) -> tuple[str, ...]:
    """The CAS label names as the CV files write them: lower case, ``null`` for ``NULL``."""
    return tuple(n.lower() for n in label_names(Path(dataset_dir), MAPPING))


def verb_noun(label: str) -> tuple[str | None, str | None]:
    """Split a lower-case step label on its first ``_`` (official CV-SM rule); ``null`` → ``(None, None)``.

    Example:
        >>> verb_noun("screw_on_anti_vibration_handle")
        ('screw', 'on_anti_vibration_handle')
    """
    if label == "null":
        return None, None
    verb, _, noun = label.partition("_")
    return verb, noun


def load_cv_annotations(dataset_dir: Path) -> dict[str, CvAnnotation]:
    """Every CV annotation of the release, by canonical video id (parsed once per release, cached)."""
    root = Path(dataset_dir) / CV_DIR
    if not root.is_dir():
        raise ReleaseFormatError(root, "folder not found (expected CV/annotations_CAS/<view>/...)")
    stamp = max((p.stat().st_mtime_ns for p in root.rglob("*.json")), default=0)
    return _load_cv_annotations(str(Path(dataset_dir).resolve()), stamp)


@functools.lru_cache(maxsize=4)
def _load_cv_annotations(dataset_dir: str, _stamp: int) -> dict[str, CvAnnotation]:
    root = Path(dataset_dir)
    names = cv_label_names(root)
    out = {
        vid: read_cv_annotation(path, names, subject) for vid, (path, subject) in find_cv_files(root).items()
    }
    renamed = [a for a in out.values() if a.path.stem != a.video_id]
    if renamed:
        warn_quirk(
            f"CV: {len(renamed)} annotation files are not named after the video id they hold "
            f"(e.g. {renamed[0].path.name} holds {renamed[0].json_video_id}); used the canonical id "
            f"{renamed[0].video_id} for them"
        )
    wrong_view = [a for a in out.values() if a.json_view != a.view]
    if wrong_view:
        warn_quirk(
            f"CV: {len(wrong_view)} files have a `view` field that differs from their file name "
            f"(e.g. {wrong_view[0].path.name}: {wrong_view[0].json_view!r}); used the file name's view"
        )
    return out


def _features_fn(dataset_dir: Path) -> datasets.Features:
    return _features(datasets.ClassLabel(names=list(cv_label_names(Path(dataset_dir)))))


def _features(label: datasets.features.features.FeatureType) -> datasets.Features:
    return datasets.Features(
        {
            **VIDEO_FEATURES,
            **TRIAL_FEATURES,
            "num_frames": datasets.Value("int64"),
            "in_bundle": datasets.Value("bool"),
            "segment_index": datasets.Value("int64"),
            "start_frame": datasets.Value("int64"),
            "end_frame": datasets.Value("int64"),
            "label": label,
            "is_null": datasets.Value("bool"),
            "verb": datasets.Value("string"),
            "noun": datasets.Value("string"),
            "has_anomaly": datasets.Value("bool"),
            "meta_activity": datasets.Value("string"),
            "annotation_file": datasets.Value("string"),
        }
    )


def trial_level_videos(dataset_dir: Path, split: str, protocol: int) -> list[tuple[str, bool]]:
    """``(video_id, in_bundle)`` for every view of every trial of the bundle, trials in bundle order.

    Raises:
        ReleaseFormatError: a bundle id has no CV annotation (naming the bundle and line).
    """
    annotations = load_cv_annotations(dataset_dir)
    by_trial: dict[str, list[str]] = {}
    for vid, ann in annotations.items():
        by_trial.setdefault(ann.trial_id, []).append(vid)
    listed: set[str] = set()
    trials: list[str] = []
    for bpath, lineno, vid in bundle_video_ids(Path(dataset_dir), SPLITS_DIR, split, protocol):
        if vid not in annotations:
            raise ReleaseFormatError(
                bpath,
                f"video id {vid!r} has no annotation (expected a file under {Path(dataset_dir) / CV_DIR})",
                lineno,
            )
        listed.add(vid)
        trial = annotations[vid].trial_id
        if trial not in trials:
            trials.append(trial)
    order = {v: i for i, v in enumerate(VIEWS)}
    out = []
    for trial in trials:
        for vid in sorted(by_trial[trial], key=lambda v: order[annotations[v].view]):
            out.append((vid, vid in listed))
    return out


def _generate(protocol: int, dataset_dir: Path, split: str) -> Iterator[tuple[str, Example]]:
    dataset_dir = Path(dataset_dir)
    annotations = load_cv_annotations(dataset_dir)
    names = cv_label_names(dataset_dir)
    index = {n: i for i, n in enumerate(names)}
    for vid, in_bundle in trial_level_videos(dataset_dir, split, protocol):
        ann = annotations[vid]
        fields = video_fields(vid)
        meta = trial_fields(dataset_dir, ann.trial_id)
        if ann.subject is not None:
            meta["subject"] = ann.subject
        base: dict[str, Any] = {
            **fields,
            **meta,
            "num_frames": ann.num_frames,
            "in_bundle": in_bundle,
            "annotation_file": release_relpath(dataset_dir, ann.path),
        }
        for seg in ann.segments:
            verb, noun = verb_noun(seg.label)
            yield (
                f"{vid}/{seg.segment_index}",
                {
                    **base,
                    "segment_index": seg.segment_index,
                    "start_frame": seg.start_frame,
                    "end_frame": seg.end_frame,
                    "label": index[seg.label],
                    "is_null": seg.label == "null",
                    "verb": verb,
                    "noun": noun,
                    "has_anomaly": seg.has_anomaly,
                    "meta_activity": seg.meta_activity,
                },
            )


def _register_all() -> None:
    static = _features(datasets.Value("int64"))
    for task in CV_TASKS:
        for protocol in PROTOCOLS:
            register(
                ConfigSpec(
                    benchmark="impact",
                    task=task.task,
                    protocol=f"s{protocol}",
                    description=(
                        f"{task.title}, split protocol S{protocol}: one example per annotated segment of "
                        f"`CV/annotations_CAS`, for every view of every trial in "
                        f"`CV/splits_CAS/{{train,val,test}}.split{protocol}.bundle` (`in_bundle` marks the "
                        f"videos the bundle itself lists). {task.about}"
                    ),
                    features=static,
                    generate=functools.partial(_generate, protocol),
                    media="clip",
                    extra={
                        "features_fn": _features_fn,
                        "title": task.title,
                        "splits_dir": SPLITS_DIR,
                        "family": "cv",
                    },
                )
            )


_register_all()

__all__ = ["CV_TASKS", "cv_label_names", "load_cv_annotations", "trial_level_videos", "verb_noun"]
