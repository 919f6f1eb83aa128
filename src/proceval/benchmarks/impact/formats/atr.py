"""ATR segment manifests: ``dataset/ATR/atr_segments_{L,R}/{train,val,test}.split{1..4}.jsonl``.

One anomalous hand segment per line: ``sample_id``, ``video_id``, ``entity`` (hand), ``start_frame``
and ``end_frame`` (0-based, **inclusive**, the view's own frame index), ``num_frames``
(= end - start + 1), ``labels`` (6-way multi-hot over ``mapping_ATR.txt``), ``label_indices``,
``label_names``, ``source_*`` fields, and ``view`` (unreliable: capitalised or wrong; derive the
view from ``video_id``). A few records have all-zero ``labels``; the official evaluator skips them.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from proceval.benchmarks.impact.formats.naming import parse_video_id
from proceval.errors import ReleaseFormatError
from proceval.io import read_jsonl

ATR_HANDS = {"L": "left", "R": "right"}
SPLIT_TO_MANIFEST_PART = {"train": "train", "validation": "val", "test": "test"}
NUM_ATR_CLASSES = 6
_REQUIRED = ("sample_id", "video_id", "entity", "start_frame", "end_frame", "labels")


@dataclass(frozen=True)
class AtrRecord:
    """One manifest line.

    Attributes:
        line: 1-based line number in the manifest.
        sample_id: the record's id (unique in its manifest).
        raw_video_id: ``video_id`` as released; ``video_id`` the canonical id; ``view`` derived from it.
        view_field: the ``view`` field as released (unreliable).
        hand: ``left`` / ``right``.
        start_frame, end_frame: inclusive frame span.
        labels: 6 ints (0/1).
        source_action_labels, source_verbs, source_nouns: AF-S ids of the merged source segments.
        source_segment_count: number of merged source segments.
    """

    line: int
    sample_id: str
    raw_video_id: str
    video_id: str
    trial_id: str
    view: str
    view_field: str
    hand: str
    start_frame: int
    end_frame: int
    labels: tuple[int, ...]
    source_action_labels: tuple[int, ...]
    source_verbs: tuple[int, ...]
    source_nouns: tuple[int, ...]
    source_segment_count: int

    @property
    def has_label(self) -> bool:
        """False for all-zero ``labels`` (skipped by the official evaluator)."""
        return any(self.labels)


def manifest_path(atr_dir: str | os.PathLike[str], hand: str, split: str, protocol: int) -> Path:
    """``atr_segments_{L,R}/{part}.split{n}.jsonl`` for hand ``L``/``R`` and a dataset split name."""
    if hand not in ATR_HANDS:
        raise ValueError(f"Expected `hand` in {tuple(ATR_HANDS)}, but got {hand!r}.")
    if split not in SPLIT_TO_MANIFEST_PART:
        raise ValueError(f"Expected `split` in {tuple(SPLIT_TO_MANIFEST_PART)}, but got {split!r}.")
    return Path(atr_dir) / f"atr_segments_{hand}" / f"{SPLIT_TO_MANIFEST_PART[split]}.split{protocol}.jsonl"


_parse_video_id = functools.lru_cache(maxsize=4096)(parse_video_id)


def _ints(path: Path, lineno: int, key: str, value: object) -> tuple[int, ...]:
    if type(value) is not list or not all(type(v) is int for v in value):
        raise ReleaseFormatError(path, f"`{key}`: expected a list of integers, got {value!r}", lineno)
    return tuple(value)


def read_atr_manifest(path: str | os.PathLike[str], expected_hand: str | None = None) -> list[AtrRecord]:
    """Parse and validate a manifest.

    Args:
        path: the ``.jsonl`` file.
        expected_hand: ``left`` / ``right``; a record of the other hand is an error.

    Raises:
        ReleaseFormatError: invalid JSON, a missing key, labels not 6 ints in {0, 1}, bad frames,
            ``num_frames`` / ``label_indices`` inconsistent with the span / labels, a repeated
            ``sample_id``, or an unknown video id. The message names the file and line.
    """
    p = Path(path)
    out: list[AtrRecord] = []
    seen: dict[str, int] = {}
    for lineno, obj in read_jsonl(p):
        missing = [k for k in _REQUIRED if k not in obj]
        if missing:
            raise ReleaseFormatError(p, f"missing keys {missing}", lineno)
        sid = str(obj["sample_id"])
        if sid in seen:
            raise ReleaseFormatError(p, f"sample_id {sid!r} repeats (first on line {seen[sid]})", lineno)
        seen[sid] = lineno
        try:
            name = _parse_video_id(str(obj["video_id"]))
        except ValueError as exc:
            raise ReleaseFormatError(p, str(exc), lineno) from exc
        hand = obj["entity"]
        if hand not in ATR_HANDS.values() or (expected_hand is not None and hand != expected_hand):
            want = expected_hand or tuple(ATR_HANDS.values())
            raise ReleaseFormatError(p, f"expected `entity` {want!r}, got {hand!r}", lineno)
        start, end = obj["start_frame"], obj["end_frame"]
        if any(isinstance(v, bool) or not isinstance(v, int) for v in (start, end)) or not 0 <= start <= end:
            raise ReleaseFormatError(
                p, f"expected 0 <= start_frame <= end_frame, got [{start!r}, {end!r}]", lineno
            )
        if "num_frames" in obj and obj["num_frames"] != end - start + 1:
            raise ReleaseFormatError(
                p,
                f"`num_frames` {obj['num_frames']!r} differs from end - start + 1 = {end - start + 1}",
                lineno,
            )
        labels = _ints(p, lineno, "labels", obj["labels"])
        if len(labels) != NUM_ATR_CLASSES or any(v not in (0, 1) for v in labels):
            raise ReleaseFormatError(
                p, f"`labels`: expected {NUM_ATR_CLASSES} ints in {{0, 1}}, got {list(labels)}", lineno
            )
        if "label_indices" in obj:
            indices = _ints(p, lineno, "label_indices", obj["label_indices"])
            if list(indices) != [i for i, v in enumerate(labels) if v]:
                raise ReleaseFormatError(
                    p, f"`label_indices` {list(indices)} disagree with `labels` {list(labels)}", lineno
                )
        out.append(
            AtrRecord(
                line=lineno,
                sample_id=sid,
                raw_video_id=str(obj["video_id"]),
                video_id=name.video_id,
                trial_id=name.trial,
                view=name.view,
                view_field=str(obj.get("view", "")),
                hand=hand,
                start_frame=start,
                end_frame=end,
                labels=labels,
                source_action_labels=_ints(
                    p, lineno, "source_action_labels", obj.get("source_action_labels", [])
                ),
                source_verbs=_ints(p, lineno, "source_verbs", obj.get("source_verbs", [])),
                source_nouns=_ints(p, lineno, "source_nouns", obj.get("source_nouns", [])),
                source_segment_count=int(obj.get("source_segment_count", 0)),
            )
        )
    return out
