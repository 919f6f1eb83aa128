"""IMPACT cross-view segments: the one segment type (:class:`CvSegment`) and where its instances come from.

One :class:`CvSegment` is one annotated CAS step segment of one view. It is built from:

* a CV annotation file (:func:`proceval.benchmarks.impact.formats.cv.read_cv_annotation`);
* a dataset row of a ``cv_*`` config (:func:`cv_segments_from_rows`; the fields are named as the columns);
* a plain video dict (:func:`cv_segments`), e.g. from :func:`load_cv_annotations`::

    {"video_id": "20250407_1345_color_front_clipped", "view": "front", "subject": "subject11",
     "segments": [{"label": "unscrew_anti_vibration_handle", "f_start": 295, "f_end": 546}, ...]}

Frames are 0-based in each view's own frame index and ``end_frame`` (the files' ``f_end``) is
**inclusive**. Every segment is one retrieval unit with uid ``"{video_id}:{segment_index}"`` (index =
position in the file's segment list; the JSON ``id`` is a class id, not an instance id). Segments
labelled ``null`` are never queries or gallery items.

Segment lists are kept in the official record order (views ``ego, front, left, right, top``; then subject
folder and file name; then segment index): CV-SMR breaks score ties by that gallery order. Split filtering
is at **trial level** (every view of any trial listed in the bundle), as the official scripts do
(:func:`split_trials`). The protocols built from these segments are :mod:`.cv_protocols`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from proceval.benchmarks.impact.formats.bundles import bundle_path, read_bundle
from proceval.benchmarks.impact.formats.naming import parse_video_id, trial_of
from proceval.errors import InputValidationError, ReleaseFormatError
from proceval.io import read_json

if TYPE_CHECKING:
    import datasets

CV_FILE_VIEW_ORDER: tuple[str, ...] = ("ego", "front", "left", "right", "top")
NULL_LABEL = "null"
CV_SEGMENT_COLUMNS: tuple[str, ...] = (
    "video_id",
    "trial_id",
    "view",
    "subject",
    "segment_index",
    "label",
    "start_frame",
    "end_frame",
)
"""The ``cv_*`` config columns :func:`cv_segments_from_rows` reads (``has_anomaly`` and ``meta_activity``
too when present)."""


@dataclass(frozen=True)
class CvSegment:
    """One CAS segment of one view. Frames are 0-based, ``end_frame`` inclusive, in the segment's own view.

    Attributes:
        video_id: the canonical video id (``20250407_1345_color_front_clipped``).
        trial_id: the trial (``20250407_1345``): the same-trial grouping key of the protocols.
        view: ``ego``, ``front``, ``left``, ``right`` or ``top``.
        segment_index: position in the video's segment list.
        label: the lower-case CAS name (``null`` for NULL).
        start_frame: first frame.
        end_frame: last frame (inclusive).
        subject: the ``subjectNN`` folder (orders the records; None when unknown).
        has_anomaly: the file's ``has_anomaly`` flag (False when not given).
        meta_activity: the file's ``meta_activity`` (``""`` when not given).
        uid: ``"{video_id}:{segment_index}"``, the id predictions are keyed by (derived).
    """

    video_id: str
    trial_id: str
    view: str
    segment_index: int
    label: str
    start_frame: int
    end_frame: int
    subject: str | None = None
    has_anomaly: bool = False
    meta_activity: str = ""
    uid: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "uid", f"{self.video_id}:{self.segment_index}")

    @property
    def is_null(self) -> bool:
        """Whether the segment is labelled ``null`` (never a query or gallery item)."""
        return self.label == NULL_LABEL


def _record_key(segment: CvSegment) -> tuple[int, str, str, int]:
    """The official record order: view, subject folder, file name (video id), segment index."""
    return (
        CV_FILE_VIEW_ORDER.index(segment.view),
        segment.subject or "",
        segment.video_id,
        segment.segment_index,
    )


# --------------------------------------------------------------------------------------------- loading


def load_cv_annotations(annotation_root: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Read every CV annotation JSON under ``annotation_root`` (``dataset/CV/annotations_CAS``).

    The view comes from the folder (``ego/`` or ``{view}/subjectNN/``), never from the JSON ``view`` field.

    Returns:
        Video dicts ``{video_id, trial, view, subject, num_frames, segments, source}`` in official file order
        (:func:`cv_segments` turns them into segments).

    Raises:
        ReleaseFormatError: no file found, a file name that is not an IMPACT video id, a missing key.
    """
    root = Path(annotation_root)
    videos: list[dict[str, Any]] = []
    for view in CV_FILE_VIEW_ORDER:
        pattern = "*.json" if view == "ego" else "*/*.json"
        for path in sorted((root / view).glob(pattern)):
            payload = read_json(path)
            try:
                name = parse_video_id(path.stem)
            except ValueError as exc:
                raise ReleaseFormatError(path, str(exc)) from exc
            if name.view != view:
                raise ReleaseFormatError(
                    path, f"file name says view {name.view!r} but the folder is {view!r}"
                )
            for key in ("video_id", "segments", "view_start", "view_end"):
                if key not in payload:
                    raise ReleaseFormatError(path, f"missing key {key!r}")
            videos.append(
                {
                    "video_id": name.video_id,
                    "trial": name.trial,
                    "view": view,
                    "subject": None if view == "ego" else path.parent.name,
                    "num_frames": int(payload["view_end"]) - int(payload["view_start"]) + 1,
                    "segments": payload["segments"],
                    "source": str(path),
                }
            )
    if not videos:
        raise ReleaseFormatError(
            root, "no CV annotation JSON found (expected {view}/subjectNN/*.json, ego/*.json)"
        )
    return videos


def split_trials(split_dir: str | os.PathLike[str], split: str, protocol_index: int) -> frozenset[str]:
    """Trial ids of every video in bundle ``{split}.split{protocol_index}.bundle``.

    ``split`` is named as in datasets: ``train`` / ``validation`` / ``test``.
    """
    return frozenset(trial_of(v) for v in read_bundle(bundle_path(split_dir, split, protocol_index)))


def _int_frame(value: Any, what: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise InputValidationError(f"Expected integer `{what}` in {where}, but got {value!r}.")
    return int(value)


def cv_segments(videos: Iterable[Mapping[str, Any]], trials: Iterable[str] | None = None) -> list[CvSegment]:
    """Validate video dicts and return their segments in official record order.

    Args:
        videos: video dicts as described in the module docstring.
        trials: keep only these trial ids (trial-level split filter); None keeps all.

    Raises:
        InputValidationError: duplicate video ids, unknown view, missing keys, non-integer frames,
            ``f_start > f_end`` (naming the video and segment index).
    """
    keep = None if trials is None else frozenset(trials)
    rows: list[tuple[tuple[Any, ...], list[CvSegment]]] = []
    seen: set[str] = set()
    for video in videos:
        if "video_id" not in video or "segments" not in video:
            raise InputValidationError(
                f"Expected keys 'video_id' and 'segments' in every video dict, got {list(video)}."
            )
        try:
            name = parse_video_id(str(video["video_id"]))
        except ValueError as exc:
            raise InputValidationError(str(exc)) from exc
        video_id = name.video_id
        view, trial = name.view, name.trial
        for key, derived in (("view", view), ("trial", trial)):
            given = video.get(key)
            if given is not None and str(given).lower() != derived:
                raise InputValidationError(
                    f"Expected `{key}` of {video_id!r} to match its video id ({derived!r}), but got {given!r}."
                )
        if view not in CV_FILE_VIEW_ORDER:
            raise InputValidationError(
                f"Expected the view of {video_id!r} in {CV_FILE_VIEW_ORDER}, but got {view!r}."
            )
        if video_id in seen:
            raise InputValidationError(f"Expected unique video ids, but {video_id!r} appears more than once.")
        seen.add(video_id)
        if keep is not None and trial not in keep:
            continue
        subject = video.get("subject") or None
        segs = []
        for index, seg in enumerate(video["segments"]):
            where = f"segment {index} of {video_id!r}"
            if "label" not in seg or "f_start" not in seg or "f_end" not in seg:
                raise InputValidationError(
                    f"Expected keys label, f_start, f_end in {where}, but got {list(seg)}."
                )
            start = _int_frame(seg["f_start"], "f_start", where)
            end = _int_frame(seg["f_end"], "f_end", where)
            if start > end:
                raise InputValidationError(
                    f"Expected f_start <= f_end (inclusive end) in {where}, but got {start} > {end}."
                )
            label = str(seg["label"]).strip().lower()
            segs.append(
                CvSegment(
                    video_id,
                    trial,
                    view,
                    index,
                    label,
                    start,
                    end,
                    subject=None if subject is None else str(subject),
                    has_anomaly=bool(seg.get("has_anomaly", False)),
                    meta_activity=str(seg.get("meta_activity", "")),
                )
            )
        rows.append(((CV_FILE_VIEW_ORDER.index(view), str(subject or ""), video_id), segs))
    rows.sort(key=lambda r: r[0])
    return [s for _, segs in rows for s in segs]


def cv_segments_from_rows(ds: datasets.Dataset) -> list[CvSegment]:
    """The segments of a ``cv_*`` config split (one row per segment), in official record order.

    Reads :data:`CV_SEGMENT_COLUMNS` (``label`` is a ClassLabel of lower-case CAS names) and, when present,
    ``has_anomaly`` and ``meta_activity``. Every row becomes one segment, ``null`` ones included.

    Raises:
        InputValidationError: a video whose segment indices are not ``0..n-1``.
    """
    feature = ds.features["label"]
    names = [str(n).lower() for n in getattr(feature, "names", ())]
    columns = [*CV_SEGMENT_COLUMNS, *(c for c in ("has_anomaly", "meta_activity") if c in ds.column_names)]
    t = ds.select_columns(columns).to_dict()
    n = len(t["video_id"])
    anomaly = t.get("has_anomaly", [False] * n)
    meta = t.get("meta_activity", [""] * n)
    out = [
        CvSegment(
            t["video_id"][i],
            t["trial_id"][i],
            t["view"][i],
            int(t["segment_index"][i]),
            names[t["label"][i]] if names else str(t["label"][i]).lower(),
            int(t["start_frame"][i]),
            int(t["end_frame"][i]),
            subject=t["subject"][i],
            has_anomaly=bool(anomaly[i]),
            meta_activity=str(meta[i] or ""),
        )
        for i in range(n)
    ]
    out.sort(key=_record_key)
    expected: dict[str, int] = {}
    for s in out:
        if s.segment_index != expected.get(s.video_id, 0):
            raise InputValidationError(
                f"Expected segment indices 0..n-1 for {s.video_id!r} in the CV config rows."
            )
        expected[s.video_id] = s.segment_index + 1
    return out


def segment_embedding(frame_features: np.ndarray, f_start: int, f_end: int, num_frames: int) -> np.ndarray:
    """Mean-pool a video's feature sequence over the inclusive frame span ``[f_start, f_end]``.

    ``frame_features`` is ``[T, D]`` on its own time axis (T feature steps for ``num_frames`` video
    frames); the span maps to steps ``floor(f_start*T/N) .. ceil((f_end+1)*T/N) - 1``, clipped to
    ``[0, T-1]`` and at least one step, as the official launchers do. Not L2-normalised here.

    Example:
        >>> segment_embedding(np.arange(8.0).reshape(4, 2), 2, 5, 8).tolist()
        [3.0, 4.0]
    """
    feats = np.asarray(frame_features, dtype=np.float64)
    if feats.ndim == 1:
        return feats
    if feats.ndim != 2 or feats.shape[0] == 0:
        raise InputValidationError(
            f"Expected `frame_features` of shape [T, D] with T > 0, but got {feats.shape}."
        )
    steps = feats.shape[0]
    n = max(int(num_frames), 1)
    start = min(max(int(np.floor(f_start * steps / n)), 0), steps - 1)
    end = min(max(int(np.ceil((f_end + 1) * steps / n)) - 1, 0), steps - 1)
    return feats[start : max(end, start) + 1].mean(axis=0)


__all__ = [
    "CV_FILE_VIEW_ORDER",
    "CV_SEGMENT_COLUMNS",
    "NULL_LABEL",
    "CvSegment",
    "cv_segments",
    "cv_segments_from_rows",
    "load_cv_annotations",
    "segment_embedding",
    "split_trials",
]
