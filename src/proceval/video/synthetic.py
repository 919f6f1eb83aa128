"""Tiny synthetic H.264 videos whose pixels encode their frame index (for tests and examples).

Frame ``i`` is a flat RGB image of grey level ``INDEX_STEP * i``, so the index of any decoded frame is
``round(mean(frame) / INDEX_STEP)`` (robust to the YUV 4:2:0 round trip). Written with PyAV's libx264.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from proceval.errors import InputValidationError

#: Grey-level step between consecutive frames.
INDEX_STEP = 4


def write_index_video(
    path: str | os.PathLike[str],
    *,
    num_frames: int = 60,
    fps: int = 30,
    width: int = 64,
    height: int = 48,
    gop: int = 10,
    bframes: int = 2,
) -> Path:
    """Write an H.264 MP4 whose frame ``i`` has grey level ``INDEX_STEP * i`` (``num_frames <= 64``).

    Args:
        path: output ``.mp4`` path.
        num_frames: number of frames (at most ``255 // INDEX_STEP + 1`` = 64).
        fps: frame rate (frames per second, integer).
        width: frame width in pixels (even).
        height: frame height in pixels (even).
        gop: keyframe interval in frames (closed GOPs, no scene-cut keyframes).
        bframes: maximum consecutive B-frames.

    Returns:
        The path written.
    """
    import av

    if not 1 <= num_frames <= 255 // INDEX_STEP + 1:
        raise InputValidationError(
            f"Expected `num_frames` in [1, {255 // INDEX_STEP + 1}], but got {num_frames}."
        )
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(out), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {
            "crf": "10",
            "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes={bframes}:open-gop=0",
        }
        for i in range(num_frames):
            image = np.full((height, width, 3), INDEX_STEP * i, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out


def frame_index_of(frames: np.ndarray) -> np.ndarray:
    """Recover frame indices from decoded frames ``[N, ...]`` (uint8) of a :func:`write_index_video` file."""
    arr = np.asarray(frames, dtype=np.float64).reshape(len(frames), -1)
    return np.rint(arr.mean(axis=1) / INDEX_STEP).astype(np.int64)
