"""Sample EgoProactive sessions in the public challenge JSONL schema (spec §1.2).

Layout mirrors the ``facebook/wearable-ai`` repository:
``egoproactive/wearable_ai_2026_egoproactive_val_<n>.jsonl`` (one session per line) and
``egoproactive/val/<id>.mp4``, plus a README whose YAML ``configs:`` block points ``load_dataset`` at
the JSONL. Each row has exactly the public fields: ``video_path``,
``duration_in_sec``, ``video_intervals`` (decision chunks ``[start_s, end_s]`` in seconds), ``query``,
``domain``, ``task``, ``answers`` (``"$silent$"`` or ``"$interrupt$<utterance>"``; ``answers[0]`` is
always an interrupt answering the query) and ``dialog`` (the cumulative gold dialog *before* each
chunk, a list of ``{role, text}`` turns). Interrupts fall on step boundaries, where the video's
colour changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from proceval.io import atomic_write_text
from proceval.sample._text import write_jsonl

FPS = 15
SIZE = (160, 96)
CHUNK_S = 4.0  # decision chunks are 4 s here (8 s in the challenge; the sample videos are short)


@dataclass(frozen=True)
class Session:
    """One sample session: its public row plus the step spans (seconds) that drive the video."""

    video_id: str
    n_frames: int
    row: dict[str, Any]
    step_spans: list[tuple[int, float, float]]  # (step id 1.., start_s, end_s)


_TASKS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "Cooking",
        "Make a cheese sandwich",
        "Can you walk me through making a cheese sandwich?",
        (
            "lay out two slices of bread",
            "butter one slice",
            "add two slices of cheese",
            "close and cut it in half",
        ),
    ),
    (
        "Arts and Crafts",
        "Fold a paper airplane",
        "I want to fold a paper airplane, can you guide me?",
        (
            "fold the sheet in half lengthwise",
            "fold the top corners to the centre line",
            "fold the wings down",
        ),
    ),
    (
        "Gardening",
        "Repot a houseplant",
        "Help me move this plant into a bigger pot.",
        (
            "put fresh soil in the new pot",
            "loosen the plant from its old pot",
            "set the plant in and press the soil",
        ),
    ),
    (
        "Home Maintenance",
        "Replace a light bulb",
        "How do I change this bulb safely?",
        ("switch off the lamp", "unscrew the old bulb", "screw in the new bulb", "switch the lamp back on"),
    ),
)


def make_sessions(n_sessions: int, seed: int) -> list[Session]:
    """Plan ``n_sessions`` sessions (cycling through four tasks) deterministically from ``seed``."""
    out = []
    for i in range(n_sessions):
        rng = np.random.default_rng([seed, 1717, i])
        domain, task, query, steps = _TASKS[i % len(_TASKS)]
        duration = int(rng.integers(14, 21))  # whole seconds, so duration_in_sec is exact
        n_frames = duration * FPS
        weights = rng.uniform(0.8, 1.2, size=len(steps))
        bounds = np.concatenate([[0.0], np.cumsum(weights) / weights.sum() * duration])
        bounds = np.round(bounds * 2) / 2  # half-second boundaries
        spans = [(k + 1, float(bounds[k]), float(bounds[k + 1])) for k in range(len(steps))]
        out.append(_session(f"egoproactive_sample_{i:04d}", n_frames, domain, task, query, steps, spans))
    return out


def _session(
    video_id: str,
    n_frames: int,
    domain: str,
    task: str,
    query: str,
    steps: tuple[str, ...],
    spans: list[tuple[int, float, float]],
) -> Session:
    duration = n_frames / FPS
    # Decision points (chunk ends, seconds): 2 s in (answer the query), 1 s after each step boundary
    # (announce the next step), and silent points at least 1.5 s away from any boundary.
    boundaries = [s for _, s, _ in spans[1:]]
    ends: dict[float, str] = {2.0: f"$interrupt$Sure. First, {steps[0]}."}
    for k, b in enumerate(boundaries, start=1):
        t = min(b + 1.0, duration)
        ends[t] = f"$interrupt$Good, that step is done. Next, {steps[k]}."
    t = 3.5
    while t <= duration:
        if all(abs(t - b) >= 1.5 for b in boundaries) and all(abs(t - e) >= 1.0 for e in ends):
            ends[t] = "$silent$"
        t += 2.5
    times = sorted(ends)
    intervals = [[max(0.0, e - CHUNK_S), e] for e in times]
    answers = [ends[e] for e in times]
    dialog, history = [], [{"role": "user", "text": query}]
    for ans in answers:
        dialog.append([dict(turn) for turn in history])
        if ans.startswith("$interrupt$"):
            history.append({"role": "assistant", "text": ans[len("$interrupt$") :]})
    row = {
        "video_path": f"{video_id}.mp4",
        "duration_in_sec": duration,
        "video_intervals": intervals,
        "query": query,
        "domain": domain,
        "task": task,
        "answers": answers,
        "dialog": dialog,
    }
    return Session(video_id, n_frames, row, spans)


def jsonl_name(n_sessions: int) -> str:
    """The challenge file name for ``n_sessions`` rows."""
    return f"wearable_ai_2026_egoproactive_val_{n_sessions}.jsonl"


def write_egoproactive(root: Path, sessions: list[Session]) -> Path:
    """Write the JSONL and README under ``root`` (the repository root); return the JSONL path."""
    path = root / "egoproactive" / jsonl_name(len(sessions))
    write_jsonl(path, [s.row for s in sessions])
    readme = (
        "---\nconfigs:\n  - config_name: egoproactive\n    data_files:\n      - split: val\n"
        f"        path: egoproactive/{jsonl_name(len(sessions))}\n---\n\n"
        "# EgoProactive sample\n\nGenerated by `proceval sample`: a few synthetic sessions in the public\n"
        "challenge schema; videos are in `egoproactive/val/`.\n"
    )
    atomic_write_text(root / "README.md", readme)
    return path
