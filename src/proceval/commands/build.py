"""``proceval build BENCHMARK``: a benchmark's release → a no-script Hugging Face dataset repository.

The same code as each ``dataset_scripts/<benchmark>/build.py``: :func:`proceval.hub.build.run_build`.
"""

from __future__ import annotations

import argparse

from proceval.hub.build import add_build_arguments, run_build
from proceval.registry import benchmark_names


def _epilog(names: list[str]) -> str:
    name = names[0] if names else "BENCHMARK"
    return f"""\
examples:
  proceval build {name} --source RELEASE --out {name}-hf
  proceval build {name} --source RELEASE --out {name}-hf --configs A,B
  proceval build {name} --source RELEASE --out {name}-hf --videos videos/ --push my-org/{name}

The output folder holds <task>/<protocol>/<split>-00000-of-00001.parquet (with --videos:
data/<config>-<split>.parquet and the videos under data/videos/), a README.md whose YAML `configs:` lists
every config, and eval.yaml; `datasets.load_dataset(OUT, CONFIG)` loads it, also after the folder is
moved or pushed. OUT is built beside itself and swapped in whole: a failed build leaves it untouched,
and --configs A,B leaves exactly A and B.
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``build`` on the top-level sub-parsers (benchmark choices from the registry)."""
    names = benchmark_names()
    p = sub.add_parser(
        "build",
        help="export a benchmark release as a Hugging Face dataset repo (Parquet + card + eval.yaml)",
        description="Read an official benchmark release as it is and write a no-script Hugging Face "
        "dataset repository: one Parquet file per config and split, a dataset card whose YAML lists every "
        "config, and an eval.yaml naming the benchmark's tasks. Release quirks are resolved with a warning; "
        "bad input stops with the file and line.",
        epilog=_epilog(names),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("benchmark", choices=names, help="benchmark to build")
    add_build_arguments(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Build the repository, print counts per config and split and the quirks met; push if asked."""
    return run_build(args.benchmark, args)
