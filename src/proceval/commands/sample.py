"""``proceval sample OUT``: write the embedded sample release of every benchmark."""

from __future__ import annotations

import argparse

from proceval.sample import DEFAULT_SEED, write_sample

_DESCRIPTION = """\
Write a miniature release of every registered benchmark in its official on-disk format, with small
generated videos whose frames change with the labelled steps: OUT/<benchmark folder>/... (see each
benchmark's sample writer). Vocabularies and labels are synthetic. The same --seed gives byte-identical
files. The output is assembled in a hidden folder beside OUT and renamed into place.

Benchmarks: {benchmarks}
"""


def _size(text: str) -> tuple[str, int]:
    name, sep, raw = text.partition("=")
    if not sep or not raw.strip().isdigit():
        raise argparse.ArgumentTypeError(f"expected BENCHMARK=N, got {text!r}")
    return name.strip(), int(raw)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``sample`` sub-command; its description names the benchmarks that have a sample writer."""
    from proceval.registry import benchmarks

    names = [b.name for b in benchmarks() if b.write_sample is not None]
    p = sub.add_parser(
        "sample",
        help="write a small sample release of every benchmark (official formats, generated videos)",
        description=_DESCRIPTION.format(benchmarks=", ".join(names)),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("out", metavar="OUT", help="output folder (must be new or empty unless --overwrite)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default: %(default)s)")
    p.add_argument(
        "--size",
        action="append",
        type=_size,
        default=[],
        metavar="BENCHMARK=N",
        help="units of one benchmark's sample (trials, sessions; each writer states its minimum)",
    )
    p.add_argument(
        "--benchmarks", default=None, help=f"comma-separated subset of: {', '.join(names)} (default: all)"
    )
    p.add_argument("--no-videos", action="store_true", help="write label files only (no PyAV needed)")
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it already has content")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Write the sample release of the chosen benchmarks to ``args.out`` and print its summary; returns 0."""
    summary = write_sample(
        args.out,
        seed=args.seed,
        sizes=dict(args.size),
        benchmarks=args.benchmarks.split(",") if args.benchmarks else None,
        videos=not args.no_videos,
        overwrite=args.overwrite,
        progress=not args.quiet,
    )
    print("\n".join(summary.lines()))
    return 0
