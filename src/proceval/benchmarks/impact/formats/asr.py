"""ASR annotation files: ``dataset/ASR/annotations/{trial}_color_front_clipped_asr.json``.

Each file holds the assembly state of 17 components over one front-view video. States are
``-1`` (in between: being installed or removed), ``0`` (not installed) and ``1`` (installed).
``state_sequence`` is sparse: entry ``i`` holds on frames ``[frame_i, frame_{i+1})`` and the last
entry holds up to ``frame_count`` (exclusive), as the official ASR evaluators densify it.
Frames are 0-based at the video's own 30 fps.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from proceval.benchmarks.impact.formats.naming import parse_video_id
from proceval.errors import ReleaseFormatError
from proceval.io import read_json

STATE_VALUES: tuple[int, ...] = (-1, 0, 1)
WORKFLOWS: tuple[str, ...] = ("assemble", "disassemble")
NUM_COMPONENTS = 17
ASR_FILE_SUFFIX = "_asr"


@dataclass(frozen=True)
class AsrAnnotation:
    """A parsed ASR file.

    Attributes:
        path: the file read.
        raw_video_id: the JSON ``video_id`` (``{trial}_color``).
        video_id: canonical front-view id ``{trial}_color_front_clipped``.
        trial_id: ``YYYYMMDD_HHMM``.
        fps: frames per second (JSON ``fps``).
        frame_count: number of frames T (JSON ``frame_count``).
        workflow: ``assemble`` or ``disassemble``.
        initial_state_vector: 17 states at frame 0.
        component_names: the 17 component names as written in this file (index = component id).
        state_frames: start frame of each sparse entry, strictly increasing, first 0, int64 [K].
        states: the sparse states, int8 [K, 17].
    """

    path: Path
    raw_video_id: str
    video_id: str
    trial_id: str
    fps: float
    frame_count: int
    workflow: str
    initial_state_vector: tuple[int, ...]
    component_names: tuple[str, ...]
    state_frames: np.ndarray
    states: np.ndarray

    def dense(self) -> np.ndarray:
        """Per-frame states, int8 [17, frame_count]."""
        return dense_states_from_runs(self.state_frames, self.states, self.frame_count)


def dense_states_from_runs(
    state_frames: Sequence[int] | np.ndarray, states: Sequence[Sequence[int]] | np.ndarray, num_frames: int
) -> np.ndarray:
    """Expand a sparse state sequence to per-frame states.

    Args:
        state_frames: start frame of each entry (0-based, strictly increasing, first 0).
        states: one state vector per entry, shape [K, C].
        num_frames: T, the number of frames; the last entry holds up to T (exclusive).

    Returns:
        int8 array [C, T]; column t is the state at frame t.

    Example:
        >>> dense_states_from_runs([0, 2], [[1, 0], [-1, 0]], 4).tolist()
        [[1, 1, -1, -1], [0, 0, 0, 0]]
    """
    from proceval.benchmarks.impact.state_events import dense_states_from_sequence

    frames = np.asarray(state_frames, dtype=np.int64).tolist()
    arr = np.asarray(states, dtype=np.int64)
    if arr.ndim != 2 or arr.shape[0] != len(frames):
        raise ValueError(f"Expected `states` of shape [{len(frames)}, C], but got {arr.shape}.")
    return dense_states_from_sequence(
        [{"frame": f, "state": row} for f, row in zip(frames, arr.tolist())], int(num_frames)
    )


def _int(path: Path, where: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ReleaseFormatError(path, f"{where}: expected an integer, got {value!r}")
    return value


def _state_vector(path: Path, where: str, value: Any) -> list[int]:
    if (
        not isinstance(value, list)
        or len(value) != NUM_COMPONENTS
        or any(isinstance(v, bool) or v not in STATE_VALUES for v in value)
    ):
        raise ReleaseFormatError(
            path, f"{where}: expected {NUM_COMPONENTS} states in {STATE_VALUES}, got {value!r}"
        )
    return [int(v) for v in value]


def read_asr_file(path: str | os.PathLike[str]) -> AsrAnnotation:
    """Parse and validate one ASR file.

    Raises:
        ReleaseFormatError: missing file or key, a state outside {-1, 0, 1} or not 17 long, frames
            not strictly increasing from 0 or beyond ``frame_count``, an unknown workflow, or a
            ``video_id`` that does not match the file name. The message names the file and entry.
    """
    p = Path(path)
    data = read_json(p)
    if not isinstance(data, dict):
        raise ReleaseFormatError(p, f"expected a JSON object, got {type(data).__name__}")
    for key in (
        "video_id",
        "fps",
        "frame_count",
        "workflow",
        "initial_state_vector",
        "components",
        "state_sequence",
    ):
        if key not in data:
            raise ReleaseFormatError(p, f"missing key `{key}`")
    stem = p.stem.removesuffix(ASR_FILE_SUFFIX)
    try:
        name = parse_video_id(stem)
        field = parse_video_id(str(data["video_id"]))
    except ValueError as exc:
        raise ReleaseFormatError(p, str(exc)) from exc
    if field.trial != name.trial:
        raise ReleaseFormatError(
            p, f"`video_id` {data['video_id']!r} does not match the file name {p.stem!r}"
        )
    fps = data["fps"]
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or fps <= 0:
        raise ReleaseFormatError(p, f"`fps`: expected a positive number, got {fps!r}")
    frame_count = _int(p, "`frame_count`", data["frame_count"])
    if frame_count <= 0:
        raise ReleaseFormatError(p, f"`frame_count`: expected > 0, got {frame_count}")
    workflow = data["workflow"]
    if workflow not in WORKFLOWS:
        raise ReleaseFormatError(p, f"`workflow`: expected one of {WORKFLOWS}, got {workflow!r}")
    initial = _state_vector(p, "`initial_state_vector`", data["initial_state_vector"])
    comps = data["components"]
    if not isinstance(comps, list) or len(comps) != NUM_COMPONENTS:
        raise ReleaseFormatError(p, f"`components`: expected {NUM_COMPONENTS} entries, got {comps!r:.80}")
    names: list[str] = []
    for i, c in enumerate(comps):
        if not isinstance(c, dict) or c.get("id") != i or not isinstance(c.get("name"), str):
            raise ReleaseFormatError(
                p, f"`components[{i}]`: expected {{'id': {i}, 'name': <str>}}, got {c!r}"
            )
        names.append(c["name"])
    seq = data["state_sequence"]
    if not isinstance(seq, list) or not seq:
        raise ReleaseFormatError(p, "`state_sequence`: expected a non-empty list")
    frames: list[int] = []
    states: list[list[int]] = []
    for i, entry in enumerate(seq):
        where = f"`state_sequence[{i}]`"
        if not isinstance(entry, dict) or "frame" not in entry or "state" not in entry:
            raise ReleaseFormatError(p, f"{where}: expected {{frame, state}}, got {entry!r:.80}")
        frame = _int(p, f"{where}.frame", entry["frame"])
        prev = frames[-1] if frames else -1
        if (i == 0 and frame != 0) or frame <= prev or frame >= frame_count:
            expected = "0" if i == 0 else f"a frame in ({prev}, {frame_count})"
            raise ReleaseFormatError(p, f"{where}.frame: expected {expected}, got {frame}")
        frames.append(frame)
        states.append(_state_vector(p, f"{where}.state", entry["state"]))
    if states[0] != initial:
        raise ReleaseFormatError(p, "`state_sequence[0].state` differs from `initial_state_vector`")
    return AsrAnnotation(
        path=p,
        raw_video_id=str(data["video_id"]),
        video_id=name.video_id,
        trial_id=name.trial,
        fps=float(fps),
        frame_count=frame_count,
        workflow=workflow,
        initial_state_vector=tuple(initial),
        component_names=tuple(names),
        state_frames=np.asarray(frames, dtype=np.int64),
        states=np.asarray(states, dtype=np.int8),
    )


def asr_file_path(annotations_dir: str | os.PathLike[str], video_id: str) -> Path:
    """``annotations/{trial}_color_front_clipped_asr.json`` for a (any naming variant) video id."""
    name = parse_video_id(video_id)
    return Path(annotations_dir) / f"{name.trial}_color_front_clipped{ASR_FILE_SUFFIX}.json"
