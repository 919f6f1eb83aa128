"""Per-trial label timelines of the sample IMPACT release (no file I/O here).

A :class:`TrialPlan` holds one trial's ground truth on the **exo frame axis** (30 fps; the four exo
views are synchronized, so they share it). The ego view (25 fps) has its own frame count; its
segments are the exo segments with boundaries rescaled by ``ego_frames / exo_frames``. Every label
file of the sample (TAS / PPR txt, CV / AF-S / ASR JSON, PSR CSV, ATR JSONL) and every video frame is
derived from these plans, which keeps the release internally consistent.

Frame conventions inside this module: ``start`` inclusive, ``end`` exclusive; writers convert to the
official inclusive ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from proceval.benchmarks.impact.sample import vocab

EXO_FPS = 30
EGO_FPS = 25
HANDS: tuple[str, ...] = ("left", "right")
EGO_LENGTH_QUIRK_FRAMES = 4  # the real release has one ego video whose CAS file is 4 frames longer


@dataclass(frozen=True)
class Span:
    """A labelled run of frames ``[start, end)`` (exclusive end)."""

    label: int
    start: int
    end: int


@dataclass(frozen=True)
class HandSpan:
    """A fine-action segment of one hand: action id, PPR phase, 6-way anomaly multi-hot, ``[start, end)``."""

    action: int
    phase: str  # "normal" | "anomaly" | "recovery"
    anomaly: tuple[int, ...]
    start: int
    end: int


@dataclass
class TrialPlan:
    """Ground truth of one trial (all five views).

    Attributes:
        index: position of the trial in the sample (0-based); some quirks are pinned to an index.
        trial: trial id ``YYYYMMDD_HHMM``.
        subject: subject folder name ``subjectNN``.
        configuration: ``"A"`` or ``"B"`` (drives the cross-configuration split S3).
        workflow: ``"assemble"`` or ``"disassemble"``.
        exo_frames: frames of every exo view (30 fps).
        ego_frames: frames of the ego FAS / PPR / AF-S files (25 fps).
        ego_cas_extra: extra frames of the ego CAS / CV files (4 for the length-quirk trial, else 0).
        cas: coarse steps on the exo axis.
        hands: fine actions per hand on the exo axis.
        asr_states: ``(frame, state_vector)`` at frame 0 and at every change (front view, exo axis).
        ego_view_field: the ``view`` value of the AF-S ego file (``"Top"`` reproduces the official mislabel).
    """

    index: int
    trial: str
    subject: str
    configuration: str
    workflow: str
    exo_frames: int
    ego_frames: int
    ego_cas_extra: int
    cas: list[Span]
    hands: dict[str, list[HandSpan]]
    asr_states: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)
    ego_view_field: str = "Ego"

    # ---- view axis helpers -------------------------------------------------------------------------
    def view_frames(self, view: str, *, cas: bool = False) -> int:
        """Frame count of ``view``'s label files (``cas=True``: the CAS / CV length, which may be longer)."""
        if view != "ego":
            return self.exo_frames
        return self.ego_frames + (self.ego_cas_extra if cas else 0)

    def _map(self, frame: int, view: str) -> int:
        if view != "ego" or frame == self.exo_frames:
            return self.ego_frames if view == "ego" else frame
        return round(frame * self.ego_frames / self.exo_frames)

    def cas_spans(self, view: str) -> list[Span]:
        """Coarse spans in ``view``'s frames; for the ego length quirk the last span is extended."""
        out = [Span(s.label, self._map(s.start, view), self._map(s.end, view)) for s in self.cas]
        if view == "ego" and self.ego_cas_extra:
            last = out[-1]
            out[-1] = Span(last.label, last.start, last.end + self.ego_cas_extra)
        return out

    def hand_spans(self, view: str, hand: str) -> list[HandSpan]:
        """Fine-action spans of ``hand`` in ``view``'s frames."""
        return [
            HandSpan(h.action, h.phase, h.anomaly, self._map(h.start, view), self._map(h.end, view))
            for h in self.hands[hand]
        ]

    def cas_labels(self, view: str) -> np.ndarray:
        """Per-frame coarse ids of ``view`` (length ``view_frames(view, cas=True)``)."""
        return _expand(
            [(s.label, s.start, s.end) for s in self.cas_spans(view)], self.view_frames(view, cas=True)
        )

    def fas_labels(self, view: str, hand: str) -> np.ndarray:
        """Per-frame fine-action ids of ``hand`` in ``view``."""
        return _expand(
            [(h.action, h.start, h.end) for h in self.hand_spans(view, hand)], self.view_frames(view)
        )

    def ppr_labels(self, view: str, hand: str) -> np.ndarray:
        """Per-frame phase ids (0 normal, 1 anomaly, 2 recovery) of ``hand`` in ``view``."""
        ids = {"normal": 0, "anomaly": 1, "recovery": 2}
        spans = [(ids[h.phase], h.start, h.end) for h in self.hand_spans(view, hand)]
        return _expand(spans, self.view_frames(view))

    def asr_dense(self) -> np.ndarray:
        """Dense front-view component states, shape ``[17, exo_frames]``, values in {-1, 0, 1}."""
        out = np.zeros((len(vocab.COMPONENTS), self.exo_frames), dtype=np.int64)
        frames = [f for f, _ in self.asr_states] + [self.exo_frames]
        for (f0, state), f1 in zip(self.asr_states, frames[1:], strict=False):
            out[:, f0:f1] = np.asarray(state)[:, None]
        return out


def _expand(spans: list[tuple[int, int, int]], n_frames: int) -> np.ndarray:
    out = np.full(n_frames, -1, dtype=np.int64)
    for label, start, end in spans:
        out[start:end] = label
    if (out < 0).any():  # pragma: no cover - planner invariant
        raise RuntimeError("sample plan left frames without a label")
    return out


# ---- planning -----------------------------------------------------------------------------------------

SUBJECTS: tuple[str, ...] = ("subject03", "subject05", "subject08", "subject09", "subject12", "subject18")


def _subject(index: int) -> str:
    """Subjects own two consecutive trials each."""
    k = index // 2
    return SUBJECTS[k] if k < len(SUBJECTS) else f"subject{20 + k}"


def trial_id(index: int) -> str:
    """Fixed trial ids: three trials per day from 2026-03-02, ten minutes apart."""
    day = 2 + index // 3
    minute = 9 * 60 + 10 * (index % 3) + 7 * (index // 3)
    return f"202603{day:02d}_{minute // 60:02d}{minute % 60:02d}"


def plan_trials(n_trials: int, seed: int) -> list[TrialPlan]:
    """Plan ``n_trials`` trials deterministically from ``seed``.

    Subjects own two consecutive trials each; configurations alternate (even index A, odd B);
    workflows follow the pattern d, a, a, d, d, a, ... so both workflows occur in both configurations.
    """
    if n_trials < 6:
        raise ValueError(
            f"Expected argument `n_trials` to be at least 6 (every split needs a trial), but got {n_trials}."
        )
    plans = []
    for i in range(n_trials):
        rng = np.random.default_rng([seed, 7919, i])
        workflow = ("disassemble", "assemble")[(i // 2 + i) % 2]
        plan = _plan_one(i, rng, workflow)
        plans.append(plan)
    return plans


def _split_lengths(total: int, weights: np.ndarray, min_len: int) -> list[int]:
    w = np.asarray(weights, dtype=float)
    spare = total - min_len * len(w)
    if spare < 0:  # pragma: no cover - planner invariant
        raise RuntimeError("sample plan too short for its segments")
    cuts = np.floor(np.cumsum(w) / w.sum() * spare + 1e-9).astype(int)
    extra = np.diff(np.concatenate([[0], cuts]))
    extra[-1] += spare - extra.sum()
    return [int(min_len + e) for e in extra]


def _plan_one(index: int, rng: np.random.Generator, workflow: str) -> TrialPlan:
    steps = list(vocab.WORKFLOW_STEPS[workflow])
    seq: list[int] = []
    for k, step in enumerate(steps):
        seq.append(step)
        if k < len(steps) - 1 and rng.random() < 0.5:
            seq.append(0)
    if rng.random() < 0.5:
        seq.append(0)
    weights = np.array([rng.uniform(0.25, 0.5) if s == 0 else rng.uniform(1.0, 2.0) for s in seq])
    exo_frames = int(rng.integers(13 * EXO_FPS, 17 * EXO_FPS))
    lengths = _split_lengths(exo_frames, weights, 24)
    cas, pos = [], 0
    for label, n in zip(seq, lengths, strict=False):
        cas.append(Span(label, pos, pos + n))
        pos += n
    ego_frames = round(exo_frames * EGO_FPS / EXO_FPS) + int(rng.integers(-3, 4))
    hands = {hand: _plan_hand(cas, h, rng) for h, hand in enumerate(HANDS)}
    _inject_anomalies(index, hands, rng)
    plan = TrialPlan(
        index=index,
        trial=trial_id(index),
        subject=_subject(index),
        configuration="AB"[index % 2],
        workflow=workflow,
        exo_frames=exo_frames,
        ego_frames=ego_frames,
        ego_cas_extra=EGO_LENGTH_QUIRK_FRAMES if index == 1 else 0,
        cas=cas,
        hands=hands,
        ego_view_field="Top" if index == 2 else "Ego",
    )
    plan.asr_states = _plan_asr(plan, rng)
    return plan


def _plan_hand(cas: list[Span], hand: int, rng: np.random.Generator) -> list[HandSpan]:
    raw: list[tuple[int, int, int]] = []
    for span in cas:
        cands = vocab.HAND_ACTIONS[vocab.CAS_STEPS[span.label]][hand]
        n = span.end - span.start
        k = 1 if n < 40 else min(len(cands), 1 + int(rng.integers(0, 2)) + (1 if n > 90 else 0))
        chosen = cands[:k]
        for name, m in zip(chosen, _split_lengths(n, rng.uniform(0.7, 1.3, size=k), 12), strict=False):
            start = raw[-1][2] if raw else 0
            raw.append((vocab.fas_id(name), start, start + m))
    merged: list[list[int]] = []
    for action, start, end in raw:
        if merged and merged[-1][0] == action:
            merged[-1][2] = end
        else:
            merged.append([action, start, end])
    return [HandSpan(a, "normal", (0,) * len(vocab.ANOMALY_TYPES), s, e) for a, s, e in merged]


def _inject_anomalies(index: int, hands: dict[str, list[HandSpan]], rng: np.random.Generator) -> None:
    """One anomaly event per hand (a run of 1 or 2 segments) followed by a recovery segment.

    Pinned quirks: trial 0's right-hand anomaly has an all-zero type vector (the release has a few; ATR
    keeps the record and the evaluator skips it); trial 2's left-hand anomaly spans two segments (ATR
    merges them into one record with ``source_segment_count`` 2).
    """
    n_types = len(vocab.ANOMALY_TYPES)
    for h, hand in enumerate(HANDS):
        segs = hands[hand]
        run = 2 if (index == 2 and hand == "left") else 1
        eligible = [
            i
            for i in range(1, len(segs) - run)
            if all(segs[j].action != 0 and segs[j].end - segs[j].start >= 12 for j in range(i, i + run))
        ]
        if not eligible:
            continue
        first = eligible[int(rng.integers(0, len(eligible)))]
        types = [0] * n_types
        if not (index == 0 and hand == "right"):
            types[(2 * index + h) % n_types] = 1
            if rng.random() < 0.3:
                types[(2 * index + h + 3) % n_types] = 1
        for j in range(first, first + run):
            s = segs[j]
            segs[j] = HandSpan(s.action, "anomaly", tuple(types), s.start, s.end)
        rec = first + run
        s = segs[rec]
        segs[rec] = HandSpan(s.action, "recovery", (0,) * n_types, s.start, s.end)


def _plan_asr(plan: TrialPlan, rng: np.random.Generator) -> list[tuple[int, tuple[int, ...]]]:
    """Component states on the front view: 1->-1->0 (disassembly) or 0->-1->1 (assembly) per component."""
    comps = vocab.COMPONENTS
    initial, final = (1, 0) if plan.workflow == "disassemble" else (0, 1)
    changes: dict[int, dict[int, int]] = {}
    for span in plan.cas:
        group = vocab.STEP_COMPONENTS.get(vocab.CAS_STEPS[span.label], ())
        if not group:
            continue
        n = span.end - span.start
        mids = sorted({span.start + int(n * f) for f in rng.uniform(0.1, 0.45, size=2)})
        ends = sorted({span.start + int(n * f) for f in rng.uniform(0.55, 0.95, size=2)})
        for name in group:
            c = comps.index(name)
            end = ends[int(rng.integers(0, len(ends)))]
            if name not in vocab.DIRECT_COMPONENTS:
                changes.setdefault(mids[int(rng.integers(0, len(mids)))], {})[c] = -1
            changes.setdefault(end, {})[c] = final
    state = [initial] * len(comps)
    out = [(0, tuple(state))]
    for frame in sorted(changes):
        for c, value in changes[frame].items():
            state[c] = value
        out.append((frame, tuple(state)))
    return out
