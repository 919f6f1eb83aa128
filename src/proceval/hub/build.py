"""Build a benchmark's no-script Hub repository from its release: the code behind ``proceval build``.

``datasets`` (>= 4) no longer runs loading scripts, so what replaces a benchmark's script is the
maintainer's conversion: :func:`build_hub_repo` turns the official release into Parquet per config and
split, a README whose YAML ``configs:`` lists them (the benchmark's card) and ``eval.yaml``, and
optionally uploads the folder. ``proceval build BENCHMARK`` and each ``dataset_scripts/<name>/build.py``
are thin command lines over it that share :func:`add_build_arguments` and :func:`run_build`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from proceval.datasets.spec import SPLITS
from proceval.errors import InputValidationError
from proceval.hub.layout import ExportReport
from proceval.registry import get_benchmark


def parse_configs(benchmark: str, text: str | None) -> list[str] | None:
    """``"a,b"`` as a list of config names of ``benchmark`` (None for every config).

    Raises:
        InputValidationError: an unknown name, or no name at all (the known ones are listed).
    """
    if text is None:
        return None
    configs = [c.strip() for c in text.split(",") if c.strip()]
    known = get_benchmark(benchmark).config_names()
    unknown = [c for c in configs if c not in known]
    if unknown or not configs:
        raise InputValidationError(
            f"Expected argument `--configs` to name configs of {benchmark} (one of: {', '.join(known)}), "
            f"but got {text!r}."
        )
    return configs


def build_hub_repo(
    benchmark: str,
    source: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    configs: Sequence[str] | None = None,
    videos_dir: str | os.PathLike[str] | None = None,
    *,
    push: str | None = None,
    progress: bool = True,
    copy_videos: bool = False,
) -> ExportReport:
    """Export ``benchmark``'s release as a Hub repository under ``out_dir`` and push it if asked.

    The folder is built beside ``out_dir`` and swapped in whole once complete (a failed build leaves an
    existing ``out_dir`` untouched; ``configs`` yields a folder of exactly those configs).

    Args:
        benchmark: a registered benchmark's name.
        source: the release (whatever the benchmark's ``resolve_release`` accepts).
        out_dir: the repository folder to write.
        configs: config names (default: every config).
        videos_dir: videos folder; the repository holds the videos its rows name and a lazily decoded
            ``video`` column relative to it (:mod:`proceval.hub.layout`).
        push: ``org/name`` of a Hub dataset repo to upload the folder to afterwards.
        progress: show a progress bar over configs.
        copy_videos: copy the videos into the repository instead of hard-linking them.

    Raises:
        InputValidationError: an unknown benchmark or config, or a benchmark without configs.
        ReleaseFormatError: a release or video file is missing or malformed (file and line named).
    """
    from proceval.hub import export

    bench = get_benchmark(benchmark)
    if not bench.config_names():
        raise InputValidationError(f"Benchmark {benchmark!r} has no dataset configs to build yet.")
    report = export.export_hub_repo(
        bench,
        source,
        out_dir,
        configs=configs,
        videos_dir=videos_dir,
        progress=progress,
        copy_videos=copy_videos,
    )
    if push:
        from proceval.hub.publish import push_folder

        push_folder(out_dir, push)  # token rules and one-line network errors of the push commands
    return report


def format_counts(counts: dict[str, dict[str, int]]) -> str:
    """Plain-text table of example counts per config and split."""
    width = max([len("config"), *(len(n) for n in counts)])
    lines = [f"{'config':<{width}}  " + "  ".join(f"{s:>10}" for s in SPLITS)]
    for name, per_split in counts.items():
        cells = "  ".join(f"{per_split[s]:>10}" if s in per_split else f"{'-':>10}" for s in SPLITS)
        lines.append(f"{name:<{width}}  {cells}")
    return "\n".join(lines)


def add_build_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every build command line shares (``--source``, ``--out``, ``--configs``, ...)."""
    parser.add_argument(
        "--source",
        required=True,
        metavar="DIR",
        help="the release: its top folder, the folder holding the annotation files, or its archive",
    )
    parser.add_argument(
        "--out", metavar="REPO_DIR", default=None, help="output repository folder (default: ./<benchmark>-hf)"
    )
    parser.add_argument(
        "--configs",
        metavar="A,B",
        default=None,
        help="comma-separated config names (default: every config; see `proceval list configs`)",
    )
    parser.add_argument(
        "--videos",
        metavar="DIR",
        default=None,
        help="videos folder (<video_id>.mp4 or <view>/<video_id>.mp4, or the layout the benchmark's card "
        "names); the repository then holds the videos its rows name (data/videos/, hard links or copies) and "
        "a lazily decoded `video` column that resolves inside the repository wherever it is moved or pushed "
        "(and `video_status` where the benchmark records missing videos per row). Without it the labels "
        "still load.",
    )
    parser.add_argument(
        "--copy-videos",
        action="store_true",
        help="copy the video files into the repository instead of hard-linking them",
    )
    parser.add_argument(
        "--push",
        metavar="ORG/NAME",
        default=None,
        help="upload the folder to this Hub dataset repo afterwards (needs a Hugging Face token)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run_build(
    benchmark: str, args: argparse.Namespace, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Build from parsed :func:`add_build_arguments` options; print counts, warnings and where it went."""
    out = out or sys.stdout
    err = err or sys.stderr
    target = Path(args.out) if args.out else Path(f"{benchmark}-hf")
    report = build_hub_repo(
        benchmark,
        args.source,
        target,
        configs=parse_configs(benchmark, args.configs),
        videos_dir=args.videos,
        push=args.push,
        progress=not args.no_progress,
        copy_videos=getattr(args, "copy_videos", False),
    )
    print(format_counts(report.counts), file=out)
    for message in report.warnings:
        print(f"warning: {message}", file=err)
    total = sum(sum(c.values()) for c in report.counts.values())
    print(f"wrote {len(report.counts)} configs ({total} examples) to {target.resolve()}", file=out)
    if args.push:
        print(f"pushed {target} to https://huggingface.co/datasets/{args.push}", file=out)
    return 0
