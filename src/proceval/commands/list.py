"""``proceval list``: benchmarks, dataset configs and metric modules."""

from __future__ import annotations

import argparse
import json

from proceval.catalog import BENCHMARKS, METRICS


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "list",
        help="list benchmarks, dataset configs and metric modules",
        description="List what proceval offers: benchmarks, their dataset configs (<task>_s<n>) with the "
        "metric that scores each, and the metric modules in metrics/.",
    )
    p.add_argument("what", nargs="?", choices=("benchmarks", "configs", "metrics"), default="configs")
    p.add_argument("--benchmark", default="impact", choices=tuple(BENCHMARKS), help="benchmark for `configs`")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.what == "benchmarks":
        rows = [{"benchmark": k, "description": v} for k, v in BENCHMARKS.items()]
    elif args.what == "metrics":
        rows = [
            {"metric": m.name, "benchmark": m.benchmark, "tasks": list(m.tasks), "scores": m.summary}
            for m in METRICS
        ]
    else:
        from proceval.datasets.spec import list_configs

        rows = [
            {
                "config": c.name,
                "task": c.task,
                "protocol": c.protocol,
                "splits": list(c.splits),
                "metrics": list(c.metrics),
                "derived": c.derived,
            }
            for c in list_configs(args.benchmark)
        ]
    if args.format == "json":
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            print(
                "  ".join(f"{v if not isinstance(v, list) else ','.join(map(str, v))}" for v in row.values())
            )
    return 0
