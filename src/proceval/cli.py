"""The ``proceval`` command line: ``sample``, ``build``, ``evaluate``, ``demo``, ``list``.

Each subcommand lives in ``proceval.commands.<name>`` and exposes ``add_parser(subparsers)`` and
``run(args) -> int``. Library code raises; exit codes are decided here only.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from proceval import __version__
from proceval.errors import ProcevalError

COMMANDS: tuple[str, ...] = ("sample", "build", "evaluate", "demo", "list")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (one sub-parser per command module)."""
    parser = argparse.ArgumentParser(
        prog="proceval",
        description="Procedural-video benchmarks (IMPACT, ProcObject-10K, EgoProactive) as Hugging Face "
        "datasets and evaluate metrics.",
    )
    parser.add_argument("--version", action="version", version=f"proceval {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"proceval.commands.{name}")
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``proceval`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except ProcevalError as exc:
        print(f"proceval {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"proceval {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
