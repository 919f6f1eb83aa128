"""The Pro2Bench / EgoProactive part of the sample release.

Two parts, under the sample's release folder (``<root>/egoproactive/``):

* **The public challenge layout** of the ``facebook/wearable-ai`` repository:
  ``egoproactive/wearable_ai_2026_egoproactive_val_<n>.jsonl`` (one session per line) and
  ``egoproactive/val/<id>.mp4`` (H.265, 15 fps, as the real videos; tiny frames), plus a README whose
  YAML ``configs:`` block points ``load_dataset`` at the JSONL. Each row has exactly the public fields:
  ``video_path``, ``duration_in_sec``, ``video_intervals`` (decision chunks ``[start_s, end_s]`` in
  seconds, :data:`CHUNK_S` long or shorter at the start), ``query``, ``domain``, ``task``, ``answers``
  (``"$silent$"`` or ``"$interrupt$<utterance>"``; ``answers[0]`` is always an interrupt answering the
  query) and ``dialog`` (the cumulative gold dialog *before* each chunk, a list of ``{role, text}``
  turns). Interrupts fall 1 s after step boundaries, where the video's colour changes.
* **proceval's Pro2Bench schema** (:mod:`proceval.benchmarks.pro2bench.instances`):
  ``pro2bench/<source>/instances.jsonl`` for the six sources, a few sessions each, some rows with the
  fields proceval adds (plan with step status, visual cues; one EgoProactive session with an
  out-of-plan omission) and some without. EgoProactive rows use the public videos; the other sources
  get their own small H.264 videos under ``pro2bench/<source>/videos/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from proceval.benchmarks.pro2bench.release import (
    EGOPROACTIVE_DIR,
    EVAL_ONLY_SOURCES,
    INSTANCES_FILE,
    PRO2BENCH_DIR,
    SOURCES,
    VIDEO_DIR,
)
from proceval.io import atomic_write_text
from proceval.sample._text import write_jsonl

FPS = 15
SIZE = (160, 96)
CHUNK_S = 8.0  # decision chunks look at the last 8 s (shorter at the start of a session), as in the release
EGOPROACTIVE_CODEC = "libx265"  # the challenge videos are H.265

Span = tuple[int, float, float]  # (step id 1.., start_s, end_s)


@dataclass(frozen=True)
class Session:
    """One sample session: its public row plus what drives its video.

    Attributes:
        video_id: the session id (``video_path`` without ``.mp4``).
        n_frames: frames of the video (``duration_in_sec`` x :data:`FPS`).
        row: the challenge row (public fields only).
        step_spans: ``(step id, start_s, end_s)`` of each step (seconds).
        steps: the step texts.
    """

    video_id: str
    n_frames: int
    row: dict[str, Any]
    step_spans: list[Span]
    steps: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceSession:
    """One Pro2Bench sample session of a source other than EgoProactive (its own video)."""

    source: str
    session_id: str
    split: str
    n_frames: int
    step_spans: list[Span]
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def video_relpath(self) -> str:
        """The video's path relative to the release folder."""
        return f"{PRO2BENCH_DIR}/{self.source}/videos/{self.session_id}.mp4"


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

_SOURCE_TASKS: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "ego4d": (
        "Cooking",
        "Make tea",
        "Help me make a cup of tea.",
        ("boil the water", "put a tea bag in the mug", "pour the water and let it steep"),
    ),
    "egoexo4d": (
        "Bike Repair",
        "Fix a flat tire",
        "Guide me through fixing this flat.",
        ("take the wheel off", "patch the inner tube", "put the wheel back on"),
    ),
    "epic_kitchens": (
        "Cooking",
        "Wash the dishes",
        "Walk me through washing up.",
        ("fill the sink", "scrub the plates", "rinse and rack them"),
    ),
    "holoassist": (
        "Electronics",
        "Set up a printer",
        "How do I set up this printer?",
        ("plug in the power cable", "load the paper tray", "print a test page"),
    ),
    "howto100m": (
        "Arts and Crafts",
        "Make a paper boat",
        "Show me how to make a paper boat.",
        ("fold the sheet in half", "fold the corners down", "open it into a boat"),
    ),
}


def _spans(rng: np.random.Generator, n_steps: int, duration: int) -> list[Span]:
    weights = rng.uniform(0.8, 1.2, size=n_steps)
    bounds = np.concatenate([[0.0], np.cumsum(weights) / weights.sum() * duration])
    bounds = np.round(bounds * 2) / 2  # half-second boundaries
    return [(k + 1, float(bounds[k]), float(bounds[k + 1])) for k in range(n_steps)]


def make_sessions(n_sessions: int, seed: int) -> list[Session]:
    """Plan ``n_sessions`` sessions (cycling through four tasks) deterministically from ``seed``."""
    out = []
    for i in range(n_sessions):
        rng = np.random.default_rng([seed, 1717, i])
        domain, task, query, steps = _TASKS[i % len(_TASKS)]
        duration = int(rng.integers(14, 21))  # whole seconds, so duration_in_sec is exact
        spans = _spans(rng, len(steps), duration)
        out.append(
            _session(f"egoproactive_sample_{i:04d}", duration * FPS, domain, task, query, steps, spans)
        )
    return out


def decision_points(spans: list[Span], steps: tuple[str, ...], duration: float) -> list[tuple[float, str]]:
    """``(end_s, answer)`` of each decision point, in time order.

    2 s in (answer the query), 1 s after each step boundary (announce the next step), and silent points
    every 2.5 s from 3.5 s that lie at least 1.5 s from any boundary and 1 s from any other point.
    """
    boundaries = [s for _, s, _ in spans[1:]]
    ends: dict[float, str] = {2.0: f"$interrupt$Sure. First, {steps[0]}."}
    for k, b in enumerate(boundaries, start=1):
        ends[min(b + 1.0, duration)] = f"$interrupt$Good, that step is done. Next, {steps[k]}."
    t = 3.5
    while t <= duration:
        if all(abs(t - b) >= 1.5 for b in boundaries) and all(abs(t - e) >= 1.0 for e in ends):
            ends[t] = "$silent$"
        t += 2.5
    return [(e, ends[e]) for e in sorted(ends)]


def _dialogs(query: str, answers: list[str]) -> list[list[dict[str, str]]]:
    dialog, history = [], [{"role": "user", "text": query}]
    for ans in answers:
        dialog.append([dict(turn) for turn in history])
        if ans.startswith("$interrupt$"):
            history.append({"role": "assistant", "text": ans[len("$interrupt$") :]})
    return dialog


def _session(
    video_id: str,
    n_frames: int,
    domain: str,
    task: str,
    query: str,
    steps: tuple[str, ...],
    spans: list[Span],
) -> Session:
    duration = n_frames / FPS
    points = decision_points(spans, steps, duration)
    answers = [a for _, a in points]
    row = {
        "video_path": f"{video_id}.mp4",
        "duration_in_sec": duration,
        "video_intervals": [[max(0.0, e - CHUNK_S), e] for e, _ in points],
        "query": query,
        "domain": domain,
        "task": task,
        "answers": answers,
        "dialog": _dialogs(query, answers),
    }
    return Session(video_id, n_frames, row, spans, steps)


def jsonl_name(n_sessions: int) -> str:
    """The challenge file name for ``n_sessions`` rows."""
    return f"wearable_ai_2026_egoproactive_val_{n_sessions}.jsonl"


def write_egoproactive(root: Path, sessions: list[Session]) -> Path:
    """Write the JSONL and README under ``root`` (the repository root); return the JSONL path."""
    path = root / EGOPROACTIVE_DIR / jsonl_name(len(sessions))
    write_jsonl(path, [s.row for s in sessions])
    readme = (
        "---\nconfigs:\n  - config_name: egoproactive\n    data_files:\n      - split: val\n"
        f"        path: egoproactive/{jsonl_name(len(sessions))}\n---\n\n"
        "# EgoProactive sample\n\nGenerated by `proceval sample`: a few synthetic sessions in the public\n"
        "challenge schema; videos (H.265) are in `egoproactive/val/`. `pro2bench/` holds the same kind of\n"
        "decision points in proceval's own Pro2Bench schema, one `instances.jsonl` per source.\n"
    )
    atomic_write_text(root / "README.md", readme)
    return path


# --------------------------------------------------------------------------- Pro2Bench schema
def _instance_rows(
    *,
    session_id: str,
    video_path: str,
    steps: tuple[str, ...],
    intervals: list[list[float]],
    answers: list[str],
    goal: str,
    domain: str,
    task: str,
    split: str,
    rich: bool,
    with_index: bool,
    oop: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    rows = []
    said = 0  # interrupts before the current decision point
    for j, ((start, end), answer, dialog) in enumerate(
        zip(intervals, answers, _dialogs(goal, answers), strict=True)
    ):
        interrupt = answer.startswith("$interrupt$")
        row: dict[str, Any] = {"session_id": session_id, "video_path": video_path}
        if with_index:
            row["interval_index"] = j
        row |= {"start_s": start, "end_s": end, "label": "interrupt" if interrupt else "silent"}
        if interrupt:
            row["utterance"] = answer[len("$interrupt$") :]
        row |= {"goal": goal, "domain": domain, "task": task, "split": split, "dialog": dialog}
        if rich:
            # The plan the assistant holds before deciding (updated at each interrupt; none before the first):
            # after the opening answer step 0 is current, after each announcement the next one.
            if said:
                now = min(said - 1, len(steps) - 1)
                row["plan"] = [
                    {"step": text, "status": "completed" if k < now else "current" if k == now else "next"}
                    for k, text in enumerate(steps)
                ]
                row["step_complete_cues"] = [f"{steps[now]}: finished, hands move on"]
                row["step_incomplete_cues"] = [f"{steps[now]}: still under way"]
            else:
                row["plan"] = []
            row["oop"] = oop is not None
            if oop is not None:
                row |= oop
        said += interrupt
        rows.append(row)
    return rows


def egoproactive_instances(sessions: list[Session]) -> list[dict[str, Any]]:
    """Pro2Bench rows of the EgoProactive sample sessions (same decision points as the challenge rows).

    Sessions 0 and 1 carry the fields proceval adds; session 1 is an out-of-plan omission (its second
    step skipped, onset at the start of its third step); the other sessions carry the public fields only.
    """
    rows: list[dict[str, Any]] = []
    for i, s in enumerate(sessions):
        oop = None
        if i == 1:
            onset = s.step_spans[2][1]
            oop = {
                "deviation_type": "omission",
                "deviation_onset_s": onset,
                "recovery_utterance": f"Hold on, you skipped a step: {s.steps[1]} first, then carry on.",
            }
        rows += _instance_rows(
            session_id=s.video_id,
            video_path=f"{EGOPROACTIVE_DIR}/{VIDEO_DIR}/{s.row['video_path']}",
            steps=s.steps,
            intervals=s.row["video_intervals"],
            answers=s.row["answers"],
            goal=s.row["query"],
            domain=s.row["domain"],
            task=s.row["task"],
            split="test",
            rich=i < 2,
            with_index=True,
            oop=oop,
        )
    return rows


def make_source_sessions(seed: int) -> list[SourceSession]:
    """Sessions of the five other sources, deterministically from ``seed``.

    Two ``test`` sessions (one with the fields proceval adds, one without) and, where the source has a
    training set, one ``train`` session with them.
    """
    out = []
    for source in SOURCES:
        if source == "egoproactive":
            continue
        domain, task, goal, steps = _SOURCE_TASKS[source]
        plan = [("test", True), ("test", False)]
        if source not in EVAL_ONLY_SOURCES:
            plan.append(("train", True))
        for k, (split, rich) in enumerate(plan):
            rng = np.random.default_rng([seed, 2029, SOURCES.index(source), k])
            duration = int(rng.integers(10, 15))
            spans = _spans(rng, len(steps), duration)
            points = decision_points(spans, steps, float(duration))
            sid = f"{source}_sample_{k:04d}"
            session = SourceSession(source, sid, split, duration * FPS, spans)
            session.rows.extend(
                _instance_rows(
                    session_id=sid,
                    video_path=session.video_relpath,
                    steps=steps,
                    intervals=[[max(0.0, e - CHUNK_S), e] for e, _ in points],
                    answers=[a for _, a in points],
                    goal=goal,
                    domain=domain,
                    task=task,
                    split=split,
                    rich=rich,
                    with_index=False,
                )
            )
            out.append(session)
    return out


def write_pro2bench(root: Path, sessions: list[Session], others: list[SourceSession]) -> list[Path]:
    """Write ``pro2bench/<source>/instances.jsonl`` for every source under ``root``; return the paths."""
    by_source: dict[str, list[dict[str, Any]]] = {"egoproactive": egoproactive_instances(sessions)}
    for s in others:
        by_source.setdefault(s.source, []).extend(s.rows)
    paths = []
    for source in SOURCES:
        path = root / PRO2BENCH_DIR / source / INSTANCES_FILE
        write_jsonl(path, by_source[source])
        paths.append(path)
    return paths
