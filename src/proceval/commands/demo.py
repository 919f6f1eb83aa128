"""``proceval demo``: build, run baselines and score every task on the embedded sample release."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``demo`` sub-command and its options (``--out``, ``--seed``, ``--configs``, ``--metrics``, ``--no-progress``)."""
    p = sub.add_parser(
        "demo",
        help="the whole pipeline on the embedded sample release",
        description="Write the sample release of every benchmark, build every dataset config of each "
        "benchmark with tasks from it (videos attached), export a no-script Hub repo and load it back with "
        "stock datasets, run a simple baseline per task, score it with the metrics and print a results "
        "table. Judge metrics are rated by a fake OpenAI-compatible endpoint the demo starts on 127.0.0.1 "
        "(ratings from a hash of each prompt); nothing leaves the machine. Resumes where it stopped.",
    )
    p.add_argument("--out", default="demo_out", help="output folder (default: demo_out)")
    p.add_argument("--seed", type=int, default=0, help="seed of the sample release")
    p.add_argument("--configs", default=None, help="comma-separated config names (default: all)")
    p.add_argument("--metrics", default=None, help="comma-separated metric names (default: all)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the demo pipeline (:func:`proceval.demo.run_demo`) into ``args.out``; returns exit code 0."""
    from proceval.demo import run_demo

    configs = args.configs.split(",") if args.configs else None
    metrics = args.metrics.split(",") if args.metrics else None
    run_demo(args.out, seed=args.seed, progress=not args.no_progress, configs=configs, metrics=metrics)
    return 0
