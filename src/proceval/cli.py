"""The ``proceval`` command line (``proceval --help`` lists the commands and the exit codes).

Each subcommand lives in ``proceval.commands.<name>`` and exposes ``add_parser(subparsers)`` and
``run(args) -> int``. Library code raises; exit codes are decided here only (:data:`EXIT_CODES`):

* 0: success;
* 1: bad input or data (a :class:`~proceval.errors.ProcevalError`): one line naming the file, row or id;
* 2: usage error (argparse: unknown command or flag, missing argument, bad choice);
* 3: internal error (any other exception): the traceback and a request to report it;
* 130: interrupted (Ctrl-C);
* 141: the output was closed early (``proceval evaluate ... | head``): nothing more is written.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
import traceback
from collections.abc import Sequence

from proceval import __version__
from proceval.errors import ProcevalError

COMMANDS: tuple[str, ...] = (
    "sample",
    "build",
    "evaluate",
    "demo",
    "list",
    "leaderboard",
    "card",
    "push-results",
    "push-metric",
)

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 0, 1, 2, 3, 130, 141
EXIT_CODES: dict[int, str] = {
    EXIT_OK: "success",
    EXIT_BAD_INPUT: "bad input or data (a one-line message names the file, row or id)",
    EXIT_USAGE: "usage error (unknown command or option, missing or invalid argument)",
    EXIT_INTERNAL: "internal error (a bug: the traceback is printed; please report it)",
    EXIT_INTERRUPTED: "interrupted",
    EXIT_BROKEN_PIPE: "the output was closed early (e.g. piped into head)",
}
"""Every exit code of ``proceval`` and its meaning (shown in ``proceval --help``)."""
GC_THRESHOLDS = (100_000, 50, 50)
"""The cyclic garbage collector's thresholds in a ``proceval`` process (Python's default is (700, 10, 10)).

A command builds large structures without reference cycles (a parsed release file holds ~150,000
containers); collecting every 700 allocations re-scans them again and again and took ~10 % of
``proceval evaluate intervention``. Cycles are still collected, every 100,000 allocations (mypy does the
same for the same reason)."""
MAX_MESSAGE_CHARS = 2000
"""An error message longer than this is shortened (a huge id or value must not flood the terminal)."""


def _epilog() -> str:
    rows = "\n".join(f"  {code:<4} {meaning}" for code, meaning in EXIT_CODES.items())
    return f"exit codes:\n{rows}"


def _one_line(exc: BaseException) -> str:
    """``exc``'s message on one line, shortened to :data:`MAX_MESSAGE_CHARS` characters."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if len(text) > MAX_MESSAGE_CHARS:
        half = MAX_MESSAGE_CHARS // 2
        text = f"{text[:half]} ...[{len(text) - 2 * half} characters]... {text[-half:]}"
    return text


def _silence_stdout() -> None:
    """Point stdout at the null device, so that flushing it at exit raises no second broken pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor (a test's captured stream)
        pass


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (one sub-parser per command module)."""
    parser = argparse.ArgumentParser(
        prog="proceval",
        description="Procedural-video benchmarks (IMPACT, ProcObject-10K, EgoProactive) as Hugging Face "
        "datasets and evaluate metrics.",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"proceval {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"proceval.commands.{name.replace('-', '_')}")
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``proceval`` console script; returns one of :data:`EXIT_CODES`.

    argparse usage errors exit with 2 (``SystemExit``, as argparse raises it); ``--help`` and
    ``--version`` exit with 0.
    """
    before = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        return _main(argv)
    finally:  # a caller of main() (a test, a notebook) keeps its own collector settings
        gc.set_threshold(*before)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    prefix = f"proceval {args.command}"
    try:
        return int(args.run(args) or 0)
    except ProcevalError as exc:
        print(f"{prefix}: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"{prefix}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader of our stdout went away: stop quietly, as `cat | head` does
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except Exception:  # a bug: show everything, exit 3
        traceback.print_exc(file=sys.stderr)
        print(
            f"{prefix}: internal error (exit code {EXIT_INTERNAL}): this is a bug in proceval {__version__}, "
            "not a problem with your input. Please report it to the proceval maintainers with the "
            "traceback above and the command you ran.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
