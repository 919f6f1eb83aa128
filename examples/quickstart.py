"""Quick start: load an IMPACT config, sample clips lazily, predict, and score with the evaluate module.

Runs on the embedded sample release (``proceval sample``) or on the real release plus its videos:

    python examples/quickstart.py --release demo_out/sample/impact/impact-release \
        --videos demo_out/sample/impact/videos --config tas_s_s1
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    """Load a frame-level IMPACT config, sample test clips, run a baseline and score it with ``metrics/tas``.

    Args:
        argv: command-line arguments (default: ``sys.argv[1:]``); see ``--help``.

    Returns:
        The exit code: 0 when the accuracy is finite, 1 otherwise.
    """
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--release", required=True, help="IMPACT release folder (holding dataset/) or archive")
    ap.add_argument("--videos", required=True, help="folder of <video_id>.mp4")
    ap.add_argument("--config", default="tas_s_s1", help="a frame-level config (tas_* or ppr_*)")
    ap.add_argument("--cache-dir", default=None)
    args = ap.parse_args(argv)

    import evaluate
    from torch.utils.data import DataLoader

    from proceval.benchmarks.impact.baselines import frame_task
    from proceval.benchmarks.impact.load import load_impact
    from proceval.video.collate import VideoCollate
    from proceval.video.transforms import VideoClipSampler

    # 1. datasets: one example per video stream, labels per frame, video decoded lazily
    load = dict(videos_dir=args.videos, cache_dir=args.cache_dir)
    train = load_impact(args.release, args.config, split="train", decode_video=False, **load)
    test = load_impact(args.release, args.config, split="test", decode_video=False, **load)
    print(
        f"{args.config}: {len(train)} train / {len(test)} test videos; label names {train.features['labels'].feature.names[:4]}..."
    )

    # 2. lazy clips: 8 uniformly sampled frames per video, decoded in 2 DataLoader workers. VideoCollate is a
    #    named (picklable) collate_fn, so this also runs under the "spawn" start method (macOS, Windows), and
    #    it resizes every clip to one size, so ego (16:9) and exo frames share a batch.
    clips = load_impact(args.release, args.config, split="test", **load).select_columns(["video_id", "video"])
    clips.set_transform(VideoClipSampler(num_frames=8))
    loader = DataLoader(clips, batch_size=2, num_workers=2, collate_fn=VideoCollate(size=(112, 112)))
    batch = next(iter(loader))
    print(f"clips of {batch['video_id']}: frames {tuple(batch['frames'].shape)} (uint8, B N C H W)")

    # 3. a baseline: nearest centroid of per-frame colour features
    predictions = frame_task(train, test)

    # 4. score with the evaluate module (aligned lists) and show the reproducibility signature
    tas = evaluate.load(str(REPO / "metrics" / "tas"))
    ids = list(test["video_id"])
    result = tas.compute(
        predictions=[predictions[v].tolist() for v in ids],
        references=[list(lbl) for lbl in test["labels"]],
        ids=ids,
    )
    print(json.dumps({k: v for k, v in result.items() if isinstance(v, (float, int, str))}, indent=2))
    return 0 if np.isfinite(result["accuracy"]) else 1


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sys.exit(main())
