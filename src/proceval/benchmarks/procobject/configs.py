"""ProcObject-10K's dataset configs: ``all``, one per reasoning pattern, one per QA type (splits train/test).

Every config has one example per released QA record, keyed by ``str(id)``, with the release's fields and
types plus two derived columns:

| column | type | meaning |
| --- | --- | --- |
| ``id`` | int64 | question id (unique over train + test; predictions are keyed by it) |
| ``domain``, ``task`` | string | e.g. "Cooking & Food", "Make Tea" |
| ``source`` | string | CaptainCook4D, EgoPER, HoloAssist or COIN |
| ``qa_type`` | string | one of the five QA types |
| ``reasoning`` | string | "Needle-in-a-Haystack" or "Multi-hop Reasoning" |
| ``video_path`` | string | the source video, ``<corpus>/<rest>``, relative to a videos root |
| ``clip_start``, ``clip_end`` | float64 | the clip in the source video, seconds |
| ``question``, ``answer`` | string | open-ended question, reference answer |
| ``evidence`` | list of [float64, float64] | spans ``[start, end]`` in seconds **relative to clip_start** |
| ``clip_duration_s`` | float64 | ``clip_end - clip_start`` (rounded to the microsecond) |
| ``video_id`` | string | ``video_path`` without its extension (one per source video) |

With ``videos_dir``, ``video`` (lazily decoded source video, absolute path; None when absent) and
``video_status`` (``"ok"`` / ``"missing"``) are added (:mod:`proceval.benchmarks.procobject.media`).
Evidence spans that end after their clip are cut at the clip's end and counted (a
:class:`~proceval.benchmarks.procobject.formats.ProcObjectReleaseWarning` gives the count); every other
malformed record stops the build (:mod:`proceval.benchmarks.procobject.formats`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import datasets

from proceval.benchmarks.procobject.formats import ProcObjectReleaseWarning, QARecord, read_split
from proceval.benchmarks.procobject.media import source_video_candidates, video_id_of
from proceval.benchmarks.procobject.schema import (
    ALL_CONFIG,
    QA_TYPE_CONFIGS,
    REASONING_CONFIGS,
    SPLITS,
)
from proceval.datasets.spec import ConfigSpec, Example, register

BENCHMARK_NAME = "procobject"

FEATURES = datasets.Features(
    {
        "id": datasets.Value("int64"),
        "domain": datasets.Value("string"),
        "task": datasets.Value("string"),
        "source": datasets.Value("string"),
        "qa_type": datasets.Value("string"),
        "reasoning": datasets.Value("string"),
        "video_path": datasets.Value("string"),
        "clip_start": datasets.Value("float64"),
        "clip_end": datasets.Value("float64"),
        "question": datasets.Value("string"),
        "answer": datasets.Value("string"),
        "evidence": datasets.List(datasets.List(datasets.Value("float64"), length=2)),
        "clip_duration_s": datasets.Value("float64"),
        "video_id": datasets.Value("string"),
    }
)
"""The columns of every config (media columns excluded)."""


def record_example(rec: QARecord) -> Example:
    """One example (the columns of :data:`FEATURES`) from a parsed record."""
    return {
        "id": rec.id,
        "domain": rec.domain,
        "task": rec.task,
        "source": rec.source,
        "qa_type": rec.qa_type,
        "reasoning": rec.reasoning,
        "video_path": rec.video_path,
        "clip_start": rec.clip_start,
        "clip_end": rec.clip_end,
        "question": rec.question,
        "answer": rec.answer,
        "evidence": [[s, e] for s, e in rec.evidence],
        "clip_duration_s": rec.clip_duration_s,
        "video_id": video_id_of(rec.video_path),
    }


def _generator(keep: Callable[[QARecord], bool]) -> Callable[[Path, str], Iterator[tuple[str, Example]]]:
    def generate(data_dir: Path, split: str) -> Iterator[tuple[str, Example]]:
        release_file = read_split(data_dir, split)
        for message in release_file.warnings():
            warnings.warn(message, ProcObjectReleaseWarning, stacklevel=2)
        for rec in release_file.records:
            if keep(rec):
                yield str(rec.id), record_example(rec)

    return generate


def _field_is(field: str, value: str) -> Callable[[QARecord], bool]:
    return lambda rec: getattr(rec, field) == value


_EXTRA: dict[str, Any] = {"video_candidates": source_video_candidates, "missing_video": "status"}


def _spec(name: str, description: str, keep: Callable[[QARecord], bool], title: str) -> ConfigSpec:
    return ConfigSpec(
        benchmark=BENCHMARK_NAME,
        task=name,
        protocol="",
        description=description,
        features=FEATURES,
        generate=_generator(keep),
        media="clip",
        splits=SPLITS,
        extra={**_EXTRA, "title": title},
    )


CONFIGS: tuple[ConfigSpec, ...] = (
    _spec(
        ALL_CONFIG,
        "Every QA pair of the split (both reasoning patterns, all five QA types).",
        lambda rec: True,
        "all QA pairs",
    ),
    *(
        _spec(
            name,
            f"The QA pairs whose temporal search pattern (`reasoning`) is {value!r}.",
            _field_is("reasoning", value),
            value,
        )
        for name, value in REASONING_CONFIGS.items()
    ),
    *(
        _spec(
            name,
            f"The QA pairs of QA type (`qa_type`) {value!r}, both reasoning patterns.",
            _field_is("qa_type", value),
            value,
        )
        for name, value in QA_TYPE_CONFIGS.items()
    ),
)

for _config in CONFIGS:
    register(_config)
