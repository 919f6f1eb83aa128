"""Sample ProcObject-10K annotations: ``training.json`` and ``testing.json`` with evidence spans.

``training.json`` is a list of QA objects; ``testing.json`` is
``{"Needle-in-a-Haystack": [...], "Multi-hop Reasoning": [...]}``. The public fields of a QA object
are ``id``, ``domain``, ``task`` and ``source`` (one of HoloAssist, COIN, EgoPER, CaptainCook4D).
**The remaining fields are our reconstruction**, since the full schema is not public:

* ``video``: the video file name (under ``videos/``);
* ``question`` / ``answer``: free text;
* ``question_type``: one of :data:`QUESTION_TYPES`;
* ``evidence_spans``: list of ``[start_s, end_s]`` in seconds (inclusive start, exclusive end) where
  the answer can be seen; one span for needle questions, two or more for multi-hop questions.

Question types:

* ``step_localization``: when a given step happens (one span);
* ``object_state``: the state of an object right after a step (one span);
* ``next_step``: what the person does right after a step (two spans: that step and the next);
* ``object_tracking``: where an object ends up, following it over two steps (two spans);
* ``step_count``: how many times a recurring action happens (one span per occurrence).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from proceval.sample._text import write_json

FPS = 15
SIZE = (160, 96)
QUESTION_TYPES: tuple[str, ...] = (
    "step_localization",
    "object_state",
    "next_step",
    "object_tracking",
    "step_count",
)
NEEDLE_TYPES = frozenset({"step_localization", "object_state"})


@dataclass(frozen=True)
class SampleVideo:
    """One sample video: file name, frame count, steps ``(step id, name, start_s, end_s)``."""

    video: str
    source: str
    domain: str
    task: str
    obj: str
    place: str
    n_frames: int
    steps: list[tuple[int, str, float, float]]


_VIDEOS: tuple[tuple[str, str, str, str, str, tuple[str, ...]], ...] = (
    # source, domain, task, tracked object, where it ends up, steps (one step recurs)
    (
        "CaptainCook4D",
        "Cooking",
        "Make scrambled eggs",
        "egg",
        "the bowl",
        (
            "crack an egg into the bowl",
            "crack an egg into the bowl",
            "whisk the eggs",
            "pour the eggs into the pan",
        ),
    ),
    (
        "HoloAssist",
        "Assembly",
        "Set up a printer cartridge",
        "cartridge",
        "the printer slot",
        ("open the printer lid", "unwrap the cartridge", "press the cartridge in", "close the printer lid"),
    ),
    (
        "COIN",
        "Home Repair",
        "Tighten a loose hinge",
        "screwdriver",
        "the toolbox",
        (
            "pick up the screwdriver",
            "turn the hinge screw",
            "turn the hinge screw",
            "put the screwdriver away",
        ),
    ),
    (
        "EgoPER",
        "Cooking",
        "Brew pour-over coffee",
        "filter",
        "the dripper",
        ("place the filter in the dripper", "add ground coffee", "pour hot water", "pour hot water"),
    ),
)


def make_videos(seed: int) -> list[SampleVideo]:
    """The four sample videos with seeded step timings (half-second boundaries, 12-18 s long)."""
    out = []
    for i, (source, domain, task, obj, place, steps) in enumerate(_VIDEOS):
        rng = np.random.default_rng([seed, 2512, i])
        duration = int(rng.integers(12, 19))
        weights = rng.uniform(0.7, 1.3, size=len(steps) + 1)
        bounds = np.round(np.concatenate([[0.0], np.cumsum(weights) / weights.sum() * duration]) * 2) / 2
        # step k occupies [bounds[k], bounds[k+1]); the last slice is idle background (id 0)
        names = list(dict.fromkeys(steps))
        spans = [(names.index(s) + 1, s, float(bounds[k]), float(bounds[k + 1])) for k, s in enumerate(steps)]
        out.append(
            SampleVideo(
                f"{source.lower()}_sample_{i:02d}.mp4",
                source,
                domain,
                task,
                obj,
                place,
                duration * FPS,
                spans,
            )
        )
    return out


def _qas(v: SampleVideo) -> list[dict[str, Any]]:
    base = {"domain": v.domain, "task": v.task, "source": v.source, "video": v.video}
    steps = v.steps
    first = steps[0]
    counts: dict[str, list[tuple[float, float]]] = {}
    for _, name, s, e in steps:
        counts.setdefault(name, []).append((s, e))
    repeated = max(counts, key=lambda k: len(counts[k]))
    mid = steps[1]
    return [
        {
            **base,
            "question": f"When does the person {first[1]}?",
            "answer": f"From {first[2]:.1f} s to {first[3]:.1f} s.",
            "question_type": "step_localization",
            "evidence_spans": [[first[2], first[3]]],
        },
        {
            **base,
            "question": f"What is the state of the {v.obj} right after the person does this: {mid[1]}?",
            "answer": f"The {v.obj} has just been handled: {mid[1]}.",
            "question_type": "object_state",
            "evidence_spans": [[mid[2], mid[3]]],
        },
        {
            **base,
            "question": f"What does the person do right after they {steps[1][1]}?",
            "answer": f"They {steps[2][1]}.",
            "question_type": "next_step",
            "evidence_spans": [[steps[1][2], steps[1][3]], [steps[2][2], steps[2][3]]],
        },
        {
            **base,
            "question": f"Where does the {v.obj} end up by the end of the task?",
            "answer": f"In {v.place}.",
            "question_type": "object_tracking",
            "evidence_spans": [[steps[0][2], steps[0][3]], [steps[-1][2], steps[-1][3]]],
        },
        {
            **base,
            "question": f"How many times does the person {repeated}?",
            "answer": str(len(counts[repeated])),
            "question_type": "step_count",
            "evidence_spans": [[s, e] for s, e in counts[repeated]],
        },
    ]


def write_procobject(root: Path, videos: list[SampleVideo]) -> tuple[Path, Path]:
    """Write ``training.json`` (QAs of the first two videos) and ``testing.json`` (the other two)."""
    training = []
    for v in videos[:2]:
        training.extend(_qas(v))
    for k, qa in enumerate(training, start=1):
        qa["id"] = f"train_{k:04d}"
    testing: dict[str, list[dict[str, Any]]] = {"Needle-in-a-Haystack": [], "Multi-hop Reasoning": []}
    for v in videos[2:]:
        for qa in _qas(v):
            key = "Needle-in-a-Haystack" if qa["question_type"] in NEEDLE_TYPES else "Multi-hop Reasoning"
            testing[key].append(qa)
    for key, prefix in (("Needle-in-a-Haystack", "niah"), ("Multi-hop Reasoning", "multihop")):
        for k, qa in enumerate(testing[key], start=1):
            qa["id"] = f"{prefix}_{k:04d}"
    order = (
        "id",
        "domain",
        "task",
        "source",
        "video",
        "question",
        "answer",
        "question_type",
        "evidence_spans",
    )
    training = [{f: qa[f] for f in order} for qa in training]
    testing = {key: [{f: qa[f] for f in order} for qa in rows] for key, rows in testing.items()}
    write_json(root / "training.json", training, trailing_newline=True)
    write_json(root / "testing.json", testing, trailing_newline=True)
    return root / "training.json", root / "testing.json"
