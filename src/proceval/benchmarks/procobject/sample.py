"""Sample ProcObject-10K release in the official schema: ``data/training.json``, ``data/testing.json``, videos.

Layout written under ``<sample>/procobject/``::

    data/training.json            a JSON list of QA records
    data/testing.json             a dict keyed by reasoning pattern ({"Needle-in-a-Haystack": [...],
                                  "Multi-hop Reasoning": [...]}), the shape the Hugging Face card describes
    videos/<corpus>/<rest>        the source videos, named by each record's ``video_path``

Records have the released fields (``id``, ``domain``, ``task``, ``source``, ``qa_type``, ``reasoning``,
``video_path``, ``clip_start``, ``clip_end``, ``question``, ``answer``, ``evidence``). As in the real
release, a QA is about a **clip** of a longer source video (``0 < clip_start < clip_end <`` the video's
duration, seconds in the source video) and its ``evidence`` spans are seconds **relative to
clip_start**, inside ``[0, clip_end - clip_start]``.

Content: two source videos per corpus (CaptainCook4D, EgoPER, HoloAssist, COIN; file names invented in
each corpus's style), one in train and one in test (a video-disjoint split, as released). Each video is a
sequence of steps acting on one object; each frame is coloured by the step it shows (grey between steps),
so evidence spans are visible. Each video has two clips of five or six consecutive steps, each clip three
QA pairs; within a split the QA pairs cycle through every (QA type, reasoning pattern) pair. Needle
questions have one short span inside a step; multi-hop questions have two to five spans, one per step
they chain. Question and answer texts are templates. Ids are a seeded permutation of ``1..N`` over both
files. The same seed gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from proceval.benchmarks.procobject.schema import (
    DATA_DIR,
    MULTI_HOP,
    NEEDLE,
    QA_TYPES,
    REASONINGS,
    TEST_FILE,
    TRAIN_FILE,
)
from proceval.sample._text import write_json

FPS = 8
SIZE = (128, 72)
CLIPS_PER_VIDEO = 2
QAS_PER_CLIP = 3
COMBOS: tuple[tuple[str, str], ...] = tuple((t, r) for t in QA_TYPES for r in REASONINGS)
"""Every (QA type, reasoning pattern) pair: the QA pairs of a split cycle through them."""


@dataclass(frozen=True)
class Step:
    """One step of a source video: what the person does and the object's state afterwards (seconds)."""

    action: str
    state: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class SourceVideo:
    """One sample source video.

    Attributes:
        video_path: ``<corpus>/<rest>`` (relative to the videos root).
        source, domain, task, obj: the record fields and the object the questions are about.
        split: ``train`` or ``test``.
        n_frames: frame count at :data:`FPS` (duration ``n_frames / FPS`` seconds).
        steps: the steps in time order (gaps between them show no step).
    """

    video_path: str
    source: str
    domain: str
    task: str
    obj: str
    split: str
    n_frames: int
    steps: tuple[Step, ...]

    @property
    def duration_s(self) -> float:
        """The video's duration in seconds."""
        return self.n_frames / FPS


# source, domain, video paths (train, test), tasks: (task, object, ((action, state after), ...))
_CORPORA: tuple[
    tuple[str, str, tuple[str, str], tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]], ...
] = (
    (
        "CaptainCook4D",
        "Cooking & Food",
        ("CaptainCook4D/9_17_360p.mp4", "CaptainCook4D/12_5_360p.mp4"),
        (
            (
                "Scrambled Eggs",
                "egg",
                (
                    ("take an egg from the carton", "whole and raw"),
                    ("crack the egg into the bowl", "cracked, yolk and white in the bowl"),
                    ("whisk the egg", "beaten into a uniform yellow liquid"),
                    ("heat the pan with butter", "waiting in the bowl beside a hot pan"),
                    ("pour the egg into the pan", "spreading as a thin liquid layer"),
                    ("stir the egg with a spatula", "set into soft curds"),
                    ("move the egg onto a plate", "cooked and plated"),
                ),
            ),
            (
                "Microwave Mug Cake",
                "batter",
                (
                    ("add flour to the mug", "dry flour only"),
                    ("add sugar and cocoa", "a dry brown mix"),
                    ("pour in the milk", "lumpy and wet"),
                    ("stir the mixture", "a smooth batter"),
                    ("put the mug in the microwave", "raw batter inside the microwave"),
                    ("take the mug out", "risen into a spongy cake"),
                    ("top the cake with sugar", "a dusted cake"),
                ),
            ),
        ),
    ),
    (
        "EgoPER",
        "Cooking & Food",
        ("EgoPER/coffee/coffee_u2_a1_normal_004.mp4", "EgoPER/tea/tea_u1_a3_error_007.mp4"),
        (
            (
                "Make Coffee",
                "filter",
                (
                    ("fold the paper filter", "folded along its seam"),
                    ("place the filter in the dripper", "seated in the dripper"),
                    ("wet the filter with hot water", "damp and stuck to the dripper"),
                    ("add ground coffee", "holding a bed of dry grounds"),
                    ("pour water in circles", "soaked with brewing coffee"),
                    ("let the coffee drain", "holding drained, wet grounds"),
                    ("throw the filter away", "in the bin"),
                ),
            ),
            (
                "Make Tea",
                "tea bag",
                (
                    ("take a tea bag from the box", "dry and sealed"),
                    ("put the tea bag in the cup", "dry at the bottom of the cup"),
                    ("pour hot water into the cup", "floating and soaking"),
                    ("steep the tea", "swollen, the water turning brown"),
                    ("lift the tea bag out", "dripping over the cup"),
                    ("squeeze the tea bag with a spoon", "pressed and nearly dry"),
                    ("drop the tea bag in the bin", "discarded"),
                ),
            ),
        ),
    ),
    (
        "HoloAssist",
        "Assembly & Technology",
        (
            "HoloAssist/R021-14July-Printer/Export_py/Video_pitchshift.mp4",
            "HoloAssist/R087-2Aug-Camera/Export_py/Video_pitchshift.mp4",
        ),
        (
            (
                "Change Printer Cartridge",
                "cartridge",
                (
                    ("open the printer lid", "still locked in its slot"),
                    ("press the old cartridge down", "released from the latch"),
                    ("pull out the old cartridge", "out of the printer"),
                    ("unwrap the new cartridge", "free of its packaging"),
                    ("remove the protective tape", "ready to insert, nozzles exposed"),
                    ("push the new cartridge into the slot", "clicked into place"),
                    ("close the printer lid", "enclosed and ready to print"),
                ),
            ),
            (
                "Setup Camera",
                "battery",
                (
                    ("open the battery door", "still outside the camera"),
                    ("take the battery from the charger", "charged and in hand"),
                    ("orient the battery contacts", "aligned with the compartment"),
                    ("slide the battery in", "inside the compartment"),
                    ("press until it latches", "latched in place"),
                    ("close the battery door", "sealed in the camera"),
                    ("switch the camera on", "powering the camera"),
                ),
            ),
        ),
    ),
    (
        "COIN",
        "Vehicles",
        ("COIN/ChangeCarTire/q2Xk9v0MZ3s.mp4", "COIN/ReplaceBicycleChain/Lr7PAd2yq1E.mp4"),
        (
            (
                "Change Car Tire",
                "wheel",
                (
                    ("loosen the lug nuts", "bolted on, nuts loose"),
                    ("jack up the car", "lifted off the ground"),
                    ("remove the lug nuts", "held only by the hub"),
                    ("pull the wheel off", "off the car"),
                    ("mount the spare wheel", "the spare on the hub"),
                    ("tighten the lug nuts", "secured to the hub"),
                    ("lower the car", "back on the ground"),
                ),
            ),
            (
                "Replace Bicycle Chain",
                "chain",
                (
                    ("shift to the smallest gear", "slack on the smallest sprocket"),
                    ("push out a chain pin", "open at one link"),
                    ("pull off the old chain", "off the bicycle"),
                    ("thread the new chain", "routed through the derailleur"),
                    ("join the chain ends", "closed into a loop"),
                    ("press the connecting pin", "fully connected"),
                    ("turn the pedals", "running smoothly over the gears"),
                ),
            ),
        ),
    ),
)


def make_videos(seed: int) -> list[SourceVideo]:
    """The eight sample source videos with seeded step timings (steps 2.5-4.5 s, gaps 0.5-1.5 s)."""
    out = []
    for c, (source, domain, paths, tasks) in enumerate(_CORPORA):
        for k, (path, split, (task, obj, steps)) in enumerate(
            zip(paths, ("train", "test"), tasks, strict=True)
        ):
            rng = np.random.default_rng([seed, 2512, c, k])
            t = float(np.round(rng.uniform(2.0, 4.0), 1))  # lead-in before the first step
            timed = []
            for action, state in steps:
                length = float(np.round(rng.uniform(2.5, 4.5), 1))
                timed.append(Step(action, state, round(t, 1), round(t + length, 1)))
                t += length + float(np.round(rng.uniform(0.5, 1.5), 1))
            duration = t + float(np.round(rng.uniform(1.0, 3.0), 1))
            out.append(
                SourceVideo(path, source, domain, task, obj, split, round(duration * FPS), tuple(timed))
            )
    return out


def step_spans(video: SourceVideo) -> list[tuple[int, float, float]]:
    """``(step id, start_s, end_s)`` of each step (ids from 1; frames outside every step show id 0)."""
    return [(k + 1, s.start_s, s.end_s) for k, s in enumerate(video.steps)]


def _texts(qa_type: str, obj: str, a: Step, b: Step, mistake: bool) -> tuple[str, str]:
    if qa_type == "Precondition Grounding":
        return (
            f"Before the person can {b.action}, what state must the {obj} be in?",
            f"The {obj} must be {a.state}, which it is once they {a.action}.",
        )
    if qa_type == "Object State Evolution":
        return (
            f"How does the {obj} change from when they {a.action} to when they {b.action}?",
            f"It goes from {a.state} to {b.state}.",
        )
    if qa_type == "Counterfactual Reasoning":
        return (
            f"What would happen to the {obj} if the person skipped the step where they {a.action}?",
            f"The {obj} would not be {a.state}, so they could not {b.action} properly.",
        )
    if qa_type == "Mistake Recognition":
        if mistake:
            return (
                f"Does the person make a mistake with the {obj} when they {a.action}?",
                f"Yes: they {a.action} before the {obj} is ready and have to redo it.",
            )
        return (
            f"Does the person make a mistake with the {obj} when they {a.action}?",
            f"No: the {obj} ends up {a.state}, as the task expects.",
        )
    return (
        f"Is the {obj} ready for the person to {b.action} right after they {a.action}?",
        f"Yes: the {obj} is {a.state}, which is what the next step needs.",
    )


def _round(x: float) -> float:
    return round(float(x), 2)


def _video_qas(
    video: SourceVideo, combos: list[tuple[str, str]], seed: int, index: int
) -> list[dict[str, Any]]:
    """The QA records (without ids) of one video: two clips, three QA pairs each, of the given combos."""
    rng = np.random.default_rng([seed, 4210, index])
    steps = video.steps
    rows: list[dict[str, Any]] = []
    n_multi = 0
    for c in range(CLIPS_PER_VIDEO):
        n_steps = int(rng.integers(5, 7))  # five or six consecutive steps
        first = int(rng.integers(0, len(steps) - n_steps + 1))
        window = steps[first : first + n_steps]
        clip_start = _round(max(0.1, window[0].start_s - float(np.round(rng.uniform(0.2, 0.8), 1))))
        clip_end = _round(
            min(video.duration_s - 0.1, window[-1].end_s + float(np.round(rng.uniform(0.2, 0.8), 1)))
        )
        for q in range(QAS_PER_CLIP):
            qa_type, reasoning = combos[c * QAS_PER_CLIP + q]
            if reasoning == NEEDLE:
                k = int(rng.integers(0, n_steps - 1))
                a, b = window[k], window[k + 1]
                length = float(np.round(rng.uniform(0.8, 1.6), 1))
                start = a.start_s + float(np.round(rng.uniform(0.0, a.end_s - a.start_s - length), 1))
                evidence = [[_round(start - clip_start), _round(start + length - clip_start)]]
            else:
                n_spans = 2 + (index + n_multi) % 4  # 2..5 spans, cycling over the video's questions
                n_multi += 1
                k = int(rng.integers(0, n_steps - n_spans + 1))
                chain = window[k : k + n_spans]
                a, b = chain[0], chain[-1]
                evidence = [[_round(s.start_s - clip_start), _round(s.end_s - clip_start)] for s in chain]
            question, answer = _texts(qa_type, video.obj, a, b, mistake=bool(rng.integers(0, 2)))
            rows.append(
                {
                    "domain": video.domain,
                    "task": video.task,
                    "source": video.source,
                    "qa_type": qa_type,
                    "reasoning": reasoning,
                    "video_path": video.video_path,
                    "clip_start": clip_start,
                    "clip_end": clip_end,
                    "question": question,
                    "answer": answer,
                    "evidence": evidence,
                }
            )
    return rows


def make_records(videos: list[SourceVideo], seed: int) -> dict[str, list[dict[str, Any]]]:
    """``{"train": [...], "test": [...]}`` QA records with ids, in file order (released field order)."""
    per_video = CLIPS_PER_VIDEO * QAS_PER_CLIP
    out: dict[str, list[dict[str, Any]]] = {"train": [], "test": []}
    for split in out:
        chosen = [v for v in videos if v.split == split]
        for j, video in enumerate(chosen):
            combos = [COMBOS[(j * per_video + q) % len(COMBOS)] for q in range(per_video)]
            out[split].extend(_video_qas(video, combos, seed, videos.index(video)))
    total = sum(len(rows) for rows in out.values())
    ids = np.random.default_rng([seed, 10522]).permutation(total) + 1
    k = 0
    for split in out:
        for n, row in enumerate(out[split]):
            out[split][n] = {"id": int(ids[k]), **row}
            k += 1
    return out


def write_procobject(root: Path, videos: list[SourceVideo], seed: int) -> tuple[Path, Path]:
    """Write ``data/training.json`` (a list) and ``data/testing.json`` (a dict keyed by reasoning pattern)."""
    records = make_records(videos, seed)
    data = root / DATA_DIR
    testing = {key: [r for r in records["test"] if r["reasoning"] == key] for key in (NEEDLE, MULTI_HOP)}
    write_json(data / TRAIN_FILE, records["train"], trailing_newline=True)
    write_json(data / TEST_FILE, testing, trailing_newline=True)
    return data / TRAIN_FILE, data / TEST_FILE
