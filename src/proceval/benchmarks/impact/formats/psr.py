"""PSR label files (IndustReal / STORM format): ``dataset/PSR/labels_front_only_v1/``.

* ``component_names.json``: the 17 component names (index = component id = state index).
* ``procedure_info_IMPACT.json``: 51 steps ``{id, description, install, state_idx, ...}``; for
  component k, step ``3k`` installs it, ``3k+1`` is the incorrect install, ``3k+2`` removes it.
* ``{train,val,test}/{video_id}/PSR_labels.csv``: ``<frame>.jpg,<step_id>,<description>`` per
  completion event (error-free definition), no header; ``PSR_labels_with_errors.csv`` the same with
  incorrect installs; ``PSR_labels_raw.csv``: ``<frame>.jpg,s0,...,s16`` state vectors at change
  frames. Frames are 0-based at 30 fps (the ASR videos' frame index).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from proceval.benchmarks.impact.formats.asr import NUM_COMPONENTS, STATE_VALUES
from proceval.errors import ReleaseFormatError
from proceval.io import iter_lines, read_json

PSR_LABELS = "PSR_labels.csv"
PSR_LABELS_WITH_ERRORS = "PSR_labels_with_errors.csv"
PSR_LABELS_RAW = "PSR_labels_raw.csv"
PSR_SPLIT_FOLDERS = {"train": "train", "validation": "val", "test": "test"}


@dataclass(frozen=True)
class ProcedureStep:
    """One entry of ``procedure_info_IMPACT.json``."""

    id: int
    description: str
    install: bool
    state_idx: int
    extra: dict[str, Any]


@dataclass(frozen=True)
class PsrEvent:
    """A step-completion event: ``frame`` (0-based), ``step_id`` and its description."""

    frame: int
    step_id: int
    description: str


def read_component_names(path: str | os.PathLike[str]) -> list[str]:
    """The component names in ``component_names.json`` (a JSON list of strings)."""
    data = read_json(path)
    if not isinstance(data, list) or not data or not all(isinstance(x, str) for x in data):
        raise ReleaseFormatError(path, f"expected a non-empty JSON list of component names, got {data!r:.80}")
    if len(set(data)) != len(data):
        raise ReleaseFormatError(path, "component names repeat")
    return list(data)


def read_procedure_info(path: str | os.PathLike[str]) -> list[ProcedureStep]:
    """Steps of ``procedure_info_IMPACT.json``; ids must be 0..N-1 in order.

    Raises:
        ReleaseFormatError: not a list, a missing key, or ids out of order (naming the entry).
    """
    data = read_json(path)
    if not isinstance(data, list) or not data:
        raise ReleaseFormatError(path, "expected a non-empty JSON list of steps")
    out: list[ProcedureStep] = []
    for i, item in enumerate(data):
        if not isinstance(item, dict) or any(
            k not in item for k in ("id", "description", "install", "state_idx")
        ):
            raise ReleaseFormatError(
                path, f"entry {i}: expected {{id, description, install, state_idx, ...}}"
            )
        if item["id"] != i:
            raise ReleaseFormatError(path, f"entry {i}: expected id {i}, got {item['id']!r}")
        extra = {k: v for k, v in item.items() if k not in ("id", "description", "install", "state_idx")}
        out.append(
            ProcedureStep(i, str(item["description"]), bool(item["install"]), int(item["state_idx"]), extra)
        )
    return out


def _frame_of(path: Path, lineno: int, cell: str) -> int:
    text = cell.strip()
    if not text.endswith(".jpg") or not text[:-4].isdigit():
        raise ReleaseFormatError(path, f"expected '<frame>.jpg' in the first column, got {cell!r}", lineno)
    return int(text[:-4])


def read_psr_events(path: str | os.PathLike[str], steps: list[ProcedureStep]) -> list[PsrEvent]:
    """Events of ``PSR_labels.csv`` / ``PSR_labels_with_errors.csv`` in file (time) order.

    Raises:
        ReleaseFormatError: a line is not ``<frame>.jpg,<step_id>,<description>``, the step id is not
            in ``steps``, the description differs from the step's, or frames decrease.
    """
    p = Path(path)
    out: list[PsrEvent] = []
    for lineno, text in iter_lines(p):
        parts = text.split(",", 2)
        if len(parts) != 3 or not parts[1].strip().lstrip("-").isdigit():
            raise ReleaseFormatError(
                p, f"expected '<frame>.jpg,<step_id>,<description>', got {text!r}", lineno
            )
        frame = _frame_of(p, lineno, parts[0])
        step_id = int(parts[1])
        if not 0 <= step_id < len(steps):
            raise ReleaseFormatError(p, f"unknown step id {step_id} (expected 0..{len(steps) - 1})", lineno)
        desc = parts[2].strip()
        if desc != steps[step_id].description:
            raise ReleaseFormatError(
                p,
                f"description {desc!r} differs from step {step_id}'s {steps[step_id].description!r}",
                lineno,
            )
        if out and frame < out[-1].frame:
            raise ReleaseFormatError(
                p, f"frame {frame} is before the previous event's frame {out[-1].frame}", lineno
            )
        out.append(PsrEvent(frame, step_id, desc))
    return out


def read_psr_raw_states(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``PSR_labels_raw.csv``: change frames (int64 [K]) and state vectors (int8 [K, 17]).

    Raises:
        ReleaseFormatError: a row without 1 + 17 cells, a state outside {-1, 0, 1}, or frames that
            do not increase strictly.
    """
    p = Path(path)
    frames: list[int] = []
    states: list[list[int]] = []
    for lineno, text in iter_lines(p):
        parts = text.split(",")
        if len(parts) != 1 + NUM_COMPONENTS:
            raise ReleaseFormatError(
                p, f"expected '<frame>.jpg' and {NUM_COMPONENTS} states, got {text!r}", lineno
            )
        frame = _frame_of(p, lineno, parts[0])
        try:
            vec = [int(x) for x in parts[1:]]
        except ValueError:
            raise ReleaseFormatError(p, f"expected integer states, got {text!r}", lineno) from None
        if any(v not in STATE_VALUES for v in vec):
            raise ReleaseFormatError(p, f"expected states in {STATE_VALUES}, got {vec}", lineno)
        if frames and frame <= frames[-1]:
            raise ReleaseFormatError(p, f"frame {frame} does not follow frame {frames[-1]}", lineno)
        frames.append(frame)
        states.append(vec)
    if not frames:
        raise ReleaseFormatError(p, "no state rows")
    return np.asarray(frames, dtype=np.int64), np.asarray(states, dtype=np.int8)


def psr_video_dirs(labels_dir: str | os.PathLike[str], split: str) -> list[Path]:
    """The per-video folders of ``split`` (``train`` / ``validation`` / ``test``), sorted by name."""
    if split not in PSR_SPLIT_FOLDERS:
        raise ValueError(f"Expected `split` in {tuple(PSR_SPLIT_FOLDERS)}, but got {split!r}.")
    d = Path(labels_dir) / PSR_SPLIT_FOLDERS[split]
    if not d.is_dir():
        raise ReleaseFormatError(d, "PSR split folder not found")
    return sorted(x for x in d.iterdir() if x.is_dir())
