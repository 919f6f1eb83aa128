"""IMPACT ASR config ``asr_s1``: per-frame assembly state of 17 components, front view.

Source: ``ASR/annotations/{trial}_color_front_clipped_asr.json`` for the ids of the official
``ASR/splits_front_only_v1/{train,val,test}.split1.bundle`` (64 / 10 / 18 videos, LF endings).

Storage: the dense ground truth is a ``[17, T]`` array of states in {-1, 0, 1} (T ≈ 10k frames).
It is stored run-length encoded, exactly as released: ``state_frames`` (the first frame of each
run, 0-based, strictly increasing from 0) and ``states`` (one 17-vector per run); run ``i`` holds
on ``[state_frames[i], state_frames[i+1])`` and the last run up to ``num_frames`` (exclusive).
:func:`dense_states` rebuilds the ``int8 [17, num_frames]`` array from an example. Consecutive runs
with identical states (10 in the release) are kept as released; they change nothing densely.

Component names: ``component_names`` lists the 17 names of ``PSR/labels_front_only_v1/
component_names.json`` (index = component id). One ASR file (``20250408_1130``) names components
7-10 differently; its names map to the same canonical names through the ms_tcn2
``component_alias.json``, so the reference names are used and a warning is emitted. A name that is
not alias-equivalent stops the build.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import datasets
import numpy as np

from proceval.benchmarks.impact.columns import TRIAL_FEATURES, VIDEO_FEATURES
from proceval.benchmarks.impact.formats.asr import (
    NUM_COMPONENTS,
    AsrAnnotation,
    asr_file_path,
    dense_states_from_runs,
    read_asr_file,
)
from proceval.benchmarks.impact.formats.bundles import bundle_path, read_bundle_lines
from proceval.benchmarks.impact.formats.naming import parse_video_id
from proceval.benchmarks.impact.formats.procedure_graph import load_component_alias
from proceval.benchmarks.impact.formats.psr import read_component_names
from proceval.benchmarks.impact.metadata import (
    release_relpath,
    trial_fields,
    video_fields,
    warn_quirk,
)
from proceval.datasets.spec import ConfigSpec, Example, register
from proceval.errors import ReleaseFormatError
from proceval.io import cached_per_file_version

ANNOTATION_DIR = "ASR/annotations"
SPLITS_DIR = "ASR/splits_front_only_v1"
COMPONENT_NAMES = "PSR/labels_front_only_v1/component_names.json"
PROTOCOL = 1


@cached_per_file_version(maxsize=256)
def load_asr_file(path: Path) -> AsrAnnotation:
    """:func:`read_asr_file`, cached per file version (the PSR config reads the same files)."""
    return read_asr_file(path)


def reference_component_names(dataset_dir: Path) -> list[str]:
    """The 17 names of ``PSR/labels_front_only_v1/component_names.json``."""
    path = Path(dataset_dir) / COMPONENT_NAMES
    names = read_component_names(path)
    if len(names) != NUM_COMPONENTS:
        raise ReleaseFormatError(path, f"expected {NUM_COMPONENTS} component names, got {len(names)}")
    return names


def check_component_names(
    ann: AsrAnnotation, reference: Sequence[str], alias: Mapping[str, str], dataset_dir: Path
) -> None:
    """Compare a file's component names with the reference (warn on alias-equivalent, else raise)."""
    diffs = [(i, a, b) for i, (a, b) in enumerate(zip(ann.component_names, reference, strict=True)) if a != b]
    if not diffs:
        return
    bad = [(i, a, b) for i, a, b in diffs if alias.get(a, a) != alias.get(b, b)]
    if bad:
        i, a, b = bad[0]
        raise ReleaseFormatError(
            ann.path,
            f"`components[{i}]` is {a!r} but component_names.json says {b!r} (not aliases of each other)",
        )
    listed = ", ".join(f"{i}: {a!r}→{b!r}" for i, a, b in diffs)
    warn_quirk(
        f"{release_relpath(dataset_dir, ann.path)}: component names differ from component_names.json "
        f"({listed}); they are aliases (ms_tcn2 component_alias.json), used the reference names"
    )


def split_video_ids(dataset_dir: Path, split: str) -> list[tuple[Path, int, str]]:
    """``(bundle, line, canonical video id)`` of the ASR/PSR front-view bundle of ``split``."""
    bpath = bundle_path(Path(dataset_dir) / SPLITS_DIR, split, PROTOCOL)
    out = []
    for lineno, text in read_bundle_lines(bpath):
        try:
            name = parse_video_id(text)
        except ValueError:
            raise ReleaseFormatError(bpath, f"expected an IMPACT video id, got {text!r}", lineno) from None
        out.append((bpath, lineno, name.video_id))
    return out


def asr_annotation_for(dataset_dir: Path, bpath: Path, lineno: int, video_id: str) -> AsrAnnotation:
    """The ASR file of a bundle id; a missing file is an error naming the bundle line."""
    path = asr_file_path(Path(dataset_dir) / ANNOTATION_DIR, video_id)
    if not path.is_file():
        raise ReleaseFormatError(
            bpath, f"video id {video_id!r} has no ASR annotation (expected {path})", lineno
        )
    return load_asr_file(path)


def dense_states(example: Mapping[str, Any]) -> np.ndarray:
    """The per-frame states of an ``asr_s1`` (or ``psr_s1``) example: ``int8 [17, num_frames]``.

    Example:
        >>> ex = {"state_frames": [0, 2], "states": [[1] * 17, [0] * 17], "num_frames": 3}
        >>> dense_states(ex)[0].tolist()
        [1, 1, 0]
    """
    return dense_states_from_runs(example["state_frames"], example["states"], int(example["num_frames"]))


def _generate(dataset_dir: Path, split: str) -> Iterator[tuple[str, Example]]:
    dataset_dir = Path(dataset_dir)
    reference = reference_component_names(dataset_dir)
    alias = load_component_alias(dataset_dir, "ms_tcn2")
    for bpath, lineno, vid in split_video_ids(dataset_dir, split):
        ann = asr_annotation_for(dataset_dir, bpath, lineno, vid)
        check_component_names(ann, reference, alias, dataset_dir)
        fields = video_fields(vid)
        fields["fps"] = ann.fps
        example: dict[str, Any] = {
            **fields,
            **trial_fields(dataset_dir, fields["trial_id"]),
            "num_frames": ann.frame_count,
            "component_names": list(reference),
            "initial_state_vector": list(ann.initial_state_vector),
            "state_frames": ann.state_frames.tolist(),
            "states": ann.states.tolist(),
            "annotation_file": release_relpath(dataset_dir, ann.path),
        }
        example["workflow"] = ann.workflow
        yield vid, example


STATE_FEATURES: dict[str, Any] = {
    "num_frames": datasets.Value("int64"),
    "component_names": datasets.List(datasets.Value("string"), length=NUM_COMPONENTS),
    "initial_state_vector": datasets.List(datasets.Value("int8"), length=NUM_COMPONENTS),
    "state_frames": datasets.List(datasets.Value("int64")),
    "states": datasets.List(datasets.List(datasets.Value("int8"), length=NUM_COMPONENTS)),
}

FEATURES = datasets.Features(
    {**VIDEO_FEATURES, **TRIAL_FEATURES, **STATE_FEATURES, "annotation_file": datasets.Value("string")}
)

DESCRIPTION = (
    "ASR (assembly state recognition), split protocol S1, front view only: one example per video of "
    "`ASR/splits_front_only_v1/{train,val,test}.split1.bundle`, from "
    "`ASR/annotations/<trial>_color_front_clipped_asr.json`. The state of each of 17 components "
    "(`component_names`, from `PSR/labels_front_only_v1/component_names.json`) is -1 (in between), "
    "0 (not installed) or 1 (installed). Dense per-frame states [17, num_frames] are stored "
    "run-length encoded as released: run i (`state_frames[i]`, `states[i]`) holds on frames "
    "[state_frames[i], state_frames[i+1]) and the last run up to `num_frames` (= the JSON "
    "`frame_count`, exclusive); `proceval.benchmarks.impact.configs.asr.dense_states(example)` rebuilds the "
    "array. `workflow` is assemble or disassemble. One file (20250408_1130) names components 7-10 "
    "with aliases; the reference names are used (warned)."
)

register(
    ConfigSpec(
        benchmark="impact",
        task="asr",
        protocol="s1",
        description=DESCRIPTION,
        features=FEATURES,
        generate=_generate,
        media="video",
        splits=("train", "validation", "test"),
        extra={"title": "ASR (assembly state recognition)", "family": "state", "splits_dir": SPLITS_DIR},
    )
)
