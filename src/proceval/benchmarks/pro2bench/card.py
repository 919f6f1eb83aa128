"""The dataset card (``README.md``) of the exported Pro2Bench / EgoProactive Hub repository.

The generic parts (front matter with ``configs:``, configs table, field tables) come from
:mod:`proceval.hub.card`; this module writes the benchmark's text: what each config is, every field with
its unit, which fields are proceval's own (the paper's richer files are unpublished), and how release
irregularities are handled (``release_warnings``).
"""

from __future__ import annotations

from pathlib import Path

from proceval.benchmarks.pro2bench.instances import DEVIATION_TYPES, PLAN_STATUSES, RICH_FIELDS
from proceval.benchmarks.pro2bench.metadata import CITATION, HOMEPAGE, LICENSE
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

PRETTY_NAME = "Pro2Bench / EgoProactive"
TASK_CATEGORIES: tuple[str, ...] = ("video-text-to-text",)
TAGS: tuple[str, ...] = ("procedural-video", "proactive-assistance", "egocentric", "proceval")

OURS = "**proceval's schema** (not in the public release)"

FIELD_DOCS: dict[str, str] = {
    "video_id": "the session id: `video_path` without its extension (Pro2Bench rows: `session_id`)",
    "video_path": "as released: the video's file name under `egoproactive/val/` (Pro2Bench rows: the path "
    "relative to the release folder); absolute or escaping (`../`) paths are refused",
    "duration_in_sec": "video length in seconds, as released",
    "duration_s": "the session's `duration_in_sec` (seconds)",
    "video_intervals": "decision chunks `[start_s, end_s]` in seconds, as released (typically 8 s)",
    "query": "the user's initial request, as released",
    "goal": "the user's procedural request *q* (EgoProactive: the challenge `query`)",
    "domain": "coarse activity domain, as released",
    "task": "specific activity, as released",
    "answers": "one per chunk: `$silent$` or `$interrupt$<utterance>`, as released",
    "dialog": "the gold dialog before the chunk: `{role, text}` turns (the official baseline is "
    "teacher-forced on it)",
    "decision_id": "`<session_id>/<interval_index>`: the id predictions are keyed by",
    "session_id": "the session (EgoProactive: `video_id`)",
    "interval_index": "0-based position of the chunk in the session's `video_intervals`",
    "start_s": "decision window start in seconds (inclusive)",
    "end_s": "decision window end in seconds (exclusive); the decision is taken at `end_s`",
    "label": "gold decision, `ClassLabel(['silent', 'interrupt'])` (interrupt = 1 = the positive class) by "
    "the official tag rule: interrupt iff the answer, left-stripped, starts with `$interrupt$`",
    "answer": "the gold answer in the challenge form (`$silent$` / `$interrupt$<utterance>`; EgoProactive "
    "decisions: exactly as released)",
    "utterance": "the gold utterance (text after `$interrupt$`, stripped); empty for silent",
    "source": "the Pro2Bench source (`egoproactive`, `ego4d`, `egoexo4d`, `epic_kitchens`, `holoassist`, "
    "`howto100m`)",
    "plan": f"{OURS}: the plan the assistant holds before deciding, `{{step, status}}` with status one of "
    f"{', '.join(f'`{s}`' for s in PLAN_STATUSES)}; empty when not annotated (and before the first interrupt)",
    "step_complete_cues": f"{OURS}: visual cues that the current step is done",
    "step_incomplete_cues": f"{OURS}: visual cues that the current step is still in progress",
    "oop": f"{OURS}: the decision point belongs to an out-of-plan scenario; null = not annotated",
    "deviation_type": f"{OURS}: {', '.join(f'`{t}`' for t in DEVIATION_TYPES)} (OOP rows only)",
    "deviation_onset_s": f"{OURS}: first moment the deviation is visible, seconds (OOP rows only; the paper "
    "evaluates with a ±2 s tolerance)",
    "recovery_utterance": f"{OURS}: the golden recovery guidance (OOP rows only)",
    "release_warnings": "irregularities of this session that the official scorer tolerates (see below); "
    "empty for a clean row",
    "video": "lazily decoded video (`datasets.Video`), absolute path to the session's video file",
    "video_status": "`ok`, or `missing` (then `video` is null) when the videos folder lacks the file",
}

TOLERATED: tuple[str, ...] = (
    "**`video_intervals` and `answers` of different lengths.** The official pipeline generates one "
    "prediction per interval and scores it against `answers` position by position over the shorter list "
    "(`skipped_chunks`). The session row loads as released; `egoproactive_decisions` holds the first "
    "`min(len(video_intervals), len(answers))` chunks; `release_warnings` says so.",
    "**A gold answer that is neither `$silent$` nor `$interrupt$...`.** The official tag rule reads every "
    "such string as silent; `label` follows it and `release_warnings` names the chunks.",
    "**A chunk ending after `duration_in_sec`.** Loaded; clip decoding stops at the video's last frame.",
)

REFUSED: tuple[str, ...] = (
    "a missing field, a field of the wrong type, a non-numeric, negative or non-finite time",
    "an interval whose end is not after its start",
    "a `dialog` whose length differs from `video_intervals` (the official generation script reads "
    "`dialog[j]` for every chunk `j`)",
    "an absolute `video_path`, or one that leaves its folder through `../`",
    "a session (`video_path`) or a Pro2Bench decision point (`session_id/interval_index`) listed twice",
    "in proceval's schema: an unknown field (a misspelt field never loads as silently empty), an "
    "utterance on a silent row or none on an interrupt, deviation fields on a row that is not `oop`, "
    "a `split` the source does not have",
)


def pro2bench_card(specs: list[ConfigSpec], report: ExportReport, dataset_dir: Path) -> str:
    """The full ``README.md`` text for the exported Pro2Bench / EgoProactive repository."""
    meta = yaml_front_matter(
        specs, report, license=LICENSE, pretty_name=PRETTY_NAME, task_categories=TASK_CATEGORIES, tags=TAGS
    )
    first = specs[0].name if specs else "egoproactive_decisions"
    split = specs[0].splits[0] if specs else "validation"
    lines = [front_matter_block(meta), "", f"# {PRETTY_NAME} (proceval export)", ""]
    lines += [
        "Proactive procedural assistance (Plan, Watch, Recover; arXiv 2606.04970): at each decision point "
        "of an egocentric procedural video the assistant either interrupts with guidance or stays silent. "
        f"Source: the EgoProactive challenge release ({HOMEPAGE}: "
        "`egoproactive/wearable_ai_2026_egoproactive_val_<n>.jsonl` with `egoproactive/val/<id>.mp4`, H.265 "
        "1080p 15 fps), read as released by `proceval build pro2bench`, and proceval's own Pro2Bench schema "
        "(`pro2bench/<source>/instances.jsonl`) for the fields the paper describes but did not publish.",
        "",
        "```python",
        "from datasets import load_dataset",
        f'ds = load_dataset("<this repo>", "{first}", split="{split}")',
        "```",
        "",
        "## Configs",
        "",
        *configs_table(get_benchmark("pro2bench"), specs, report),
        "",
        "- `egoproactive`: one row per session, the challenge fields as released. Split `validation` is the "
        "challenge's `val` file (700 sessions, 9,935 chunks in the real release); the challenge test split "
        "is held out by the organisers.",
        "- `egoproactive_decisions`: one row per decision interval of the same file.",
        "- `pro2bench_<source>`: one row per decision point in proceval's schema; `test` is the paper's "
        "evaluation set (for EgoProactive the same sessions as the challenge `val` file), `train` its "
        "training set (EgoProactive and HoloAssist have none). Without "
        "`pro2bench/egoproactive/instances.jsonl`, `pro2bench_egoproactive` is derived from the challenge "
        "file with the fields proceval adds left empty.",
        "",
        "## Tasks and fields",
        "",
    ]
    for task, group in group_by_task(specs).items():
        spec = group[0]
        lines += [f"### `{task}`: {spec.extra.get('title', task)}", "", spec.description, ""]
        lines += fields_table(
            spec, dataset_dir, FIELD_DOCS, with_videos=report.with_videos, video_doc=FIELD_DOCS["video"]
        )
        if report.with_videos and spec.extra.get("missing_video") == "status":
            lines.append(f"| `video_status` | string | {FIELD_DOCS['video_status']} |")
        lines.append("")
    lines += [
        "## Which fields are proceval's",
        "",
        "The paper's own files (`data/*/instances.jsonl`, plans, cues, OOP labels) are not public, and the "
        "challenge release has no plan, cue or out-of-plan field. The fields "
        + ", ".join(f"`{f}`" for f in RICH_FIELDS)
        + " are proceval's documented schema (`proceval.benchmarks.pro2bench.instances`), designed from the "
        "paper's text (§2.3 plan with completed / current / next steps and visual cues, App. H.2 deviation "
        "types and onset). Rows without them load with them empty (`[]`, null).",
        "",
        "## Units and conventions",
        "",
        "- Times are seconds. A decision window is `[start_s, end_s)`; the decision is taken at `end_s`.",
        "- `label` follows the official scorer's tag rule; `answer` keeps the gold string for scorers that "
        "reproduce the challenge format.",
        "- With a videos folder (the release folder, or `egoproactive/val/` for the challenge configs) "
        "`video` holds absolute paths (relative paths in Parquet are not resolved); "
        "`proceval.benchmarks.pro2bench.media.with_decision_clips` decodes a row's window only (16 frames "
        "by default, as the official baseline).",
        "",
        "## Release irregularities",
        "",
        "Loaded and flagged in `release_warnings`, because the official scorer tolerates them:",
        "",
        *[f"- {t}" for t in TOLERATED],
        "",
        "Refused (the build stops naming the file, line, field and row):",
        "",
        *[f"- {t}" for t in REFUSED],
        "",
    ]
    if report.warnings:
        lines += ["Warnings raised by this build:", ""]
        lines += [f"- {w}" for w in report.warnings]
        lines.append("")
    lines += [
        "## License",
        "",
        "CC BY-NC 4.0, as the `facebook/wearable-ai` release (gated: accept its conditions first).",
        "",
        "## Citation",
        "",
        "```bibtex",
        CITATION,
        "```",
        "",
    ]
    return "\n".join(lines)
