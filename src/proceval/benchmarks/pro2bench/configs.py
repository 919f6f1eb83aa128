"""Pro2Bench / EgoProactive config declarations (:class:`~proceval.datasets.spec.ConfigSpec`), registered on import.

* ``egoproactive``: the challenge file read as it is, one row per session (split ``validation``: the
  challenge's ``val`` file).
* ``egoproactive_decisions``: one row per decision interval of that file (split ``validation``).
* ``pro2bench_<source>`` for each of :data:`~proceval.benchmarks.pro2bench.release.SOURCES`: proceval's
  Pro2Bench schema (:mod:`proceval.benchmarks.pro2bench.instances`), one row per decision point, splits
  ``train`` and ``test`` (``test`` only for the sources without a training set).

Videos: pass the release folder (or, for the challenge configs, the ``egoproactive/val/`` folder) as the
videos folder; a session whose video is absent loads with ``video = None`` and ``video_status =
"missing"``. :func:`proceval.benchmarks.pro2bench.media.with_decision_clips` decodes each decision's
window only.
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from proceval.benchmarks.pro2bench.instances import Instance, from_challenge, read_instances
from proceval.benchmarks.pro2bench.reader import (
    LABELS,
    ChallengeFile,
    plain_turns,
    read_challenge_file,
    session_warnings,
)
from proceval.benchmarks.pro2bench.release import (
    EGOPROACTIVE_DIR,
    EVAL_ONLY_SOURCES,
    INSTANCES_FILE,
    JSONL_PATTERN,
    PRO2BENCH_DIR,
    SOURCES,
    VIDEO_DIR,
    egoproactive_file,
    instances_file,
    warn_quirk,
)
from proceval.datasets.spec import ConfigSpec, Example, register
from proceval.errors import ReleaseFormatError

if TYPE_CHECKING:
    import datasets

BENCHMARK = "pro2bench"
CHALLENGE_SPLIT = "validation"
"""The split name of the challenge's ``val`` file (``datasets``' standard name, so the Hub card lists it)."""


@functools.cache
def session_features() -> datasets.Features:
    """The features of an ``egoproactive`` row (built on first use: declaring configs imports no ``datasets``)."""
    import datasets

    s, f = datasets.Value("string"), datasets.Value("float64")
    return datasets.Features(
        {
            "video_id": s,
            "video_path": s,
            "duration_in_sec": f,
            "video_intervals": datasets.List(datasets.List(f)),
            "query": s,
            "domain": s,
            "task": s,
            "answers": datasets.List(s),
            "dialog": datasets.List(datasets.List({"role": s, "text": s})),
            "release_warnings": datasets.List(s),
        }
    )


@functools.cache
def decision_features() -> datasets.Features:
    """The features of an ``egoproactive_decisions`` row (``label``: a ClassLabel of the two decisions)."""
    import datasets

    s, f = datasets.Value("string"), datasets.Value("float64")
    return datasets.Features(
        {
            "decision_id": s,
            "session_id": s,
            "video_id": s,
            "video_path": s,
            "interval_index": datasets.Value("int32"),
            "start_s": f,
            "end_s": f,
            "duration_s": f,
            "label": datasets.ClassLabel(names=list(LABELS)),
            "answer": s,
            "utterance": s,
            "query": s,
            "domain": s,
            "task": s,
            "dialog": datasets.List({"role": s, "text": s}),
            "release_warnings": datasets.List(s),
        }
    )


@functools.cache
def pro2bench_features() -> datasets.Features:
    """The features of a ``pro2bench_<source>`` row (proceval's schema, :mod:`~proceval.benchmarks.pro2bench.instances`)."""
    import datasets

    s, f = datasets.Value("string"), datasets.Value("float64")
    return datasets.Features(
        {
            "decision_id": s,
            "session_id": s,
            "video_id": s,
            "video_path": s,
            "source": s,
            "interval_index": datasets.Value("int32"),
            "start_s": f,
            "end_s": f,
            "label": datasets.ClassLabel(names=list(LABELS)),
            "answer": s,
            "utterance": s,
            "goal": s,
            "domain": s,
            "task": s,
            "dialog": datasets.List({"role": s, "text": s}),
            "plan": datasets.List({"step": s, "status": s}),
            "step_complete_cues": datasets.List(s),
            "step_incomplete_cues": datasets.List(s),
            "oop": datasets.Value("bool"),
            "deviation_type": s,
            "deviation_onset_s": f,
            "recovery_utterance": s,
            "release_warnings": datasets.List(s),
        }
    )


# --------------------------------------------------------------------------- media locations
def challenge_video_candidates(videos_dir: Path, example: Example) -> tuple[Path, ...]:
    """Where a challenge row's video may be: ``<dir>/egoproactive/val/<video_path>`` or ``<dir>/<video_path>``.

    The first form takes the release folder as the videos folder, the second the ``val/`` folder itself.
    """
    rel = posixpath.normpath(example["video_path"])  # checked by the reader: stays inside its folder
    in_release, flat = videos_dir / EGOPROACTIVE_DIR / VIDEO_DIR / rel, videos_dir / rel
    # the likelier layout first: it is the one a missing-video message names
    return (in_release, flat) if (videos_dir / EGOPROACTIVE_DIR).is_dir() else (flat, in_release)


def instance_video_candidates(videos_dir: Path, example: Example) -> tuple[Path, ...]:
    """Where a Pro2Bench row's video may be: ``<dir>/<video_path>`` (release folder) or ``<dir>/<file name>``."""
    rel = posixpath.normpath(example["video_path"])
    return (videos_dir / rel, videos_dir / posixpath.basename(rel))


# --------------------------------------------------------------------------- generators
def _challenge(release: Path) -> ChallengeFile:
    challenge = read_challenge_file(egoproactive_file(release))
    for note in challenge.warnings:
        warn_quirk(f"{challenge.path}: {note}")
    for session in challenge.sessions:
        for note in session_warnings(session, challenge.path):
            warn_quirk(note)
    return challenge


def generate_sessions(release: Path, split: str) -> Iterator[tuple[str, Example]]:
    """One example per challenge row, keyed by its video id (file order)."""
    for s in _challenge(release).sessions:
        yield (
            s.video_id,
            {
                "video_id": s.video_id,
                "video_path": s.video_path,
                "duration_in_sec": s.duration_s,
                "video_intervals": [[a, b] for a, b in s.intervals],
                "query": s.query,
                "domain": s.domain,
                "task": s.task,
                "answers": list(s.answers),
                "dialog": list(map(list, s.dialog)),  # the turn dicts are shared: nothing changes them
                "release_warnings": list(s.warnings),
            },
        )


def generate_decisions(release: Path, split: str) -> Iterator[tuple[str, Example]]:
    """One example per decision interval, keyed ``<video_id>/<interval index>`` (file order)."""
    for s in _challenge(release).sessions:
        for d in s.decisions():
            key = f"{s.video_id}/{d.index}"
            yield (
                key,
                {
                    "decision_id": key,
                    "session_id": s.video_id,
                    "video_id": s.video_id,
                    "video_path": s.video_path,
                    "interval_index": d.index,
                    "start_s": d.start_s,
                    "end_s": d.end_s,
                    "duration_s": s.duration_s,
                    "label": LABELS.index(d.label),
                    "answer": d.answer,
                    "utterance": d.utterance,
                    "query": s.query,
                    "domain": s.domain,
                    "task": s.task,
                    "dialog": plain_turns(d.dialog),
                    "release_warnings": list(s.warnings),
                },
            )


def source_splits(source: str) -> tuple[str, ...]:
    """The splits of ``pro2bench_<source>``: ``("test",)`` for eval-only sources, else ``("train", "test")``."""
    return ("test",) if source in EVAL_ONLY_SOURCES else ("train", "test")


def load_instances(release: Path, source: str) -> tuple[Instance, ...]:
    """The instances of ``source``: its ``instances.jsonl``, or (``egoproactive`` only) the challenge file's.

    Raises:
        ReleaseFormatError: the source has no instance file (and, for ``egoproactive``, no challenge file),
            or a row is malformed or in a split the source does not have.
    """
    path = instances_file(release, source)
    if path.is_file():
        rows = read_instances(path, source)
    elif source == "egoproactive" and (Path(release) / EGOPROACTIVE_DIR).is_dir():
        rows = from_challenge(_challenge(release), source)
    else:
        raise ReleaseFormatError(
            path,
            f"no {PRO2BENCH_DIR}/{source}/{INSTANCES_FILE}: the Pro2Bench schema is proceval's own (the paper's "
            "files are unpublished), so this config loads only from files written in it; build the "
            "challenge configs alone with --configs egoproactive,egoproactive_decisions,pro2bench_egoproactive",
        )
    allowed = source_splits(source)
    for inst in rows:
        if inst.split not in allowed:
            raise ReleaseFormatError(
                inst.path,
                f"row {inst.session_id!r}: expected `split` to be one of {allowed} for source {source!r}, "
                f"but got {inst.split!r}",
                inst.line or None,
            )
    return rows


def instance_example(inst: Instance) -> Example:
    """The example of one instance (:func:`pro2bench_features` columns)."""
    return {
        "decision_id": inst.decision_id,
        "session_id": inst.session_id,
        "video_id": inst.session_id,
        "video_path": inst.video_path,
        "source": inst.source,
        "interval_index": inst.interval_index,
        "start_s": inst.start_s,
        "end_s": inst.end_s,
        "label": LABELS.index(inst.label),
        "answer": inst.answer,
        "utterance": inst.utterance,
        "goal": inst.goal,
        "domain": inst.domain,
        "task": inst.task,
        "dialog": plain_turns(inst.dialog),
        "plan": [dict(step) for step in inst.plan],
        "step_complete_cues": list(inst.step_complete_cues),
        "step_incomplete_cues": list(inst.step_incomplete_cues),
        "oop": inst.oop,
        "deviation_type": inst.deviation_type,
        "deviation_onset_s": inst.deviation_onset_s,
        "recovery_utterance": inst.recovery_utterance,
        "release_warnings": list(inst.release_warnings),
    }


def instance_generator(source: str) -> Callable[[Path, str], Iterator[tuple[str, Example]]]:
    """The ``generate`` of ``pro2bench_<source>``: its instances of one split, keyed by ``decision_id``.

    Raises:
        ReleaseFormatError: (when iterated) see :func:`load_instances`; also a split with no rows (an empty
            split cannot be exported as a loadable Parquet file).
    """

    def generate(release: Path, split: str) -> Iterator[tuple[str, Example]]:
        rows = [inst for inst in load_instances(release, source) if inst.split == split]
        if not rows:
            raise ReleaseFormatError(
                instances_file(release, source),
                f"expected rows with `split` {split!r} for source {source!r}, but got none",
            )
        for inst in rows:
            yield inst.decision_id, instance_example(inst)

    return generate


# --------------------------------------------------------------------------- declarations
_MEDIA_EXTRA: dict[str, Any] = {"missing_video": "status"}

SESSIONS = register(
    ConfigSpec(
        benchmark=BENCHMARK,
        task="egoproactive",
        protocol="",
        description=(
            "The EgoProactive challenge file read as it is: one row per session with the public fields "
            "(`video_path`, `duration_in_sec`, `video_intervals` in seconds, `query`, `domain`, `task`, "
            "`answers`, `dialog`), plus `video_id` and `release_warnings`."
        ),
        features=session_features,
        generate=generate_sessions,
        media="video",
        splits=(CHALLENGE_SPLIT,),
        extra={
            **_MEDIA_EXTRA,
            "title": "EgoProactive sessions",
            "video_candidates": challenge_video_candidates,
        },
    )
)

DECISIONS = register(
    ConfigSpec(
        benchmark=BENCHMARK,
        task="egoproactive_decisions",
        protocol="",
        description=(
            "One row per decision interval of the EgoProactive challenge file: the session, the interval's "
            "index, start and end in seconds, the gold label (interrupt / silent by the official tag rule), "
            "the gold answer and utterance, and the gold dialog before the interval. With videos, `video` "
            "is the session's video; `with_decision_clips` decodes the interval's frames only."
        ),
        features=decision_features,
        generate=generate_decisions,
        media="clip",
        splits=(CHALLENGE_SPLIT,),
        extra={
            **_MEDIA_EXTRA,
            "title": "EgoProactive decision points",
            "video_candidates": challenge_video_candidates,
        },
    )
)

PRO2BENCH_CONFIGS: tuple[ConfigSpec, ...] = tuple(
    register(
        ConfigSpec(
            benchmark=BENCHMARK,
            task=f"pro2bench_{source}",
            protocol="",
            description=(
                f"Pro2Bench decision points of the {source} source in proceval's own schema (the paper's "
                "files are unpublished): the decision window in seconds, gold label and utterance, goal, "
                "dialog, and the fields proceval adds (plan steps with status, step-complete and "
                "step-incomplete cues, OOP flag, deviation type and onset, recovery utterance), empty "
                "where a row lacks them."
                + (
                    " Without pro2bench/egoproactive/instances.jsonl the rows come from the challenge file."
                    if source == "egoproactive"
                    else ""
                )
            ),
            features=pro2bench_features,
            generate=instance_generator(source),
            media="clip",
            splits=source_splits(source),
            extra={
                **_MEDIA_EXTRA,
                "title": f"Pro2Bench decision points: {source}",
                "video_candidates": instance_video_candidates,
                "source": source,
            },
        )
    )
    for source in SOURCES
)


def available_configs(release: Path) -> list[str]:
    """The configs ``release`` has files for, in registration order.

    The challenge configs and ``pro2bench_egoproactive`` need the challenge JSONL; ``pro2bench_<source>``
    needs ``pro2bench/<source>/instances.jsonl`` (``pro2bench_egoproactive`` either).
    """
    root = Path(release)
    challenge = any((root / EGOPROACTIVE_DIR).glob(JSONL_PATTERN))
    names = ["egoproactive", "egoproactive_decisions"] if challenge else []
    for source in SOURCES:
        if instances_file(root, source).is_file() or (source == "egoproactive" and challenge):
            names.append(f"pro2bench_{source}")
    return names
