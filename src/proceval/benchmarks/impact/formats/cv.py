"""Cross-view step annotations: ``CV/annotations_CAS/<view>/subjectNN/<video>.json``.

Ego files sit in ``CV/annotations_CAS/ego/<trial>_color_ego.json`` (no subject folder).

File format: ``{video_id, view, view_start, view_end, segments: [{id, label, has_anomaly,
meta_activity, f_start, f_end}], labels: [{id, name}]}``. Labels are the lower-case CAS names with
``null`` for NULL; ``f_start`` / ``f_end`` are **inclusive** frame indices of the view;
``segment.id`` is not an instance id and is not used. The number of frames of the view is
``view_end - view_start + 1``. Segments are :class:`proceval.benchmarks.impact.cv_segments.CvSegment`,
the one segment type of the CV tasks.

Naming: the video id and view come from the file name (ego files are named ``…_color_ego.json``
but hold ``…_color_ego_sync_clipped``); the JSON ``view`` field is only cross-checked.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from proceval.benchmarks.impact.cv_segments import CvSegment
from proceval.benchmarks.impact.formats.naming import parse_video_id
from proceval.errors import ReleaseFormatError
from proceval.io import read_json

CV_DIR = "CV/annotations_CAS"


@dataclass(frozen=True)
class CvAnnotation:
    """One CV annotation file, with the video id and view taken from its file name."""

    path: Path
    video_id: str
    trial_id: str
    view: str
    subject: str | None
    view_start: int
    view_end: int
    json_video_id: str
    json_view: str
    segments: tuple[CvSegment, ...]

    @property
    def num_frames(self) -> int:
        """``view_end - view_start + 1`` (frames)."""
        return self.view_end - self.view_start + 1


def find_cv_files(dataset_dir: str | os.PathLike[str]) -> dict[str, tuple[Path, str | None]]:
    """Canonical video id → (annotation path, subject folder name or None for ego files).

    Raises:
        ReleaseFormatError: the CV folder is missing, a file name is not an IMPACT video name, or
            two files map to the same video id.
    """
    root = Path(dataset_dir) / CV_DIR
    if not root.is_dir():
        raise ReleaseFormatError(root, "folder not found (expected CV/annotations_CAS/<view>/...)")
    out: dict[str, tuple[Path, str | None]] = {}
    for path in sorted(root.rglob("*.json")):
        rel = path.relative_to(root).parts
        try:
            name = parse_video_id(path.stem)
        except ValueError:
            raise ReleaseFormatError(path, "file name is not an IMPACT video name") from None
        if rel[0] != name.view:
            raise ReleaseFormatError(path, f"file of view {name.view!r} is in folder {rel[0]!r}")
        subject = rel[1] if len(rel) == 3 else None
        if name.video_id in out:
            raise ReleaseFormatError(
                path, f"second annotation of {name.video_id} (first: {out[name.video_id][0]})"
            )
        out[name.video_id] = (path, subject)
    return out


def _int(path: Path, obj: dict, key: str, where: str) -> int:
    value = obj.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ReleaseFormatError(path, f"{where}: expected integer `{key}`, got {value!r}")
    return value


def read_cv_annotation(
    path: str | os.PathLike[str], label_names: Sequence[str], subject: str | None = None
) -> CvAnnotation:
    """Parse and check one CV annotation file.

    Args:
        path: the JSON file.
        label_names: allowed segment labels (lower-case CAS names, ``null`` first).
        subject: the ``subjectNN`` folder the file sits in, if any.

    Raises:
        ReleaseFormatError: missing keys, non-integer frames, ``f_start > f_end``, frames outside
            ``[view_start, view_end]``, an unknown label, or a ``video_id`` of another trial/view.
            Messages name the file and the 0-based segment index.
    """
    p = Path(path)
    data = read_json(p)
    if not isinstance(data, dict):
        raise ReleaseFormatError(p, f"expected a JSON object, got {type(data).__name__}")
    name = parse_video_id(p.stem)
    json_vid = data.get("video_id")
    if not isinstance(json_vid, str):
        raise ReleaseFormatError(p, f"expected string `video_id`, got {json_vid!r}")
    try:
        json_name = parse_video_id(json_vid)
    except ValueError:
        raise ReleaseFormatError(p, f"`video_id` {json_vid!r} is not an IMPACT video id") from None
    if json_name != name:
        raise ReleaseFormatError(p, f"`video_id` {json_vid!r} does not match the file name ({name.video_id})")
    view_start = _int(p, data, "view_start", "header")
    view_end = _int(p, data, "view_end", "header")
    if view_end < view_start:
        raise ReleaseFormatError(p, f"`view_end` {view_end} < `view_start` {view_start}")
    raw_segments = data.get("segments")
    if not isinstance(raw_segments, list):
        raise ReleaseFormatError(p, "expected a list `segments`")
    allowed = set(label_names)
    segments = []
    for i, seg in enumerate(raw_segments):
        where = f"segment {i}"
        if not isinstance(seg, dict):
            raise ReleaseFormatError(p, f"{where}: expected an object, got {seg!r}")
        label = seg.get("label")
        if label not in allowed:
            raise ReleaseFormatError(p, f"{where}: unknown label {label!r} (not in mapping_CAS)")
        start = _int(p, seg, "f_start", where)
        end = _int(p, seg, "f_end", where)
        if not view_start <= start <= end <= view_end:
            raise ReleaseFormatError(
                p,
                f"{where}: expected view_start <= f_start <= f_end <= view_end, got "
                f"{view_start} <= {start} <= {end} <= {view_end}",
            )
        anomaly = seg.get("has_anomaly", False)
        if not isinstance(anomaly, bool):
            raise ReleaseFormatError(p, f"{where}: expected boolean `has_anomaly`, got {anomaly!r}")
        segments.append(
            CvSegment(
                name.video_id,
                name.trial,
                name.view,
                i,
                label,
                start,
                end,
                subject=subject,
                has_anomaly=anomaly,
                meta_activity=str(seg.get("meta_activity", "")),
            )
        )
    return CvAnnotation(
        path=p,
        video_id=name.video_id,
        trial_id=name.trial,
        view=name.view,
        subject=subject,
        view_start=view_start,
        view_end=view_end,
        json_video_id=json_vid,
        json_view=str(data.get("view", "")),
        segments=tuple(segments),
    )


def cv_view_lengths(dataset_dir: str | os.PathLike[str]) -> dict[str, int]:
    """Video id → ``view_end - view_start + 1`` from the CV annotations (empty if there is no CV folder)."""
    root = Path(dataset_dir) / CV_DIR
    if not root.is_dir():
        return {}
    key = str(root.resolve())
    return _cv_view_lengths(key, max((p.stat().st_mtime_ns for p in root.rglob("*.json")), default=0))


@functools.lru_cache(maxsize=8)
def _cv_view_lengths(root: str, _mtime: int) -> dict[str, int]:
    out: dict[str, int] = {}
    for vid, (path, _subject) in find_cv_files(Path(root).parents[1]).items():
        data = read_json(path)
        if not isinstance(data, dict):
            raise ReleaseFormatError(path, f"expected a JSON object, got {type(data).__name__}")
        out[vid] = _int(path, data, "view_end", "header") - _int(path, data, "view_start", "header") + 1
    return out
