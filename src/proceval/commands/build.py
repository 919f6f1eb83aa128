"""``proceval build impact``: the official release → a no-script Hugging Face dataset repository."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from proceval.datasets.spec import SPLITS, list_configs
from proceval.errors import InputValidationError

BENCHMARKS: tuple[str, ...] = ("impact",)

_EPILOG = """\
examples:
  proceval build impact --source ../shared/impact/impact-release-v1.tar.gz --out impact-hf
  proceval build impact --source impact-release --out impact-hf --configs tas_s_s2,cv_ta_s1
  proceval build impact --source impact-release/dataset --out impact-hf --videos videos/ --push my-org/impact

The output folder holds <task>/<protocol>/<split>-00000-of-00001.parquet, a README.md whose YAML
`configs:` lists every config, and eval.yaml; `datasets.load_dataset(OUT, "tas_s_s2")` loads it.
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``build`` on the top-level sub-parsers."""
    p = sub.add_parser(
        "build",
        help="export a benchmark release as a Hugging Face dataset repo (Parquet + card + eval.yaml)",
        description="Read an official benchmark release as it is and write a no-script Hugging Face "
        "dataset repository: one Parquet file per config and split, a dataset card whose YAML lists every "
        "config, and an eval.yaml naming the benchmark's tasks. Release quirks are resolved with a warning; "
        "bad input stops with the file and line.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("benchmark", choices=BENCHMARKS, help="benchmark to build")
    p.add_argument(
        "--source",
        required=True,
        metavar="DIR",
        help="the release: its top folder (holding dataset/), the dataset/ folder itself, or the .tar.gz "
        "archive",
    )
    p.add_argument(
        "--out", metavar="REPO_DIR", default=None, help="output repository folder (default: ./impact-hf)"
    )
    p.add_argument(
        "--configs",
        metavar="A,B",
        default=None,
        help="comma-separated config names (default: every config; see `proceval list impact`)",
    )
    p.add_argument(
        "--videos",
        metavar="DIR",
        default=None,
        help="videos folder (<video_id>.mp4 or <view>/<video_id>.mp4); adds a lazily decoded `video` column "
        "holding absolute paths. Without it the labels still load.",
    )
    p.add_argument(
        "--push",
        metavar="ORG/NAME",
        default=None,
        help="upload the folder to this Hub dataset repo afterwards (needs a Hugging Face token)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


def format_counts(counts: dict[str, dict[str, int]]) -> str:
    """Plain-text table of example counts per config and split."""
    width = max([len("config"), *(len(n) for n in counts)])
    lines = [f"{'config':<{width}}  " + "  ".join(f"{s:>10}" for s in SPLITS)]
    for name, per_split in counts.items():
        cells = "  ".join(f"{per_split[s]:>10}" if s in per_split else f"{'-':>10}" for s in SPLITS)
        lines.append(f"{name:<{width}}  {cells}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Build the repository, print counts per config and split and the quirks met; push if asked."""
    from proceval.hub.export import export_hub_repo, push_to_hub

    out = Path(args.out) if args.out else Path(f"{args.benchmark}-hf")
    configs = [c.strip() for c in args.configs.split(",") if c.strip()] if args.configs else None
    if configs is not None:
        known = [spec.name for spec in list_configs(args.benchmark)]
        unknown = [c for c in configs if c not in known]
        if unknown or not configs:
            raise InputValidationError(
                f"Expected argument `--configs` to name configs of {args.benchmark} (one of: {', '.join(known)}), "
                f"but got {args.configs!r}."
            )
    report = export_hub_repo(
        args.benchmark,
        args.source,
        out,
        configs=configs,
        videos_dir=args.videos,
        progress=not args.no_progress,
    )
    print(format_counts(report.counts))
    for message in report.warnings:
        print(f"warning: {message}", file=sys.stderr)
    total = sum(sum(c.values()) for c in report.counts.values())
    print(f"wrote {len(report.counts)} configs ({total} examples) to {out.resolve()}")
    if args.push:
        push_to_hub(out, args.push)
        print(f"pushed {out} to https://huggingface.co/datasets/{args.push}")
    return 0
