"""``proceval sample OUT``: write the embedded sample release of every benchmark."""

from __future__ import annotations

import argparse

from proceval.sample import DEFAULT_SEED, DEFAULT_TRIALS, write_sample

_DESCRIPTION = """\
Write a miniature release of IMPACT, EgoProactive and ProcObject-10K in their official on-disk formats,
with small generated videos whose frames change with the labelled steps:

  OUT/impact/impact-release/dataset/...        IMPACT release layout (TAS, CV, AF-S, ASR, PSR, PPR, ATR)
  OUT/impact/impact-release/task_configs/...   procedure graphs and component alias maps
  OUT/impact/videos/<video_id>.mp4             exo 30 fps, ego 25 fps
  OUT/egoproactive/egoproactive/wearable_ai_2026_egoproactive_val_<n>.jsonl (+ val/<id>.mp4, 15 fps)
  OUT/procobject/{training,testing}.json       (+ videos/<name>.mp4, 15 fps)

Vocabularies and labels are synthetic (a cordless-drill service procedure for IMPACT). The same --seed
gives byte-identical files. The output is assembled in a hidden folder beside OUT and renamed into place.
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sample",
        help="write a small sample release of every benchmark (official formats, generated videos)",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("out", metavar="OUT", help="output folder (must be new or empty unless --overwrite)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default: %(default)s)")
    p.add_argument(
        "--trials",
        type=int,
        default=DEFAULT_TRIALS,
        metavar="N",
        help="IMPACT trials, five videos each; at least 6 so that every split S1-S4 is non-empty "
        "(default: %(default)s)",
    )
    p.add_argument(
        "--sessions", type=int, default=4, metavar="N", help="EgoProactive sessions (default: %(default)s)"
    )
    p.add_argument("--no-videos", action="store_true", help="write label files only (no PyAV needed)")
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it already has content")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    summary = write_sample(
        args.out,
        seed=args.seed,
        n_trials=args.trials,
        n_sessions=args.sessions,
        videos=not args.no_videos,
        overwrite=args.overwrite,
        progress=not args.quiet,
    )
    print("\n".join(summary.lines()))
    return 0
