"""``proceval list``: benchmarks, dataset configs, tasks and metric modules, from the registry."""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``list`` sub-command (``benchmarks``, ``configs``, ``tasks`` or ``metrics``)."""
    from proceval.registry import benchmark_names

    names = benchmark_names()
    p = sub.add_parser(
        "list",
        help="list benchmarks, dataset configs, tasks and metric modules",
        description="List what proceval offers: benchmarks, their dataset configs with the metric that scores "
        "each, the tasks (ids, prediction shape, headline keys) and the metric modules in metrics/.",
    )
    p.add_argument(
        "what", nargs="?", choices=("benchmarks", "configs", "tasks", "metrics"), default="configs"
    )
    p.add_argument(
        "--benchmark",
        default=None,
        help=f"benchmark for configs / tasks / metrics (one of: {', '.join(names)}; default: all)",
    )
    p.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="markdown: the README's predictions table (for `tasks`)",
    )
    p.set_defaults(run=run)


def rows_for(what: str, benchmark: str | None) -> list[dict[str, Any]]:
    """The rows ``proceval list WHAT`` prints (an unknown benchmark lists the known ones)."""
    from proceval.registry import benchmarks, get_benchmark

    chosen = [get_benchmark(benchmark)] if benchmark is not None else benchmarks()
    if what == "benchmarks":
        return [
            {"benchmark": b.name, "configs": len(b.configs()), "tasks": len(b.tasks), "title": b.title}
            for b in chosen
        ]
    if what == "tasks":
        return [
            {
                "benchmark": b.name,
                "task": t.name,
                "metric": t.metric,
                "ids": t.id_column,
                "resample": t.resample,
                "headline": [f"{h.key}{'↑' if h.higher_is_better else '↓'}" for h in t.headline],
            }
            for b in chosen
            for t in b.tasks
        ]
    if what == "metrics":
        out: dict[str, dict[str, Any]] = {}
        for b in chosen:
            for t in b.tasks:
                row = out.setdefault(
                    t.metric, {"metric": t.metric, "benchmark": b.name, "tasks": [], "scores": t.summary}
                )
                row["tasks"].append(t.name)
        return list(out.values())
    rows = []
    for b in chosen:
        metrics_of: dict[str, list[str]] = {}
        for t in b.tasks:
            for c in t.configs:
                metrics_of.setdefault(c, []).append(t.metric)
        rows += [
            {
                "benchmark": b.name,
                "config": c.name,
                "task": c.task,
                "protocol": c.protocol,
                "splits": list(c.splits),
                "metrics": list(dict.fromkeys(metrics_of.get(c.name, []))),
                "derived": c.derived,
            }
            for c in b.configs()
        ]
    return rows


def predictions_table(benchmark: str | None = None) -> str:
    """The README's predictions table: per metric and task, the prediction id and what a prediction is."""
    from proceval.registry import benchmarks, get_benchmark

    chosen = [get_benchmark(benchmark)] if benchmark is not None else benchmarks()
    lines = [
        "| benchmark | metric | tasks | id | prediction | headline (↑ higher / ↓ lower is better) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for b in chosen:
        groups: dict[tuple[str, str, str], list[Any]] = {}
        for t in b.tasks:
            groups.setdefault((t.metric, t.ids_doc, t.prediction_doc), []).append(t)
        for (metric, ids, prediction), tasks in groups.items():
            heads = ", ".join(
                f"`{h.key}` {'↑' if h.higher_is_better else '↓'}" for h in tasks[0].headline[:3]
            )
            names = ", ".join(f"`{t.name}`" for t in tasks)
            lines.append(
                f"| {b.name} | `{metric}` | {names} | {ids.replace('``', '`')} | "
                f"{prediction.replace('``', '`')} | {heads} |"
            )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Print the rows of ``proceval list WHAT`` as text or JSON, or the README's predictions table; returns 0."""
    if args.format == "markdown":
        print(predictions_table(args.benchmark))
        return 0
    rows = rows_for(args.what, args.benchmark)
    if args.format == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    elif not rows:
        print(f"no {args.what} yet")
    else:
        for row in rows:
            print(
                "  ".join(f"{v if not isinstance(v, list) else ','.join(map(str, v))}" for v in row.values())
            )
    return 0
