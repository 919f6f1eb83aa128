"""IMPACT ATR configs ``atr_l_s1..s4`` and ``atr_r_s1..s4``: anomaly type recognition per hand.

Source: the official segment manifests ``ATR/atr_segments_{L,R}/{train,val,test}.split{n}.jsonl``,
one example per line in file order, keyed by ``sample_id``. Each example is one anomalous hand
segment: ``start_frame`` / ``end_frame`` (inclusive, 0-based, the view's own frame index),
``labels`` (6-way multi-hot, positions named by ``ATR/mapping_ATR.txt``) and ``label_ids`` (the
positive positions as ``ClassLabel``).

Checks and quirks:

* every manifest ``video_id`` must be listed in the matching ATR bundle
  ``ATR/splits_FAS_{L,R}/{part}.split{n}.bundle`` (an unknown id stops the build with file and line).
  The reverse does not hold in the release: bundle videos without anomalous segments of that hand
  simply have no records (e.g. 47 of the 56 S1 test videos have left-hand records).
* the ``view`` field is unreliable (``Ego``/``Right`` capitalised; 236 ego records say ``Top``):
  ``view`` is derived from ``video_id``; disagreements (ignoring case) are counted in a warning.
* records with all-zero ``labels`` (124 in the release) are kept with ``has_label = False``; the
  official evaluator skips them, and so must a metric.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import datasets

from proceval.benchmarks.impact.columns import TRIAL_FEATURES, VIDEO_FEATURES
from proceval.benchmarks.impact.formats.atr import (
    ATR_HANDS,
    NUM_ATR_CLASSES,
    manifest_path,
    read_atr_manifest,
)
from proceval.benchmarks.impact.formats.bundles import bundle_path, read_bundle_lines
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

logger = logging.getLogger(__name__)

ATR_DIR = "ATR"
MAPPING = "ATR/mapping_ATR.txt"
PROTOCOLS: tuple[int, ...] = (1, 2, 3, 4)


def bundle_ids(dataset_dir: Path, hand: str, split: str, protocol: int) -> set[str]:
    """Canonical video ids of ``ATR/splits_FAS_{hand}/{part}.split{n}.bundle``."""
    bpath = bundle_path(Path(dataset_dir) / ATR_DIR / f"splits_FAS_{hand}", split, protocol)
    out: set[str] = set()
    for lineno, text in read_bundle_lines(bpath):
        try:
            out.add(parse_video_id(text).video_id)
        except ValueError:
            raise ReleaseFormatError(bpath, f"expected an IMPACT video id, got {text!r}", lineno) from None
    return out


def _generate(hand: str, protocol: int, dataset_dir: Path, split: str) -> Iterator[tuple[str, Example]]:
    dataset_dir = Path(dataset_dir)
    n_classes = len(read_label_map(dataset_dir / MAPPING))
    if n_classes != NUM_ATR_CLASSES:
        raise ReleaseFormatError(
            dataset_dir / MAPPING, f"expected {NUM_ATR_CLASSES} anomaly types, got {n_classes}"
        )
    path = manifest_path(dataset_dir / ATR_DIR, hand, split, protocol)
    allowed = bundle_ids(dataset_dir, hand, split, protocol)
    records = read_atr_manifest(path, ATR_HANDS[hand])
    rel = release_relpath(dataset_dir, path)
    view_mismatch: dict[tuple[str, str], int] = {}
    n_unlabeled = 0
    videos: set[str] = set()
    per_video: dict[str, dict[str, Any]] = {}
    for r in records:
        if r.video_id not in allowed:
            raise ReleaseFormatError(
                path,
                f"video id {r.raw_video_id!r} is not in the bundle splits_FAS_{hand} "
                f"({split}, split{protocol})",
                r.line,
            )
        videos.add(r.video_id)
        if r.view_field.lower() != r.view:
            key = (r.view_field, r.view)
            view_mismatch[key] = view_mismatch.get(key, 0) + 1
        n_unlabeled += not r.has_label
        if r.video_id not in per_video:
            per_video[r.video_id] = {**video_fields(r.video_id), **trial_fields(dataset_dir, r.trial_id)}
        example: dict[str, Any] = {
            **per_video[r.video_id],
            "sample_id": r.sample_id,
            "hand": r.hand,
            "start_frame": r.start_frame,
            "end_frame": r.end_frame,
            "num_frames": r.end_frame - r.start_frame + 1,
            "labels": list(r.labels),
            "label_ids": [i for i, v in enumerate(r.labels) if v],
            "has_label": r.has_label,
            "source_segment_count": r.source_segment_count,
            "source_action_labels": list(r.source_action_labels),
            "source_verbs": list(r.source_verbs),
            "source_nouns": list(r.source_nouns),
            "annotation_file": rel,
            "annotation_line": r.line,
        }
        yield r.sample_id, example
    if view_mismatch:
        listed = ", ".join(
            f"{n} x {field!r} for {view!r}" for (field, view), n in sorted(view_mismatch.items())
        )
        warn_quirk(
            f"{rel}: `view` field disagrees with the video id ({listed}); used the view of the video id"
        )
    if n_unlabeled:
        warn_quirk(
            f"{rel}: {n_unlabeled} records have all-zero labels; kept with has_label=False "
            "(the official evaluator skips them)"
        )
    logger.debug("%s: %d of %d bundle videos have records", rel, len(videos), len(allowed))


def _features(label: Any) -> datasets.Features:
    ints = datasets.List(datasets.Value("int32"))
    return datasets.Features(
        {
            **VIDEO_FEATURES,
            **TRIAL_FEATURES,
            "sample_id": datasets.Value("string"),
            "hand": datasets.Value("string"),
            "start_frame": datasets.Value("int64"),
            "end_frame": datasets.Value("int64"),
            "num_frames": datasets.Value("int64"),
            "labels": datasets.List(datasets.Value("int8"), length=NUM_ATR_CLASSES),
            "label_ids": datasets.List(label),
            "has_label": datasets.Value("bool"),
            "source_segment_count": datasets.Value("int32"),
            "source_action_labels": ints,
            "source_verbs": ints,
            "source_nouns": ints,
            "annotation_file": datasets.Value("string"),
            "annotation_line": datasets.Value("int32"),
        }
    )


def anomaly_type_names(dataset_dir: Path) -> list[str]:
    """The 6 names of ``ATR/mapping_ATR.txt`` (position in ``labels`` = id)."""
    return read_label_map(Path(dataset_dir) / MAPPING)


def features_from_release(dataset_dir: Path) -> datasets.Features:
    """Features with ``label_ids`` typed as ``ClassLabel`` named from ``mapping_ATR.txt``."""
    return _features(datasets.ClassLabel(names=anomaly_type_names(dataset_dir)))


def _description(hand: str, protocol: int) -> str:
    side = ATR_HANDS[hand]
    return (
        f"ATR-{hand} ({side}-hand anomaly type recognition), split protocol S{protocol}: one example per "
        f"line of the official `ATR/atr_segments_{hand}/{{train,val,test}}.split{protocol}.jsonl`, i.e. one "
        f"anomalous {side}-hand segment with inclusive `start_frame`/`end_frame` (0-based, the view's own "
        "frame index) and 6-way multi-hot `labels` over `ATR/mapping_ATR.txt` (`label_ids`: the positive "
        "types). The metric scores a segment by the mean of per-frame probabilities over its span. "
        "Records with all-zero labels are kept with `has_label = false`; the official evaluator skips "
        "them. `view` comes from the video id (the manifest's `view` field is unreliable). Every "
        f"manifest video is in `ATR/splits_FAS_{hand}`; bundle videos without anomalous segments have "
        "no examples."
    )


def _register_all() -> None:
    static = _features(datasets.Value("int64"))
    for hand in ATR_HANDS:
        for protocol in PROTOCOLS:
            register(
                ConfigSpec(
                    benchmark="impact",
                    task=f"atr_{hand.lower()}",
                    protocol=f"s{protocol}",
                    description=_description(hand, protocol),
                    features=static,
                    generate=functools.partial(_generate, hand, protocol),
                    media="clip",
                    splits=("train", "validation", "test"),
                    extra={
                        "features_fn": features_from_release,
                        "title": f"ATR-{hand} (anomaly type recognition)",
                        "family": "anomaly",
                        "splits_dir": f"ATR/splits_FAS_{hand}",
                        "anomaly_type_names_fn": anomaly_type_names,
                    },
                )
            )


_register_all()
