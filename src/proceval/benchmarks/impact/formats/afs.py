"""AF-S annotation files: ``dataset/AF-S/Annotation/{Front,Left,Right,Top,ego_valid}/*.json``.

One file per video. It carries the per-hand fine-grained segments (``entity`` left/right,
``start_frame`` / ``end_frame`` **inclusive**, 0-based in the view's own frame index), their action
(0..137, 0 = ``null``), verb and noun ids (-1 = null), ``phase`` and a 6-way ``anomaly_type``
multi-hot, plus the file's own vocabularies (``verbs``, ``nouns``, ``action_labels``,
``anomaly_types`` as ``[{id, name}]`` lists).

Known quirks, resolved here and reported to the caller (never silently):

* ego files are named ``{trial}_color_ego_sync.json`` and carry ``video_id = {trial}_color_ego_sync``
  while the split bundles list ``..._ego_sync_clipped``; :attr:`AfsFile.video_id` is the canonical id.
* 4 ego files have ``view: "Top"``; the view is derived from the file name and the disagreement is
  recorded in :attr:`AfsFile.view_field_mismatch`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proceval.benchmarks.impact.formats.naming import parse_video_id
from proceval.errors import ReleaseFormatError
from proceval.io import read_json

AFS_VIEW_FOLDERS: tuple[str, ...] = ("Front", "Left", "Right", "Top", "ego_valid")
HANDS: tuple[str, ...] = ("left", "right")
PHASES: tuple[str, ...] = ("normal", "anomaly", "recovery")
NUM_ANOMALY_TYPES = 6
VOCAB_KEYS: tuple[str, ...] = ("verbs", "nouns", "action_labels", "anomaly_types")
_SEGMENT_KEYS: tuple[str, ...] = (
    "entity",
    "start_frame",
    "end_frame",
    "action_label",
    "verb",
    "noun",
    "phase",
    "anomaly_type",
)


@dataclass(frozen=True)
class AfsVocab:
    """The vocabularies embedded in an AF-S file, each a tuple of names indexed by id."""

    verbs: tuple[str, ...]
    nouns: tuple[str, ...]
    actions: tuple[str, ...]
    anomaly_types: tuple[str, ...]


@dataclass(frozen=True)
class AfsSegment:
    """One hand segment. Frames are 0-based, ``end_frame`` inclusive.

    Attributes:
        index: position in the file's ``segments`` list (stable key).
        hand: ``left`` or ``right`` (the JSON ``entity``).
        action: action id, 0 = ``null``.
        verb: verb id, -1 = null.
        noun: noun id, -1 = null.
        phase: ``normal``, ``anomaly`` or ``recovery``.
        anomaly: 6 ints (0/1), multi-hot over the anomaly types.
    """

    index: int
    hand: str
    start_frame: int
    end_frame: int
    action: int
    verb: int
    noun: int
    phase: str
    anomaly: tuple[int, ...]


@dataclass(frozen=True)
class AfsFile:
    """A parsed AF-S annotation file.

    Attributes:
        path: the file read.
        raw_video_id: the JSON ``video_id`` as released.
        video_id: canonical id (``..._clipped``; ego ``..._ego_sync_clipped``).
        trial_id: ``YYYYMMDD_HHMM``.
        view: view derived from the file name (``front``..``top``, ``ego``).
        view_field: the JSON ``view`` field as released.
        fps: ``meta_data.fps`` (frames per second).
        num_frames: ``meta_data.num_frames``.
        vocab: the embedded vocabularies.
        segments: all hand segments in file order.
    """

    path: Path
    raw_video_id: str
    video_id: str
    trial_id: str
    view: str
    view_field: str
    fps: float
    num_frames: int
    vocab: AfsVocab
    segments: tuple[AfsSegment, ...]

    @property
    def view_field_mismatch(self) -> bool:
        """True where the JSON ``view`` field (case-insensitive) disagrees with the file name."""
        return self.view_field.lower() != self.view


def _int(path: Path, where: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ReleaseFormatError(path, f"{where}: expected an integer, got {value!r}")
    return value


def _read_vocab_list(path: Path, data: dict[str, Any], key: str) -> tuple[str, ...]:
    items = data.get(key)
    if not isinstance(items, list) or not items:
        raise ReleaseFormatError(
            path, f"`{key}`: expected a non-empty list of {{id, name}}, got {items!r:.80}"
        )
    names: list[str] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or item.get("id") != i or not isinstance(item.get("name"), str):
            raise ReleaseFormatError(
                path, f"`{key}[{i}]`: expected {{'id': {i}, 'name': <str>}}, got {item!r}"
            )
        names.append(item["name"])
    return tuple(names)


def read_afs_vocab(path: str | os.PathLike[str], data: dict[str, Any] | None = None) -> AfsVocab:
    """Read the four vocabularies of an AF-S file (ids must be 0..N-1 in order)."""
    p = Path(path)
    d = read_json(p) if data is None else data
    return AfsVocab(*(_read_vocab_list(p, d, k) for k in VOCAB_KEYS))


def _parse_segment(path: Path, index: int, seg: Any, vocab: AfsVocab, num_frames: int) -> AfsSegment:
    where = f"segments[{index}]"
    if not isinstance(seg, dict):
        raise ReleaseFormatError(path, f"{where}: expected an object, got {seg!r:.80}")
    missing = [k for k in _SEGMENT_KEYS if k not in seg]
    if missing:
        raise ReleaseFormatError(path, f"{where}: missing keys {missing}")
    hand = seg["entity"]
    if hand not in HANDS:
        raise ReleaseFormatError(path, f"{where}: expected `entity` in {HANDS}, got {hand!r}")
    phase = seg["phase"]
    if phase not in PHASES:
        raise ReleaseFormatError(path, f"{where}: expected `phase` in {PHASES}, got {phase!r}")
    start = _int(path, f"{where}.start_frame", seg["start_frame"])
    end = _int(path, f"{where}.end_frame", seg["end_frame"])
    if not 0 <= start <= end < num_frames:
        raise ReleaseFormatError(
            path, f"{where}: expected 0 <= start_frame <= end_frame < {num_frames}, got [{start}, {end}]"
        )
    action = _int(path, f"{where}.action_label", seg["action_label"])
    if not 0 <= action < len(vocab.actions):
        raise ReleaseFormatError(
            path, f"{where}: unknown action_label {action} (expected 0..{len(vocab.actions) - 1})"
        )
    verb = _int(path, f"{where}.verb", seg["verb"])
    if not -1 <= verb < len(vocab.verbs):
        raise ReleaseFormatError(path, f"{where}: unknown verb {verb} (expected -1..{len(vocab.verbs) - 1})")
    noun = _int(path, f"{where}.noun", seg["noun"])
    if not -1 <= noun < len(vocab.nouns):
        raise ReleaseFormatError(path, f"{where}: unknown noun {noun} (expected -1..{len(vocab.nouns) - 1})")
    anomaly = seg["anomaly_type"]
    if (
        not isinstance(anomaly, list)
        or len(anomaly) != len(vocab.anomaly_types)
        or any(isinstance(a, bool) or a not in (0, 1) for a in anomaly)
    ):
        raise ReleaseFormatError(
            path,
            f"{where}: expected `anomaly_type` as {len(vocab.anomaly_types)} ints in {{0, 1}}, "
            f"got {anomaly!r}",
        )
    return AfsSegment(index, hand, start, end, action, verb, noun, phase, tuple(int(a) for a in anomaly))


def read_afs_file(path: str | os.PathLike[str]) -> AfsFile:
    """Parse and validate one AF-S file.

    Raises:
        ReleaseFormatError: missing file, invalid JSON, a missing key, an id outside the file's own
            vocabulary, bad frames (outside ``0..num_frames-1`` or start > end), or a file name
            that is not an IMPACT video id. The message names the file and the segment index.
    """
    p = Path(path)
    data = read_json(p)
    if not isinstance(data, dict):
        raise ReleaseFormatError(p, f"expected a JSON object, got {type(data).__name__}")
    for key in ("video_id", "view", "meta_data", "segments"):
        if key not in data:
            raise ReleaseFormatError(p, f"missing key `{key}`")
    try:
        name = parse_video_id(p.stem)
    except ValueError as exc:
        raise ReleaseFormatError(p, str(exc)) from exc
    try:
        from_field = parse_video_id(str(data["video_id"]))
    except ValueError as exc:
        raise ReleaseFormatError(p, f"`video_id`: {exc}") from exc
    if from_field != name:
        raise ReleaseFormatError(
            p, f"`video_id` {data['video_id']!r} does not match the file name {p.stem!r}"
        )
    meta = data["meta_data"]
    if not isinstance(meta, dict) or "fps" not in meta or "num_frames" not in meta:
        raise ReleaseFormatError(p, "`meta_data`: expected an object with `fps` and `num_frames`")
    fps = meta["fps"]
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or fps <= 0:
        raise ReleaseFormatError(p, f"`meta_data.fps`: expected a positive number, got {fps!r}")
    num_frames = _int(p, "`meta_data.num_frames`", meta["num_frames"])
    if num_frames <= 0:
        raise ReleaseFormatError(p, f"`meta_data.num_frames`: expected > 0, got {num_frames}")
    vocab = read_afs_vocab(p, data)
    if len(vocab.anomaly_types) != NUM_ANOMALY_TYPES:
        raise ReleaseFormatError(
            p, f"`anomaly_types`: expected {NUM_ANOMALY_TYPES} types, got {len(vocab.anomaly_types)}"
        )
    segs = data["segments"]
    if not isinstance(segs, list):
        raise ReleaseFormatError(p, "`segments`: expected a list")
    segments = tuple(_parse_segment(p, i, s, vocab, num_frames) for i, s in enumerate(segs))
    return AfsFile(
        path=p,
        raw_video_id=str(data["video_id"]),
        video_id=name.video_id,
        trial_id=name.trial,
        view=name.view,
        view_field=str(data["view"]),
        fps=float(fps),
        num_frames=num_frames,
        vocab=vocab,
        segments=segments,
    )


def index_afs_files(annotation_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Map canonical video id → AF-S file over the five view folders of ``Annotation/``.

    Raises:
        ReleaseFormatError: a view folder is missing, a file name is not an IMPACT video id, or two
            files map to the same canonical id.
    """
    root = Path(annotation_dir)
    out: dict[str, Path] = {}
    for folder in AFS_VIEW_FOLDERS:
        d = root / folder
        if not d.is_dir():
            raise ReleaseFormatError(d, "AF-S view folder not found")
        for f in sorted(d.glob("*.json")):
            try:
                vid = parse_video_id(f.stem).video_id
            except ValueError as exc:
                raise ReleaseFormatError(f, str(exc)) from exc
            if vid in out:
                raise ReleaseFormatError(f, f"canonical video id {vid!r} already given by {out[vid]}")
            out[vid] = f
    return out
