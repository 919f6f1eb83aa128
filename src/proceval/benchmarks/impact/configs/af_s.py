"""IMPACT AF-S config ``af_s_s1``: short-term action anticipation, one instance per hand segment.

Source: ``AF-S/Annotation/{Front,Left,Right,Top,ego_valid}/*.json`` and the official bundles
``AF-S/Annotation/splits/{train,val,test}.split1.bundle`` (the release has split 1 only).

Instance construction (IMPACT's AVT / ScalAnt loaders, spec §5), computed at the video's own fps
(exo 30, ego 25) so the official ``target_fps`` sampling (4 fps, or 1 fps in ``avt.json``) can be
re-derived from the stored seconds:

* one instance per hand segment of the file, ``null`` segments (action 0) included;
* ``target_start_s = target_start_frame / fps``; ``obs_end_s = target_start_s - 1.0``
  (anticipation gap τa = 1 s); ``obs_start_s = max(0, obs_end_s - 5.0)`` (observation τo = 5 s);
* ``end_frame = target_start_frame - round(τa·fps)`` and
  ``start_frame = max(0, end_frame - round(τo·fps))``: the observed window, **inclusive**, in the
  view's own frame index;
* the official loaders drop an instance whose observation end t1 ≤ 0. proceval keeps it, flagged
  ``in_official_protocol = False`` (its window is clamped to ``[0, 0]`` and its contralateral
  context is empty); the number of such instances per split is reported in a warning.
  ``full_observation`` is False where the 5 s window was cut at frame 0 (the official loaders keep
  those). The flag is computed at the native fps; at the official 4 fps sampling the boundary
  moves by less than one 0.25 s sample (segments starting between 1 s and 1.25 s: 133 of the 67,293
  instances flip if the start is truncated to a 4 fps index), so re-derive from ``target_start_s``
  at the target fps where exact agreement matters.

Contralateral context: the other hand's segments that overlap the observed window, **clipped to
it** (so nothing after the observation end leaks), as ``other_hand_*`` columns.

Quirks (warned, never dropped): ego files are named ``..._ego_sync`` while the bundles list
``..._ego_sync_clipped``; ids are normalised to the canonical ``..._ego_sync_clipped``, so the 112
ego videos are kept (AVT / ScalAnt match ids exactly and silently lose them). 4 ego files say
``view: "Top"``; the view comes from the file name.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import datasets

from proceval.benchmarks.impact.columns import TRIAL_FEATURES, VIDEO_FEATURES
from proceval.benchmarks.impact.formats.afs import (
    HANDS,
    PHASES,
    AfsFile,
    AfsSegment,
    AfsVocab,
    index_afs_files,
    read_afs_file,
)
from proceval.benchmarks.impact.formats.bundles import bundle_path, read_bundle_lines
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

ANTICIPATION_GAP_S = 1.0
OBSERVATION_S = 5.0
ANNOTATION_DIR = "AF-S/Annotation"
SPLITS_DIR = "AF-S/Annotation/splits"
PROTOCOL = 1


@cached_per_file_version(maxsize=1024)
def load_afs_file(path: Path) -> AfsFile:
    """:func:`read_afs_file`, cached per file version (configs and splits share files)."""
    return read_afs_file(path)


@functools.lru_cache(maxsize=8)
def _index(annotation_dir: str) -> dict[str, Path]:
    return index_afs_files(annotation_dir)


def reference_vocab(dataset_dir: Path) -> tuple[Path, AfsVocab]:
    """The vocabularies of the first AF-S file (sorted view folders, then names): the reference.

    Every other file must embed identical lists (checked as each file is read).
    """
    index = _index(str(Path(dataset_dir) / ANNOTATION_DIR))
    if not index:
        raise ReleaseFormatError(Path(dataset_dir) / ANNOTATION_DIR, "no AF-S annotation files")
    first = next(iter(index.values()))
    return first, load_afs_file(first).vocab


def _check_vocab(afs: AfsFile, ref_path: Path, ref: AfsVocab) -> None:
    for field in ("actions", "verbs", "nouns", "anomaly_types"):
        got, want = getattr(afs.vocab, field), getattr(ref, field)
        if got != want:
            n = min(len(got), len(want))
            diff = next((i for i in range(n) if got[i] != want[i]), n)
            ours = got[diff] if diff < len(got) else "<none>"
            theirs = want[diff] if diff < len(want) else "<none>"
            raise ReleaseFormatError(
                afs.path,
                f"vocabulary `{field}` differs from {ref_path.name}'s (first difference at id {diff}: "
                f"{ours!r} vs {theirs!r})",
            )


def observation_window(target_start_frame: int, fps: float) -> dict[str, Any]:
    """Observed window of an instance whose target segment starts at ``target_start_frame``.

    Returns:
        ``start_frame`` / ``end_frame`` (inclusive, clamped to >= 0), ``obs_start_s`` / ``obs_end_s``
        (seconds; ``obs_end_s`` may be <= 0), ``target_start_s``, ``in_official_protocol``
        (t1 > 0) and ``full_observation`` (the whole 5 s fits after frame 0).

    Example:
        >>> w = observation_window(200, 30.0)
        >>> w["start_frame"], w["end_frame"], w["in_official_protocol"], w["full_observation"]
        (20, 170, True, True)
    """
    gap = round(ANTICIPATION_GAP_S * fps)
    obs = round(OBSERVATION_S * fps)
    t1 = target_start_frame - gap
    start_s = target_start_frame / fps
    end_s = start_s - ANTICIPATION_GAP_S
    return {
        "start_frame": max(0, t1 - obs),
        "end_frame": max(0, t1),
        "target_start_s": start_s,
        "obs_start_s": max(0.0, end_s - OBSERVATION_S),
        "obs_end_s": end_s,
        "in_official_protocol": t1 > 0,
        "full_observation": t1 - obs >= 0,
    }


class _HandIndex:
    """Segments of one hand sorted by start, with a running max of ends, for window queries."""

    def __init__(self, segments: list[AfsSegment]) -> None:
        self.segments = sorted(segments, key=lambda s: (s.start_frame, s.index))
        self.starts = [s.start_frame for s in self.segments]
        self.max_end: list[int] = []
        running = -1
        for s in self.segments:
            running = max(running, s.end_frame)
            self.max_end.append(running)

    def overlapping(self, start: int, end: int) -> list[AfsSegment]:
        """Segments overlapping ``[start, end]`` (inclusive), in file order."""
        k = bisect.bisect_right(self.starts, end) - 1
        out = []
        while k >= 0 and self.max_end[k] >= start:
            if self.segments[k].end_frame >= start:
                out.append(self.segments[k])
            k -= 1
        return sorted(out, key=lambda s: s.index)


def contralateral_context(
    segments: tuple[AfsSegment, ...], hand: str, start: int, end: int
) -> dict[str, list[int]]:
    """Segments of the hand other than ``hand`` overlapping ``[start, end]`` (inclusive), clipped to it."""
    return _context(_HandIndex([s for s in segments if s.hand != hand]), start, end)


def _context(other: _HandIndex, start: int, end: int) -> dict[str, list[int]]:
    segs = other.overlapping(start, end)
    return {
        "other_hand_actions": [s.action for s in segs],
        "other_hand_start_frames": [max(s.start_frame, start) for s in segs],
        "other_hand_end_frames": [min(s.end_frame, end) for s in segs],
    }


def afs_examples(afs: AfsFile, dataset_dir: Path) -> Iterator[tuple[str, Example]]:
    """The instances of one file, in file order, keyed ``{video_id}/{hand}/{segment_index}``."""
    fields = video_fields(afs.video_id)
    fields["fps"] = afs.fps
    trial = trial_fields(dataset_dir, afs.trial_id)
    rel = release_relpath(dataset_dir, afs.path)
    others = {h: _HandIndex([s for s in afs.segments if s.hand != h]) for h in HANDS}
    for seg in afs.segments:
        win = observation_window(seg.start_frame, afs.fps)
        if win["in_official_protocol"]:
            ctx = _context(others[seg.hand], win["start_frame"], win["end_frame"])
        else:
            ctx = {"other_hand_actions": [], "other_hand_start_frames": [], "other_hand_end_frames": []}
        example = {
            **fields,
            **trial,
            "hand": seg.hand,
            "segment_index": seg.index,
            **win,
            "target_start_frame": seg.start_frame,
            "target_end_frame": seg.end_frame,
            "action": seg.action,
            "verb": seg.verb,
            "noun": seg.noun,
            "phase": PHASES.index(seg.phase),
            "anomaly": list(seg.anomaly),
            **ctx,
            "annotation_file": rel,
        }
        yield f"{afs.video_id}/{seg.hand}/{seg.index}", example


def _generate(dataset_dir: Path, split: str) -> Iterator[tuple[str, Example]]:
    dataset_dir = Path(dataset_dir)
    index = _index(str(dataset_dir / ANNOTATION_DIR))
    ref_path, ref = reference_vocab(dataset_dir)
    bpath = bundle_path(dataset_dir / SPLITS_DIR, split, PROTOCOL)
    n_total = n_outside = n_ego = 0
    seen: dict[str, int] = {}
    for lineno, text in read_bundle_lines(bpath):
        try:
            vid = parse_video_id(text).video_id
        except ValueError:
            raise ReleaseFormatError(bpath, f"expected an IMPACT video id, got {text!r}", lineno) from None
        if vid in seen:
            raise ReleaseFormatError(bpath, f"{text!r} names the same video as line {seen[vid]}", lineno)
        seen[vid] = lineno
        path = index.get(vid)
        if path is None:
            raise ReleaseFormatError(bpath, f"video id {text!r} has no AF-S annotation file", lineno)
        afs = load_afs_file(path)
        _check_vocab(afs, ref_path, ref)
        if afs.view_field_mismatch:
            warn_quirk(
                f"{release_relpath(dataset_dir, path)}: `view` is {afs.view_field!r} but the file name says "
                f"{afs.view!r}; used {afs.view!r}"
            )
        if afs.raw_video_id != text:
            n_ego += 1
        for key, example in afs_examples(afs, dataset_dir):
            n_total += 1
            n_outside += not example["in_official_protocol"]
            yield key, example
    if n_ego:
        warn_quirk(
            f"af_s_s1/{split}: {n_ego} bundle ids (e.g. '..._ego_sync_clipped') differ from their files' "
            "`video_id` ('..._ego_sync'); matched by canonical id and kept "
            "(AVT/ScalAnt drop these ego videos)"
        )
    if n_outside:
        warn_quirk(
            f"af_s_s1/{split}: {n_outside} of {n_total} instances have an observation end t1 <= 0 s; the "
            "official loaders drop them, proceval keeps them with in_official_protocol=False"
        )


def _features(action: Any, verb: Any, noun: Any) -> datasets.Features:
    i32 = datasets.Value("int32")
    return datasets.Features(
        {
            **VIDEO_FEATURES,
            **TRIAL_FEATURES,
            "hand": datasets.Value("string"),
            "segment_index": i32,
            "start_frame": datasets.Value("int64"),
            "end_frame": datasets.Value("int64"),
            "target_start_s": datasets.Value("float64"),
            "obs_start_s": datasets.Value("float64"),
            "obs_end_s": datasets.Value("float64"),
            "in_official_protocol": datasets.Value("bool"),
            "full_observation": datasets.Value("bool"),
            "target_start_frame": datasets.Value("int64"),
            "target_end_frame": datasets.Value("int64"),
            "action": action,
            "verb": verb,
            "noun": noun,
            "phase": datasets.ClassLabel(names=list(PHASES)),
            "anomaly": datasets.List(datasets.Value("int8"), length=6),
            "other_hand_actions": datasets.List(action),
            "other_hand_start_frames": datasets.List(datasets.Value("int64")),
            "other_hand_end_frames": datasets.List(datasets.Value("int64")),
            "annotation_file": datasets.Value("string"),
        }
    )


def features_from_release(dataset_dir: Path) -> datasets.Features:
    """Features with ``action`` / ``verb`` / ``noun`` as ``ClassLabel`` named from the JSON vocabularies.

    ``verb`` and ``noun`` use -1 for null (``ClassLabel`` allows -1 as "no label").
    """
    _, vocab = reference_vocab(Path(dataset_dir))
    return _features(
        datasets.ClassLabel(names=list(vocab.actions)),
        datasets.ClassLabel(names=list(vocab.verbs)),
        datasets.ClassLabel(names=list(vocab.nouns)),
    )


def anomaly_type_names(dataset_dir: Path) -> list[str]:
    """Names of the 6 ``anomaly`` positions, from the AF-S JSON ``anomaly_types``."""
    return list(reference_vocab(Path(dataset_dir))[1].anomaly_types)


DESCRIPTION = (
    "AF-S (short-term action anticipation), split protocol S1, one instance per hand segment of "
    "`AF-S/Annotation/*/*.json` (null segments included) for the videos of the official "
    "`AF-S/Annotation/splits/{train,val,test}.split1.bundle`. Observed window: anticipation gap 1 s "
    "and observation 5 s before the target segment's start, computed at the video's own fps "
    "(`start_frame`/`end_frame` inclusive; `obs_start_s`/`obs_end_s`/`target_start_s` in seconds so "
    "the official 4 fps or 1 fps sampling can be re-derived). The official loaders drop instances "
    "whose observation end t1 <= 0; they are kept here with `in_official_protocol = false` (filter "
    "on it to reproduce the official sample set; their count per split is reported as a warning; the "
    "flag is computed at the native fps, so at 4 fps the boundary can move by one sample for segments "
    "starting between 1 s and 1.25 s). "
    "Targets: `action` (0..137, 0 = null and scored), `verb` / `noun` (-1 = null, ignored by the "
    "metric), `phase`, `anomaly` (6-way multi-hot), `hand`; contralateral context: the other "
    "hand's segments overlapping the observed window, clipped to it. Ego files (`..._ego_sync`) are "
    "matched to the bundles' `..._ego_sync_clipped` ids and kept (AVT/ScalAnt silently drop them); "
    "4 ego files whose `view` field says `Top` get their view from the file name."
)

register(
    ConfigSpec(
        benchmark="impact",
        task="af_s",
        protocol="s1",
        description=DESCRIPTION,
        features=_features(datasets.Value("int64"), datasets.Value("int64"), datasets.Value("int64")),
        generate=_generate,
        media="clip",
        splits=("train", "validation", "test"),
        extra={
            "features_fn": features_from_release,
            "title": "AF-S (short-term action anticipation)",
            "family": "anticipation",
            "splits_dir": SPLITS_DIR,
            "anticipation_gap_s": ANTICIPATION_GAP_S,
            "observation_s": OBSERVATION_S,
            "anomaly_type_names_fn": anomaly_type_names,
        },
    )
)
