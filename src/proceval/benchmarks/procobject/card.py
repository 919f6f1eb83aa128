"""The dataset card (``README.md``) of the exported ProcObject-10K repository.

Generated from the registry declarations and the release actually read (example counts, the span
policy's counts), so the card cannot drift from the data. The YAML front matter's ``configs:`` makes the
repository load with stock ``datasets.load_dataset(path, "all")``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from proceval.benchmarks.procobject.formats import SPAN_EPS_S, read_release
from proceval.benchmarks.procobject.metadata import (
    CITATION,
    CODE_URL,
    HF_DATASET_URL,
    HOMEPAGE,
    LICENSE,
    PAPER_URL,
)
from proceval.benchmarks.procobject.schema import QA_TYPES, REASONINGS, SOURCES
from proceval.datasets.spec import ConfigSpec
from proceval.errors import ProcevalError
from proceval.hub.card import configs_table, fields_table, front_matter_block, yaml_front_matter
from proceval.hub.layout import ExportReport
from proceval.registry import get_benchmark

FIELD_DOCS: dict[str, str] = {
    "id": "question id, unique over train + test; predictions are keyed by it",
    "domain": "activity domain (9 in the release), e.g. `Cooking & Food`",
    "task": "procedure (137 in the release), e.g. `Make Tea`",
    "source": f"upstream corpus: {', '.join(f'`{s}`' for s in SOURCES)} (COIN exocentric, the rest egocentric)",
    "qa_type": "one of " + ", ".join(f"`{t}`" for t in QA_TYPES),
    "reasoning": "temporal search pattern: " + " or ".join(f"`{r}`" for r in REASONINGS),
    "video_path": "the source video, `<corpus>/<rest>`, relative to a videos root",
    "clip_start": "start of the QA's clip in the source video, seconds",
    "clip_end": "end of the QA's clip in the source video, seconds",
    "question": "open-ended question",
    "answer": "reference answer",
    "evidence": "supporting spans `[start, end]`, seconds **relative to `clip_start`**, within the clip",
    "clip_duration_s": "`clip_end - clip_start`, seconds (rounded to the microsecond)",
    "video_id": "`video_path` without its extension (one per source video)",
}

VIDEO_DOC = (
    "lazily decoded **source** video (`datasets.Video`), absolute path to `<videos>/<video_path>`; "
    "null when the file is absent"
)
STATUS_DOC = '`"ok"` or `"missing"`: whether the source video was found when the repository was built'


def _policy_lines(dataset_dir: Path) -> list[str]:
    try:
        release = read_release(dataset_dir)
    except ProcevalError:  # the export already read it; a card is still written for a partial release
        return []
    lines = []
    for split, parsed in release.items():
        lines.append(
            f"- `{split}` ({parsed.path.name}, {parsed.shape} shape): {len(parsed.records)} QA pairs; "
            f"{parsed.n_clipped_spans} evidence spans of {len(parsed.clipped_ids)} QA pairs ended after "
            "their clip and were cut at the clip's end"
            + (f"; ignored fields: {', '.join(parsed.unknown_fields)}" if parsed.unknown_fields else "")
        )
    return lines


def procobject_card(specs: Sequence[ConfigSpec], report: ExportReport, dataset_dir: Path) -> str:
    """The exported repository's ``README.md``: front matter, configs, fields, conventions, citation."""
    bench = get_benchmark("procobject")
    meta = yaml_front_matter(
        specs,
        report,
        license=LICENSE,
        pretty_name="ProcObject-10K",
        task_categories=["video-text-to-text", "visual-question-answering"],
        tags=["procedural-video", "grounded-videoqa", "temporal-grounding", "object-state", "proceval"],
    )
    lines = [
        front_matter_block(meta),
        "",
        "# ProcObject-10K (proceval export)",
        "",
        bench.description,
        "",
        f"Paper: {PAPER_URL} · project page: {HOMEPAGE} · official release: {CODE_URL} "
        f"(same `data/` files as {HF_DATASET_URL}).",
        "",
        "A model watches the clip `[clip_start, clip_end)` of a source video, answers an open-ended question "
        "about an object, and gives the time spans (seconds relative to the clip's start) that support its "
        'answer: `{"answer": "...", "evidence": [[t0, t1], ...]}`.',
        "",
        "## Configs",
        "",
        "`all` holds every QA pair; `needle` / `multihop` the two temporal search patterns "
        "(Needle-in-a-Haystack / Multi-hop Reasoning); the other five one QA type each. Splits are the "
        "released ones (video-disjoint).",
        "",
        *configs_table(bench, specs, report),
        "",
        "## Fields",
        "",
    ]
    if specs:
        table = fields_table(
            specs[0], dataset_dir, FIELD_DOCS, with_videos=report.with_videos, video_doc=VIDEO_DOC
        )
        lines += table
        if report.with_videos:
            lines.append(f"| `video_status` | string | {STATUS_DOC} |")
    lines += [
        "",
        "## Conventions",
        "",
        "- Times are seconds. `clip_start` / `clip_end` are times in the **source video**; `evidence` is "
        "relative to `clip_start` (the project page cuts the clip at `clip_start` and shows the evidence "
        "unchanged: inferred, not stated by the authors). Source-video time of a span = `clip_start + t`: "
        "`proceval.benchmarks.procobject.media.evidence_to_source_times(row)`.",
        "- Decoding: the `video` column points at the whole source video; decode only the clip window with "
        "`proceval.benchmarks.procobject.media.clip_frames(row, num_frames=16)` or "
        "`ds.set_transform(ClipSampler(num_frames=16))` from the same module.",
        "- Videos are not part of this repository: they come from CaptainCook4D, EgoPER, HoloAssist and COIN "
        "under those datasets' licenses. Layout under a videos root: `<corpus>/<rest>` (as `video_path`) or "
        "`<corpus>/videos/<rest>` (the authors' layout). A row whose video is absent keeps its labels "
        '(`video` null, `video_status` `"missing"`).',
        "- `testing.json` is read as a list or as a dict keyed by reasoning pattern (both shapes exist in the "
        "official material); ids are unique over both files.",
        f"- Evidence spans that end more than {SPAN_EPS_S:g} s after their clip are cut at the clip's end and "
        "counted; every other malformed record (missing or duplicated id, missing field, non-numeric, NaN, "
        "negative or reversed times, a span starting after the clip, an unknown QA type / reasoning / source) "
        "stops the build naming the file and id.",
    ]
    policy = _policy_lines(dataset_dir)
    if policy:
        lines += ["", "### This build", "", *policy]
    if report.warnings:
        lines += ["", "### Warnings raised by this build", "", *[f"- {w}" for w in report.warnings]]
    lines += [
        "",
        "## License",
        "",
        "Annotations: CC BY-NC 4.0 (project page). Videos: the licenses of CaptainCook4D, EgoPER, HoloAssist "
        "and COIN; cite those datasets too.",
        "",
        "## Citation",
        "",
        "```bibtex",
        CITATION,
        "```",
        "",
    ]
    return "\n".join(lines)
