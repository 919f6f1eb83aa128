"""``proceval leaderboard``: ranked tables (Markdown, CSV, JSON, HTML) from a folder of result files."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``leaderboard`` sub-command."""
    p = sub.add_parser(
        "leaderboard",
        help="rank result files into leaderboard tables (Markdown, CSV, JSON, HTML)",
        description="Read every result file (schema v1, written by `proceval evaluate --model-id`) under "
        "RESULTS_DIR, recursively, and write one ranked table per benchmark, task, config, split and headline "
        "key: best first by the key's direction, with confidence intervals and a mark on every entry the "
        "paired bootstrap (from the stored replicates) cannot separate from the leader. Results whose "
        "signatures differ in anything but the model are listed apart, with the differing fields. Writes "
        "leaderboard.md, leaderboard.csv, leaderboard.json, a copy of the result files under results/ "
        "(replaced on each run), one SVG bar chart per table under plots/ (replaced on each run) and "
        "index.html; prints the Markdown and the page's path.",
    )
    p.add_argument(
        "results_dir", metavar="RESULTS_DIR", help="folder of result files (*.json), read recursively"
    )
    p.add_argument("--out", required=True, help="output folder, e.g. site/")
    p.add_argument(
        "--confidence",
        type=float,
        default=0.95,
        help="two-sided coverage of the paired-bootstrap interval behind the tie mark (default 0.95)",
    )
    p.add_argument("--title", default="proceval leaderboard", help="title of the Markdown and HTML pages")
    p.add_argument(
        "--no-charts", action="store_true", help="do not draw the per-table bar charts (plots/*.svg)"
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Write the leaderboard; print the Markdown, then where the files went.

    Returns:
        The exit code 0 (errors are raised and mapped to exit codes by :mod:`proceval.cli`).

    Raises:
        InputValidationError: a bad ``--confidence``, a missing or empty results folder.
        ResultFormatError: a file that is not a valid result (named, with the JSON path of the error).
    """
    from proceval.errors import InputValidationError
    from proceval.hub.leaderboard import write_leaderboard

    if not 0.0 < args.confidence < 1.0:
        raise InputValidationError(
            f"Expected argument `--confidence` to be in (0, 1), but got {args.confidence!r}."
        )
    files = write_leaderboard(
        args.results_dir, args.out, confidence=args.confidence, title=args.title, charts=not args.no_charts
    )
    sys.stdout.write(files.markdown.read_text(encoding="utf-8"))
    print()
    print(
        f"{files.num_results} result files, {len(files.groups)} tables: {files.markdown}, {files.csv}, "
        f"{files.json}, result files under {files.results}"
    )
    if files.html is not None:
        print(f"HTML: {files.html}")
    else:
        print("HTML: not written (proceval.hub.leaderboard_html is not available)")
    return 0
