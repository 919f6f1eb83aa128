"""IMPACT PSR config ``psr_s1``: procedure step recognition, front view.

Sources (split 1, the only one released): the per-video folders
``PSR/labels_front_only_v1/{train,val,test}/<video_id>/`` and, for the same videos, the ASR files
``ASR/annotations/<trial>_color_front_clipped_asr.json``. The split membership given by the
folders must equal ``ASR/splits_front_only_v1/*.split1.bundle`` (checked; a difference stops the
build). Examples come in bundle order.

Two event definitions are provided, because IMPACT's PSR evaluators use both (spec §7):

* ``completion_events`` (``PSR_labels.csv``) and ``completion_events_with_errors``
  (``PSR_labels_with_errors.csv``): the released IndustReal-style step events
  ``{frame, step_id, description}``, step ids into ``procedure_info_IMPACT.json`` (51 steps; for
  component k: ``3k`` install, ``3k+1`` incorrect install, ``3k+2`` remove). These were produced
  with -1 mapped to 0 before diffing, so "Remove X" fires at the 1→-1 frame. The Gemini PSR
  wrapper scores these.
* ``graph_events``: the events IMPACT's ms_tcn2 / videomae PSR pipelines derive from the dense
  ASR states (``transition_to_event``: 0→1 ``install_ok``, -1→1 ``recover_ok``, 1→0 ``remove_ok``;
  0→-1, -1→0 and 1→-1 give none), labelled ``<alias(component)>__<type>`` with the ms_tcn2
  ``component_alias.json``; same-frame events in component order. ``in_graph`` says whether the
  label is a node of the released PSR prerequisite graph (the pipelines keep only graph nodes;
  ms_tcn2 re-learns its graph per split, so no filter is applied here).

``raw_state_frames`` / ``raw_states`` are the rows of ``PSR_labels_raw.csv`` (states at change
frames). Frames are 0-based at 30 fps. The step list and the prerequisite graph are config-level
metadata: :func:`procedure_info` and :func:`proceval.benchmarks.impact.formats.procedure_graph.load_procedure_graph`
(``which="psr"``, the copy the PSR evaluators read; the ASR copy differs slightly).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import datasets

from proceval.benchmarks.impact.columns import TRIAL_FEATURES, VIDEO_FEATURES
from proceval.benchmarks.impact.configs.asr import (
    asr_annotation_for,
    check_component_names,
    reference_component_names,
    split_video_ids,
)
from proceval.benchmarks.impact.formats.asr import NUM_COMPONENTS
from proceval.benchmarks.impact.formats.procedure_graph import (
    load_component_alias,
    load_procedure_graph,
    state_graph_events,
)
from proceval.benchmarks.impact.formats.psr import (
    PSR_LABELS,
    PSR_LABELS_RAW,
    PSR_LABELS_WITH_ERRORS,
    ProcedureStep,
    PsrEvent,
    psr_video_dirs,
    read_procedure_info,
    read_psr_events,
    read_psr_raw_states,
)
from proceval.benchmarks.impact.metadata import (
    release_relpath,
    trial_fields,
    video_fields,
)
from proceval.datasets.spec import ConfigSpec, Example, register
from proceval.errors import ReleaseFormatError

LABELS_DIR = "PSR/labels_front_only_v1"
PROCEDURE_INFO = "PSR/labels_front_only_v1/procedure_info_IMPACT.json"


def procedure_info(dataset_dir: Path) -> list[ProcedureStep]:
    """The 51 steps of ``procedure_info_IMPACT.json`` (index = step id)."""
    return read_procedure_info(Path(dataset_dir) / PROCEDURE_INFO)


def _events(events: Sequence[PsrEvent]) -> list[dict[str, Any]]:
    return [{"frame": e.frame, "step_id": e.step_id, "description": e.description} for e in events]


def _check_membership(
    dataset_dir: Path, split: str, bundle_ids: list[tuple[Path, int, str]]
) -> dict[str, Path]:
    folders = {d.name: d for d in psr_video_dirs(dataset_dir / LABELS_DIR, split)}
    in_bundle = {vid for _, _, vid in bundle_ids}
    for bpath, lineno, vid in bundle_ids:
        if vid not in folders:
            raise ReleaseFormatError(
                bpath, f"video id {vid!r} has no PSR label folder in {LABELS_DIR}/{split}", lineno
            )
    extra = sorted(set(folders) - in_bundle)
    if extra:
        raise ReleaseFormatError(
            folders[extra[0]],
            f"PSR folder is not in the ASR bundle {bundle_ids[0][0].name if bundle_ids else ''}",
        )
    return folders


def _generate(dataset_dir: Path, split: str) -> Iterator[tuple[str, Example]]:
    dataset_dir = Path(dataset_dir)
    steps = procedure_info(dataset_dir)
    reference = reference_component_names(dataset_dir)
    alias = load_component_alias(dataset_dir, "ms_tcn2")
    nodes = set(load_procedure_graph(dataset_dir, "psr").nodes)
    bundle_ids = split_video_ids(dataset_dir, split)
    folders = _check_membership(dataset_dir, split, bundle_ids)
    for bpath, lineno, vid in bundle_ids:
        folder = folders[vid]
        ann = asr_annotation_for(dataset_dir, bpath, lineno, vid)
        check_component_names(ann, reference, alias, dataset_dir)
        raw_frames, raw_states = read_psr_raw_states(folder / PSR_LABELS_RAW)
        graph = state_graph_events(ann.state_frames, ann.states, ann.component_names, alias)
        fields = video_fields(vid)
        fields["fps"] = ann.fps
        example: dict[str, Any] = {
            **fields,
            **trial_fields(dataset_dir, fields["trial_id"]),
            "num_frames": ann.frame_count,
            "completion_events": _events(read_psr_events(folder / PSR_LABELS, steps)),
            "completion_events_with_errors": _events(read_psr_events(folder / PSR_LABELS_WITH_ERRORS, steps)),
            "raw_state_frames": raw_frames.tolist(),
            "raw_states": raw_states.tolist(),
            "graph_events": [{"frame": f, "label": lab, "in_graph": lab in nodes} for f, lab in graph],
            "annotation_file": release_relpath(dataset_dir, folder),
        }
        example["workflow"] = ann.workflow
        yield vid, example


def _features(step: Any) -> datasets.Features:
    event = {"frame": datasets.Value("int64"), "step_id": step, "description": datasets.Value("string")}
    return datasets.Features(
        {
            **VIDEO_FEATURES,
            **TRIAL_FEATURES,
            "num_frames": datasets.Value("int64"),
            "completion_events": datasets.List(event),
            "completion_events_with_errors": datasets.List(event),
            "raw_state_frames": datasets.List(datasets.Value("int64")),
            "raw_states": datasets.List(datasets.List(datasets.Value("int8"), length=NUM_COMPONENTS)),
            "graph_events": datasets.List(
                {
                    "frame": datasets.Value("int64"),
                    "label": datasets.Value("string"),
                    "in_graph": datasets.Value("bool"),
                }
            ),
            "annotation_file": datasets.Value("string"),
        }
    )


def features_from_release(dataset_dir: Path) -> datasets.Features:
    """Features with ``step_id`` typed as ``ClassLabel`` named by the 51 step descriptions."""
    return _features(datasets.ClassLabel(names=[s.description for s in procedure_info(Path(dataset_dir))]))


DESCRIPTION = (
    "PSR (procedure step recognition), split protocol S1, front view only: one example per video "
    "of `ASR/splits_front_only_v1/{train,val,test}.split1.bundle` (the same videos as the folders "
    "`PSR/labels_front_only_v1/{train,val,test}/`; checked). Two event definitions, as IMPACT's "
    "evaluators use both: `completion_events` / `completion_events_with_errors` are the released "
    "`PSR_labels.csv` / `PSR_labels_with_errors.csv` rows {frame, step_id, description} (51 steps of "
    "`procedure_info_IMPACT.json`; produced with -1 mapped to 0, so 'Remove X' fires at 1→-1); "
    "`graph_events` are derived from the dense ASR states as IMPACT's ms_tcn2 pipeline does "
    "(0→1 install_ok, -1→1 recover_ok, 1→0 remove_ok; other transitions give none; component names "
    "through the ms_tcn2 `component_alias.json`), with `in_graph` marking nodes of the released PSR "
    "prerequisite graph. `raw_state_frames` / `raw_states` are `PSR_labels_raw.csv`. Frames are "
    "0-based at 30 fps. The prerequisite graph (`task_configs/PSR/gemini_3_1_pro/configs/"
    "procedure_graph.json`; the ASR copy differs slightly) is config-level metadata: "
    "`proceval.benchmarks.impact.formats.procedure_graph.load_procedure_graph(release_dir, which='psr')`."
)

register(
    ConfigSpec(
        benchmark="impact",
        task="psr",
        protocol="s1",
        description=DESCRIPTION,
        features=_features(datasets.Value("int64")),
        generate=_generate,
        media="video",
        splits=("train", "validation", "test"),
        extra={
            "features_fn": features_from_release,
            "title": "PSR (procedure step recognition)",
            "family": "state",
            "splits_dir": "ASR/splits_front_only_v1",
            "procedure_graph_fn": load_procedure_graph,
            "procedure_info_fn": procedure_info,
            "component_alias_fn": load_component_alias,
        },
    )
)
