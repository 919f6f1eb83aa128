"""Run every ``benchmarks/bench_*.py`` (each in its own process) and assemble ``docs/PERFORMANCE.md``.

Each benchmark writes ``benchmarks/results/<name>.json`` and a Markdown fragment
``docs/performance/<name>.md`` measured in its own run (ratios against a baseline in the same run).
``python -m benchmarks.run_all --only tas,psr`` runs a subset; ``--assemble-only`` just rebuilds
``docs/PERFORMANCE.md`` from the fragments already there.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from proceval.io import atomic_write_text

ROOT = Path(__file__).resolve().parents[1]
HEADER = """# Performance

Speed and memory targets of proceval, measured by the scripts in `benchmarks/` (run them all with
`make bench`, or one with `python -m benchmarks.bench_<name>`). Every figure is a ratio or a limit
measured in the same run as its baseline, on the project's 2-core machine; the sections below are the
fragments in `docs/performance/` (written by or from their benchmark's run, with the machine state it
ran on).
Raw numbers: `benchmarks/results/*.json`.
"""


def assemble() -> Path:
    """Concatenate the fragments (sorted by name) under the header into ``docs/PERFORMANCE.md``."""
    parts = [HEADER]
    for frag in sorted((ROOT / "docs" / "performance").glob("*.md")):
        text = frag.read_text().strip()
        lines = text.splitlines()
        if lines and lines[0].startswith("# "):
            lines[0] = "#" + lines[0]  # demote the fragment title to a section
        parts.append("\n".join(lines) + f"\n\n_Source: `docs/performance/{frag.name}`._\n")
    return atomic_write_text(ROOT / "docs" / "PERFORMANCE.md", "\n".join(parts))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default=None, help="comma-separated benchmark names (e.g. tas,decode)")
    ap.add_argument("--assemble-only", action="store_true", help="only rebuild docs/PERFORMANCE.md")
    args = ap.parse_args(argv)
    failed = []
    if not args.assemble_only:
        names = sorted(p.stem.removeprefix("bench_") for p in (ROOT / "benchmarks").glob("bench_*.py"))
        if args.only:
            wanted = set(args.only.split(","))
            unknown = wanted - set(names)
            if unknown:
                ap.error(f"unknown benchmarks {sorted(unknown)}; known: {names}")
            names = [n for n in names if n in wanted]
        for name in names:
            print(f"== benchmarks.bench_{name}", flush=True)
            res = subprocess.run([sys.executable, "-m", f"benchmarks.bench_{name}"], cwd=ROOT)
            if res.returncode != 0:
                failed.append(name)
    path = assemble()
    print(f"wrote {path}")
    if failed:
        print(f"failed: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
