"""The demo baseline of the Pro2Bench / EgoProactive intervention tasks: interrupt when the colour changes.

A deliberately simple, model-free rule that reads decoded frames: at each decision point (a chunk
``[start_s, end_s]``, decided at ``end_s``) compare the mean colour of the frame at ``end_s`` with the
frame ``window_s`` seconds earlier (clamped to the chunk start); if they differ by more than
``threshold`` (mean absolute difference of the RGB means, 0-255 scale), announce the next step
(``"$interrupt$Next step."``), else stay silent (``"$silent$"``). The first chunk of a challenge
session always interrupts, since ``answers[0]`` always answers the user's query (spec §1.2).

In the sample release every step is drawn in its own colour and the gold interrupts fall about one
second after each step change, so the rule finds most of them; on real video it is a scene-cut
detector and nothing more. A decision whose video is absent stays silent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from proceval.benchmarks.pro2bench.reader import INTERRUPT_TAG, SILENT_TAG
from proceval.registry import BaselineContext

WINDOW_S = 1.5
THRESHOLD = 12.0
NEXT_STEP = f"{INTERRUPT_TAG}Next step."


def _video_path(video: Any) -> str | None:
    if isinstance(video, Mapping) and video.get("path"):
        return str(video["path"])
    return None


def colour_changes(
    path: str, chunks: Sequence[tuple[float, float]], *, window_s: float = WINDOW_S
) -> list[float]:
    """Per chunk, the mean absolute difference of the frames' mean RGB at ``end_s`` and ``end_s - window_s``."""
    from proceval.video.backends import open_reader

    reader = open_reader(path)
    try:
        fps, n = reader.fps, reader.num_frames
        times = [(max(start, end - window_s), end) for start, end in chunks]
        idx = np.clip(
            np.round(np.array(times, dtype=np.float64).reshape(-1) * fps).astype(np.int64), 0, n - 1
        )
        if not len(idx):
            return []
        frames = reader.get_frames_at(idx).frames.numpy().astype(np.float64)  # [2k, C, H, W]
    finally:
        reader.close()
    means = frames.mean(axis=(2, 3)).reshape(len(chunks), 2, -1)
    return np.abs(means[:, 1] - means[:, 0]).mean(axis=1).tolist()


def _answers(path: str | None, chunks: Sequence[tuple[float, float]], threshold: float) -> list[str]:
    if path is None:
        return [SILENT_TAG] * len(chunks)
    return [NEXT_STEP if d > threshold else SILENT_TAG for d in colour_changes(path, chunks)]


def _split(ctx: BaselineContext) -> str:
    from proceval.registry import get_benchmark

    return get_benchmark("pro2bench").get_config(ctx.config).eval_split


def _memo(ctx: BaselineContext, kind: str, threshold: float, make: Any) -> Any:
    """``make()`` once per config, kind and threshold in a demo run (its tasks share the predictions)."""
    key = ("pro2bench_baseline", ctx.config, kind, threshold)
    if key not in ctx.state:
        ctx.state[key] = make()
    return ctx.state[key]


def sessions(ctx: BaselineContext, threshold: float = THRESHOLD) -> dict[str, list[str]]:
    """``{video_path: answers}`` for a session-level config (the official submission's content).

    Computed once per config in a demo run: ``intervention``, ``pqs`` and ``guidance_judge`` score the same
    answers.
    """
    return _memo(ctx, "sessions", threshold, lambda: _sessions(ctx, threshold))


def _sessions(ctx: BaselineContext, threshold: float) -> dict[str, list[str]]:
    ds = ctx.load(_split(ctx))
    out = {}
    for row in ds.select_columns(["video_path", "video_intervals", "video"]):
        chunks = [(float(a), float(b)) for a, b in row["video_intervals"]]
        answers = _answers(_video_path(row["video"]), chunks, threshold)
        if answers:
            answers[0] = NEXT_STEP  # answers[0] always answers the query
        out[row["video_path"]] = answers
    return out


def decisions(ctx: BaselineContext, threshold: float = THRESHOLD) -> dict[str, str]:
    """``{decision_id: answer}`` for a decision-level config (videos opened once per session).

    Computed once per config in a demo run, like :func:`sessions`.
    """
    return _memo(ctx, "decisions", threshold, lambda: _decisions(ctx, threshold))


def _decisions(ctx: BaselineContext, threshold: float) -> dict[str, str]:
    ds = ctx.load(_split(ctx))
    t = ds.select_columns(["decision_id", "session_id", "start_s", "end_s", "video"]).to_dict()
    rows: dict[str, list[int]] = {}
    for i, sid in enumerate(t["session_id"]):
        rows.setdefault(sid, []).append(i)
    out: dict[str, str] = {}
    for idx in rows.values():
        chunks = [(float(t["start_s"][i]), float(t["end_s"][i])) for i in idx]
        answers = _answers(_video_path(t["video"][idx[0]]), chunks, threshold)
        out.update((t["decision_id"][i], a) for i, a in zip(idx, answers, strict=True))
    return out
