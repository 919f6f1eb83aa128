"""The dataset card (``README.md``) of the exported IMPACT Hub repository.

The generic parts (YAML front matter with ``configs:``, the configs table, field tables) come from
:mod:`proceval.hub.card`; this module writes IMPACT's text: tasks, fields, units, the split facts and
every release quirk with how proceval resolved it. The IMPACT :data:`~proceval.benchmarks.impact.BENCHMARK`
declares :func:`impact_card` as its ``card`` hook.
"""

from __future__ import annotations

from pathlib import Path

from proceval.benchmarks.impact.metadata import CITATION, HOMEPAGE, LICENSE
from proceval.datasets.spec import ConfigSpec
from proceval.hub.card import (
    configs_table,
    fields_table,
    front_matter_block,
    group_by_task,
    yaml_front_matter,
)
from proceval.hub.layout import ExportReport
from proceval.registry import get_benchmark

PRETTY_NAME = "IMPACT"
TASK_CATEGORIES: tuple[str, ...] = ("video-classification",)
TAGS: tuple[str, ...] = (
    "procedural-video",
    "action-segmentation",
    "multi-view",
    "egocentric",
    "assembly",
    "proceval",
)

FIELD_DOCS: dict[str, str] = {
    "video_id": "canonical video id `{trial}_color_{view}_clipped` (ego: `{trial}_color_ego_sync_clipped`)",
    "trial_id": "trial id `YYYYMMDD_HHMM` (first two `_` tokens of the video id); "
    "the same-trial grouping key",
    "view": "`front`, `left`, `right`, `top` (exo) or `ego`, taken from the file name",
    "is_ego": "true for the egocentric view",
    "fps": "nominal frame rate in frames per second (ego 25, exo 30)",
    "subject": "participant folder name `subjectNN` from `CV/annotations_CAS/<view>/subjectNN/`",
    "grinder_model": "`meta_data.model_type` of the trial's ASR file; null for the 20 trials without one",
    "workflow": "`assemble` / `disassemble` from the trial's ASR file; null where there is none",
    "num_frames": "number of frames of the stream as the source file gives it (frames)",
    "labels": "one label per frame, frame index 0..num_frames-1 of the view (ClassLabel, official names)",
    "segments": "runs of equal frame labels: `label`, `start_frame`, `end_frame` (both inclusive, frames)",
    "annotation_file": "source file, relative to the release's `dataset/` folder",
    "in_bundle": "whether this video itself is listed in the split bundle "
    "(the split holds all views of its trials)",
    "segment_index": "0-based position of the segment in its annotation file",
    "start_frame": "first frame of the segment (inclusive, view's own frame index)",
    "end_frame": "last frame of the segment (inclusive, view's own frame index)",
    "label": "the segment's label (ClassLabel, official names)",
    "is_null": "true for `null` segments (kept: CV-TA uses them to detect invisible targets)",
    "verb": "first `_` token of the lower-case step label (official CV-SM rule); null for `null`",
    "noun": "rest of the lower-case step label after the first `_`; null for `null`",
    "has_anomaly": "the segment's `has_anomaly` flag",
    "meta_activity": "the segment's `meta_activity` field",
    "video": "lazily decoded video (`datasets.Video`), absolute path to `<videos_dir>/<video_id>.mp4`",
}

QUIRKS: tuple[str, ...] = (
    "**Four-frame length mismatch.** `20250407_1405_color_ego_sync_clipped` has 5,383 frame labels in "
    "`TAS/groundTruth_CAS` (and 5,383 frames in its CV annotation) but 5,379 in the FAS and PPR files. "
    "Each config keeps its own file's length (`num_frames`), so predictions must match each file; the build "
    "warns for every frame file whose length differs from the CV annotation of its video.",
    "**Ego/exo naming.** CV ego annotation files are named `{trial}_color_ego.json` but describe "
    "`{trial}_color_ego_sync_clipped`; AF-S ego files use `{trial}_color_ego_sync`; "
    "ASR uses `{trial}_color`. "
    "Every config stores the canonical id (`..._clipped`), and the build warns once per renamed family.",
    "**Wrong `view` fields.** Some JSON `view` fields are wrong (e.g. AF-S ego files saying `Top`, ATR "
    "capitalisation). Views are always derived from file names; the JSON field is only cross-checked, with a "
    "warning on disagreement.",
    "**CRLF bundles.** Most bundles end lines with CRLF; ids are stripped.",
    "**CV segment ids.** `segment.id` in the CV files is not an instance id and is not used; "
    "`segment_index` is the segment's position in its file. CV segments may overlap by a frame or more, and "
    "ego segments may end before `view_end`; both are kept as released.",
    "**Grinder model.** Only the 92 trials with an ASR file record a model (`CG15-125BL`, the paper's "
    "Model-A). The paper counts 20 Model-B (`WSG7-115A`) recordings; 20 trials have no ASR file and 19 of "
    "them form the S3 test set, but no file states their model, so `grinder_model` is null for them.",
)

SPLIT_FACTS: tuple[str, ...] = (
    "112 trials, 13 subjects, 5 views (1 ego + 4 exo): 560 video streams. Exo streams are 30 fps "
    "(1280x720), ego streams 25 fps (1920x1080); labels are per frame in each view's own frame index, "
    "so ego and exo lengths differ.",
    "**S1 (IID)** is video-level: its test set is 56 videos from 47 trials, and other views of those "
    "trials appear in train.",
    "**S2 (cross-subject)** holds out different subjects for the two bundle families: the CAS bundles "
    "(TAS-S, CV) test subject17's exo videos (36), whose ego videos are in train; the FAS bundles (TAS-B, "
    "PPR, ATR) test all 40 videos of subject19.",
    "**S3 (cross-configuration)**: 19 trials x 5 views = 95 test videos, trial-disjoint.",
    "**S4 (exo to ego)**: test is all 112 ego videos; train and validation are exo only.",
    "Train/validation membership differs between the CAS and FAS bundles; test membership is the same "
    "for S1, S3 and S4.",
    "CV configs follow the official cross-view code: a split holds every view of every trial listed in "
    "its bundle (`in_bundle` marks the listed videos), so S1 CV splits share trials.",
)


def impact_card(specs: list[ConfigSpec], report: ExportReport, dataset_dir: Path) -> str:
    """The full ``README.md`` text for the exported IMPACT repository."""
    meta = yaml_front_matter(
        specs, report, license=LICENSE, pretty_name=PRETTY_NAME, task_categories=TASK_CATEGORIES, tags=TAGS
    )
    lines = [front_matter_block(meta), "", f"# {PRETTY_NAME} (proceval export)", ""]
    lines += [
        "IMPACT is a multi-view benchmark of angle-grinder assembly and disassembly (1 egocentric + 4 "
        f"exocentric views). Source: the official annotation release ({HOMEPAGE}), read as released by "
        "proceval's `proceval build impact`. One config per task and split protocol, "
        "named `<task>_s<n>`; splits `train`, `validation`, `test` come from the official bundles.",
        "",
        "```python",
        "from datasets import load_dataset",
        f'ds = load_dataset("<this repo>", "{specs[0].name if specs else "tas_s_s1"}", split="test")',
        "```",
        "",
        "## Configs",
        "",
        *configs_table(get_benchmark("impact"), specs, report),
    ]
    lines += ["", "## Tasks and fields", ""]
    for task, group in group_by_task(specs).items():
        spec = group[0]
        title = spec.extra.get("title", task)
        lines += [f"### `{task}`: {title}", "", spec.description, ""]
        lines += fields_table(
            spec, dataset_dir, FIELD_DOCS, with_videos=report.with_videos, video_doc=FIELD_DOCS["video"]
        )
        lines.append("")
    lines += [
        "## Units and conventions",
        "",
        "- Frames are 0-based indices in each view's own frame index; every `start_frame` / `end_frame` "
        "pair is inclusive. Times in seconds are frames / `fps`.",
        "- Labels are `ClassLabel` features whose names are the release's `mapping_*.txt` names (CV: the "
        "lower-case names with `null`, as the CV files write them).",
        "- Without a videos folder the labels still load; with one, `video` is a lazily decoded "
        "`datasets.Video` column holding absolute paths (relative paths in Parquet are not resolved).",
        "",
        "## Split facts",
        "",
        *[f"- {fact}" for fact in SPLIT_FACTS],
        "",
        "## Release quirks and how they are resolved",
        "",
        *[f"- {q}" for q in QUIRKS],
        "",
        "Nothing is dropped: every bundle line is one example (frame-level configs) or contributes all its "
        "segments (segment-level configs).",
        "",
    ]
    if report.warnings:
        lines += ["Warnings raised by this build:", ""]
        lines += [f"- {w}" for w in report.warnings]
        lines.append("")
    lines += [
        "## License",
        "",
        "Annotations: CC BY-NC-SA 4.0, as the official release.",
        "",
        "## Citation",
        "",
        "```bibtex",
        CITATION,
        "```",
        "",
    ]
    return "\n".join(lines)
