"""The generic parts of an exported repository's dataset card (``README.md``) and its ``eval.yaml``.

The card's YAML front matter is what makes the repository load without a script: ``configs:`` lists
every exported config with its Parquet file per split. A benchmark writes its own card body through the
``card`` hook of its :class:`~proceval.registry.Benchmark` and builds it from the pieces here (front
matter, configs table, field tables); a benchmark without a hook gets :func:`default_card`.
``eval.yaml`` derives from the registry's :class:`~proceval.registry.Task` declarations.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import datasets
import yaml

from proceval.datasets.features import MEDIA_COLUMN, resolve_features
from proceval.datasets.spec import ConfigSpec
from proceval.hub.layout import SPLIT_ORDER, VIDEOS_DIR, ExportReport, yaml_config_entry
from proceval.registry import Benchmark, Task, get_benchmark

VIDEO_FIELD_DOC = f"lazily decoded video (`datasets.Video`), a file under `{VIDEOS_DIR}/` in this repository"


def pretty_name(benchmark: Benchmark) -> str:
    """The benchmark's display name: its title up to the first ``:`` (the registry name if none)."""
    head = benchmark.title.partition(":")[0].strip()
    return head or benchmark.name


def type_name(feature: Any) -> str:
    """A short type string of a ``datasets`` feature for field tables (``ClassLabel(12)``, ``list<int32>``)."""
    if isinstance(feature, datasets.ClassLabel):
        return f"ClassLabel({feature.num_classes})"
    if isinstance(feature, datasets.Value):
        return feature.dtype
    if isinstance(feature, datasets.List):
        return f"list<{type_name(feature.feature)}>"
    if isinstance(feature, dict):
        return "{" + ", ".join(f"{k}: {type_name(v)}" for k, v in feature.items()) + "}"
    return type(feature).__name__


def yaml_front_matter(
    specs: Sequence[ConfigSpec],
    report: ExportReport,
    *,
    license: str,
    pretty_name: str,
    task_categories: Sequence[str] = (),
    tags: Sequence[str] = (),
) -> dict[str, Any]:
    """The card's YAML metadata: license, names, and ``configs:`` with ``data_files`` per split.

    Each config's ``description`` ends with its content fingerprint (:func:`config_description`):
    ``datasets`` names the cache of a local repository after the folder name and a hash of these YAML
    configs, so a re-export with other rows (or another export with the same folder name) gets its own
    cache instead of the old rows.
    """
    configs = []
    for spec in specs:
        splits = [s for s in SPLIT_ORDER if s in report.counts.get(spec.name, {})]
        entry: dict[str, Any] = {"config_name": spec.name}
        if spec.name in report.fingerprints:
            entry["description"] = config_description(spec, report.fingerprints[spec.name])
        entry.update(yaml_config_entry(spec, splits, report))
        configs.append(entry)
    meta: dict[str, Any] = {"license": license, "pretty_name": pretty_name}
    if task_categories:
        meta["task_categories"] = list(task_categories)
    if tags:
        meta["tags"] = list(tags)
    meta["configs"] = configs
    return meta


FINGERPRINT_NOTE = "content fingerprint"


def config_description(spec: ConfigSpec, fingerprint: str) -> str:
    """``"<the spec's description> (content fingerprint <16 hex>)"``: a config's card description."""
    text = " ".join(spec.description.split())
    return f"{text} ({FINGERPRINT_NOTE} {fingerprint})" if text else f"{FINGERPRINT_NOTE} {fingerprint}"


def front_matter_block(meta: Mapping[str, Any]) -> str:
    """``meta`` as the card's ``---``-fenced YAML block."""
    front = yaml.safe_dump(dict(meta), sort_keys=False, allow_unicode=True)
    return f"---\n{front}---"


def _task_of(benchmark: Benchmark, config: str) -> Task | None:
    return next((t for t in benchmark.tasks if config in t.configs), None)


def configs_table(benchmark: Benchmark, specs: Sequence[ConfigSpec], report: ExportReport) -> list[str]:
    """Markdown lines: one row per config with its example count per split and the metric scoring it."""
    lines = [
        "| config | train | validation | test | scored by |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for spec in specs:
        counts = report.counts.get(spec.name, {})
        cells = [str(counts[s]) if s in counts else "-" for s in SPLIT_ORDER]
        task = _task_of(benchmark, spec.name)
        lines.append(f"| `{spec.name}` | {' | '.join(cells)} | {task.metric if task else '-'} |")
    return lines


def group_by_task(specs: Sequence[ConfigSpec]) -> OrderedDict[str, list[ConfigSpec]]:
    """Specs grouped by ``task``, in first-seen order."""
    out: OrderedDict[str, list[ConfigSpec]] = OrderedDict()
    for spec in specs:
        out.setdefault(spec.task, []).append(spec)
    return out


def fields_table(
    spec: ConfigSpec,
    dataset_dir: Path,
    field_docs: Mapping[str, str],
    *,
    with_videos: bool = False,
    video_doc: str = VIDEO_FIELD_DOC,
) -> list[str]:
    """Markdown lines: one row per field of ``spec`` (type from the release where it can be read)."""
    try:
        features = resolve_features(spec, dataset_dir)
    except Exception:  # the card still documents the static schema
        features = spec.static_features()
    lines = ["| field | type | meaning |", "| --- | --- | --- |"]
    for name, feat in features.items():
        lines.append(f"| `{name}` | {type_name(feat)} | {field_docs.get(name, '')} |")
    if with_videos:
        lines.append(f"| `{MEDIA_COLUMN}` | Video | {video_doc} |")
    return lines


def default_card(
    benchmark: Benchmark, specs: Sequence[ConfigSpec], report: ExportReport, dataset_dir: Path
) -> str:
    """A card from the benchmark declaration alone: front matter, description, configs, fields, citation."""
    name = pretty_name(benchmark)
    meta = yaml_front_matter(specs, report, license=benchmark.license or "other", pretty_name=name)
    lines = [front_matter_block(meta), "", f"# {name} (proceval export)", ""]
    if benchmark.description:
        lines += [benchmark.description, ""]
    if benchmark.homepage:
        lines += [f"Homepage: {benchmark.homepage}", ""]
    lines += ["## Configs", "", *configs_table(benchmark, specs, report), "", "## Tasks and fields", ""]
    for task, group in group_by_task(specs).items():
        spec = group[0]
        lines += [f"### `{task}`: {spec.extra.get('title', task)}", "", spec.description, ""]
        lines += [*fields_table(spec, dataset_dir, {}, with_videos=report.with_videos), ""]
    if report.warnings:
        lines += ["## Warnings raised by this build", "", *[f"- {w}" for w in report.warnings], ""]
    if benchmark.citation:
        lines += ["## Citation", "", "```bibtex", benchmark.citation, "```", ""]
    return "\n".join(lines)


def render_card(
    benchmark: str | Benchmark, specs: Sequence[ConfigSpec], report: ExportReport, dataset_dir: Path
) -> str:
    """The ``README.md`` text: the benchmark's ``card`` hook, or :func:`default_card`."""
    bench = get_benchmark(benchmark) if isinstance(benchmark, str) else benchmark
    if bench.card is not None:
        return bench.card(list(specs), report, dataset_dir)
    return default_card(bench, specs, report, dataset_dir)


def eval_yaml(benchmark: str | Benchmark, specs: Sequence[ConfigSpec] | None = None) -> dict[str, Any]:
    """``eval.yaml``: one leaderboard task per config with a :class:`~proceval.registry.Task`.

    Each entry names the config (``id`` = ``config``), the split scored (``test`` where the config has
    one), the task, the metric module and the headline keys with their direction (first = ranking key).

    Args:
        benchmark: a registry name or declaration.
        specs: the exported configs (default: every config of the benchmark).
    """
    bench = get_benchmark(benchmark) if isinstance(benchmark, str) else benchmark
    name = pretty_name(bench)
    entries = []
    for spec in bench.configs() if specs is None else specs:
        task = _task_of(bench, spec.name)
        if task is None:
            continue
        entries.append(
            {
                "id": spec.name,
                "config": spec.name,
                "split": "test" if "test" in spec.splits else spec.splits[-1],
                "task": task.name,
                "metric": task.metric,
                "headline": [{"key": h.key, "higher_is_better": h.higher_is_better} for h in task.headline],
            }
        )
    return {
        "name": name,
        "description": f"{name} benchmark tasks (proceval); each task is a config scored on its test split.",
        "evaluation_framework": "proceval",
        "tasks": entries,
    }
